package lockers_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/sim" // registers "sim:"
)

// Open a bank from its configuration string, open one compartment and read
// what the hardware confirmed.
func ExampleOpen() {
	ctx := context.Background()
	d, err := lockers.Open(ctx, "sim:?sizes=S:2,L:1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()

	cmd := lockers.Command{ID: "hold-4711-pickup", Compartment: "3", Issued: time.Now()}
	res, err := d.Open(ctx, cmd)
	fmt.Println(res.Status.Lock, res.Status.Door, res.Duplicate, err)

	// A redelivered command does not pulse the door again.
	res, err = d.Open(ctx, cmd)
	fmt.Println(res.Status.Lock, res.Status.Door, res.Duplicate, err)
	// Output:
	// released open false <nil>
	// released open true <nil>
}

// Errors about a configuration never repeat its secrets.
func ExampleRedact() {
	fmt.Println(lockers.Redact("mqtt://site1:s3cret@broker:8883/site/bank1?keepalive=30"))
	fmt.Println(lockers.Redact("https://vendor.example/api?key=abc123&site=5"))
	// Output:
	// mqtt://site1:REDACTED@broker:8883/site/bank1?keepalive=30
	// https://vendor.example/api?key=REDACTED&site=5
}

func ExampleGuard() {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	d := lockers.Guard(&fakeDriver{}, lockers.GuardOptions{Bank: "lobby", Now: func() time.Time { return now }})
	_, err := d.Open(context.Background(), lockers.Command{
		ID: "late", Compartment: "1", Issued: now.Add(-time.Hour),
	})
	fmt.Println(err)
	// Output:
	// lockers: open bank lobby compartment 1: command too old: issued 1h0m0s ago, maximum 30s
}
