package sip2_test

import (
	"context"
	"net"
	"testing"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// benchFakeACS is the raw-byte fake without request recording, so that the
// client's own cost dominates.
func benchFakeACS(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serveFake(c, 1, standardACS, nil)
			}()
		}
	}()
	return ln.Addr().String()
}

func benchDial(b *testing.B, addr string, opts *sip2.ClientOptions) *sip2.Client {
	b.Helper()
	c, err := sip2.Dial(context.Background(), addr, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkClientSCStatusFake is one 99/98 round trip over loopback TCP
// against a minimal fake ACS.
func BenchmarkClientSCStatusFake(b *testing.B) {
	c := benchDial(b, benchFakeACS(b), &sip2.ClientOptions{Codec: edOpts, Login: loginReq("pw")})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.SCStatus(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientCheckoutFake is one 11/12 round trip against the fake.
func BenchmarkClientCheckoutFake(b *testing.B) {
	c := benchDial(b, benchFakeACS(b), &sip2.ClientOptions{Codec: edOpts, Login: loginReq("pw")})
	ctx := context.Background()
	req := &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1", PatronPassword: "1234"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Checkout(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientServerSCStatus is a 99/98 round trip against our server
// over sip2mem.
func BenchmarkClientServerSCStatus(b *testing.B) {
	srv := sip2test.NewServer(b, sip2mem.NewDemo())
	c := benchDial(b, srv.Addr, demoClientOptions())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.SCStatus(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientServerCheckoutCheckin is a checkout and a checkin (two
// round trips) against our server over sip2mem.
func BenchmarkClientServerCheckoutCheckin(b *testing.B) {
	srv := sip2test.NewServer(b, sip2mem.NewDemo())
	c := benchDial(b, srv.Addr, demoClientOptions())
	ctx := context.Background()
	co := &sip2.CheckoutRequest{InstitutionID: sip2mem.DemoInstitution, PatronID: "P0012", ItemID: "I0013", PatronPassword: "4321"}
	ci := &sip2.CheckinRequest{InstitutionID: sip2mem.DemoInstitution, ItemID: "I0013", CurrentLocation: sip2mem.DemoBranch}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := c.Checkout(ctx, co)
		if err != nil || !r.OK {
			b.Fatalf("checkout: %v %v", err, r.Err())
		}
		if _, err := c.Checkin(ctx, ci); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPoolParallel runs SC status from GOMAXPROCS goroutines through
// a pool of 4 connections to our server.
func BenchmarkPoolParallel(b *testing.B) {
	srv := sip2test.NewServer(b, sip2mem.NewDemo())
	p := sip2.NewPool(srv.Addr, &sip2.PoolOptions{Size: 4, Client: *demoClientOptions()})
	b.Cleanup(func() { p.Close() })
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := p.Do(ctx, func(c *sip2.Client) error { _, err := c.SCStatus(ctx, nil); return err })
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
