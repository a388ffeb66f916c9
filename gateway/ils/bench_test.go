package ils

import (
	"context"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// BenchmarkVerifyPatronParallel measures a PIN check (63 with AD) through
// the adapter and a 4-connection pool against the in-memory ILS on
// loopback, callers in parallel.
func BenchmarkVerifyPatronParallel(b *testing.B) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(b, lib)
	s, err := NewSIP2(SIP2Config{
		Addr: srv.Addr, User: sip2mem.DemoUser, Password: sip2mem.DemoPassword,
		Institution: sip2mem.DemoInstitution, ErrorDetection: true, PoolSize: 4, Timeout: 5 * time.Second,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.VerifyPatron(ctx, "P0001", "1234"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
