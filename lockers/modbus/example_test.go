package modbus_test

import (
	"fmt"
	"net/url"

	"github.com/lockergate/lockergate/lockers/modbus"
)

func ExampleParseConfig() {
	u, _ := url.Parse("modbus+tcp://10.0.0.6:502?unit=1&relays=8&inputs=6&pulse=hw:700ms")
	c, err := modbus.ParseConfig(u)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Transport, c.Addr, "unit", c.Unit)
	fmt.Println(c.Relays, "relays,", c.Inputs, "door sensors; hardware pulse:", c.HWPulse, c.Pulse)
	// Output:
	// tcp 10.0.0.6:502 unit 1
	// 8 relays, 6 door sensors; hardware pulse: true 700ms
}
