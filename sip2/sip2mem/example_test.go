package sip2mem_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// Serve the demo library and look up some of its documented patrons and
// items, as a locker would.
func ExampleNewDemo() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &sip2.Server{Backend: sip2mem.NewDemo(), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(l)
	defer srv.Close()

	ctx := context.Background()
	c, err := sip2.Dial(ctx, l.Addr().String(), &sip2.ClientOptions{
		Login: &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	for _, p := range []struct{ id, pin string }{{"P0001", "1234"}, {"P0003", "1234"}, {"P0010", "1234"}} {
		r, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{InstitutionID: sip2mem.DemoInstitution, PatronID: p.id, PatronPassword: p.pin})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s PIN ok %v, charge denied %v\n", p.id, r.ValidPatronPassword, r.PatronStatus.Has(sip2.PatronChargePrivilegesDenied))
	}
	it, err := c.ItemInformation(ctx, &sip2.ItemInformationRequest{InstitutionID: sip2mem.DemoInstitution, ItemID: "I0010"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("I0010 circulation status %s (on the hold shelf)\n", it.CirculationStatus)
	// Output:
	// P0001 PIN ok Y, charge denied false
	// P0003 PIN ok Y, charge denied true
	// P0010 PIN ok N, charge denied false
	// I0010 circulation status 08 (on the hold shelf)
}
