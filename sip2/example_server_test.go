package sip2_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// ExampleServer serves the in-memory demo library and plays a locker that
// logs in and checks in an item someone is waiting for: the 3M routing
// fields tell it whose hold it is (CY, DA) and where it goes (CT).
func ExampleServer() {
	lib := sip2mem.NewDemo()
	lib.Now = func() time.Time { return time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC) }
	srv := &sip2.Server{Backend: lib}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, req := range []string{
		"9300CNlocker1|COlocker1-secret|CPMAIN|AY0AZ",
		"09N20261127    09300020261127    093000APMAIN|AODEMO|ABI0012|AC|AY1AZ",
	} {
		req += sip2.Checksum([]byte(req))
		fmt.Fprintf(c, "%s\r", req)
		resp, _ := r.ReadString('\r')
		fmt.Println(strings.TrimSuffix(resp, "\r"))
	}
	// Output:
	// 941AY0AZFDFD
	// 101YUY20261127   Z093000AODEMO|ABI0012|AQMAIN|AJStructure and Interpretation of Computer Programs|CLHOLDS|CK001|CS005.012|CTMAIN|CV01|CYP0007|DADonald Knuth|AFItem was not checked out|AY1AZC376
}
