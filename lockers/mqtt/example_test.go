package mqtt_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/mqtt"
)

// A controller decodes what the gateway publishes on <prefix>/command.
func ExampleDecodeCommand() {
	cmd, err := mqtt.DecodeCommand([]byte(`{"message_id":"5f1c","transaction_id":"pickup-8812-3","action":"open",
		"compartment":"3","issued_at":"2026-03-02T17:04:05Z","expires_at":"2026-03-02T17:04:35Z"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cmd.Action, cmd.Compartment, cmd.ExpiresAt.Sub(cmd.IssuedAt))

	_, err = mqtt.DecodeCommand([]byte(`{"message_id":"5f1c","action":"open"}`))
	fmt.Println(err)
	// Output:
	// open 3 30s
	// lockers/mqtt: bad command payload: field "transaction_id": missing
}

// Opening a compartment through the registry; the driver confirms the open
// by the controller's snapshot or event, not by its response alone.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	d, err := lockers.Open(ctx, "mqtt://127.0.0.1:1883/main-lobby/bank1?password_env=MQTT_PASSWORD")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	res, err := d.Open(ctx, lockers.Command{ID: "pickup-8812-3", Compartment: "3", Issued: time.Now()})
	if err != nil {
		fmt.Println(err) // errors.Is(err, lockers.ErrJammed), ErrOffline, ...
		return
	}
	fmt.Println(res.Status.Lock, res.Status.Door)
}
