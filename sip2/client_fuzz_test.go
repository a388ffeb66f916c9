package sip2_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// FuzzClientResponse feeds arbitrary bytes to a client as the ACS's answer
// (sent again for every resend the client asks for). Whatever arrives, the
// call must return (no panic, no hang past its timeout), and a response
// returned without error must be the checkout response with the request's
// sequence number.
func FuzzClientResponse(f *testing.F) {
	for _, v := range loadVectors(f) {
		if v.dir == "ACS->SC" {
			f.Add([]byte(v.raw + "\r"))
		}
	}
	f.Add([]byte(seal("121NNY20261126    225649AOMAIN|AAP1|ABI1|AJA book|AH20261210    225649|", "0") + "\r"))
	f.Add([]byte(seal("121NNY20261126    225649AOMAIN|AAP1|ABI1|AJA book|AH20261210    225649|", "0") + "\r\n"))
	f.Add([]byte("96AZFEF6\r"))
	f.Add([]byte("96AZFEF6\r" + seal("120NNN20261126    225649AOMAIN|AAP1|ABI1|AJ|AH|", "0") + "\r"))
	f.Add([]byte("12\r"))
	f.Add([]byte("\r\r\n"))
	f.Fuzz(func(t *testing.T, reply []byte) {
		cc, sc := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer sc.Close()
			br := bufio.NewReader(sc)
			for i := 0; i < 5; i++ {
				if _, err := br.ReadString('\r'); err != nil {
					return
				}
				if _, err := sc.Write(reply); err != nil {
					return
				}
				if !bytes.ContainsAny(reply, "\r\n") {
					return // no complete message will ever come: hang up
				}
			}
		}()
		c := sip2.NewClient(cc, &sip2.ClientOptions{Codec: edOpts, Timeout: 100 * time.Millisecond, Retries: 2})
		resp, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1", PatronPassword: "1234"})
		c.Close()
		<-done
		if err == nil {
			if resp == nil {
				t.Fatal("nil response without error")
			}
			_ = resp.Err()
			_ = resp.String()
		}
	})
}
