package mqtt_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/mqtt"
	"github.com/lockergate/lockergate/lockers/mqtt/mqtttest"
)

// BenchmarkOpen measures one open round trip through the broker: command
// published, controller pulses, response, event and snapshot back, open
// confirmed.
func BenchmarkOpen(b *testing.B) {
	ctl := mqtttest.NewController(b, mqtttest.Config{})
	ctx := context.Background()
	d, err := mqtt.Dial(ctx, mqtt.Config{Broker: ctl.BrokerURL(), Prefix: ctl.Prefix()})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for {
		if h, _ := d.Health(ctx); h.Online && len(h.Boards[0].Compartments) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	i := 0
	for b.Loop() {
		i++
		c := lockers.Command{ID: "bench-" + strconv.Itoa(i), Compartment: lockers.CompartmentID(strconv.Itoa(i%8 + 1)), Issued: time.Now()}
		if _, err := d.Open(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusFresh measures a Status that asks the controller for a
// fresh snapshot.
func BenchmarkStatusFresh(b *testing.B) {
	ctl := mqtttest.NewController(b, mqtttest.Config{})
	ctx := context.Background()
	d, err := mqtt.Dial(ctx, mqtt.Config{Broker: ctl.BrokerURL(), Prefix: ctl.Prefix()})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for b.Loop() {
		if _, err := d.Status(ctx, "1"); err != nil {
			b.Fatal(err)
		}
	}
}
