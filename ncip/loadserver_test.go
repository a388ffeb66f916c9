package ncip_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

// TestLoadServer is a helper for out-of-process load tests, not a check:
// with NCIP_LOAD_ADDR set (e.g. 127.0.0.1:8099) it serves the demo
// responder (nciptest.NewDemo) there for NCIP_LOAD_FOR (default 60s), so
// that `lockergate bench ncip --url http://127.0.0.1:8099/` can load it
// from another process:
//
//	NCIP_LOAD_ADDR=127.0.0.1:8099 NCIP_LOAD_FOR=40s go test -run TestLoadServer -v ./ncip
func TestLoadServer(t *testing.T) {
	addr := os.Getenv("NCIP_LOAD_ADDR")
	if addr == "" {
		t.Skip("load-test helper: set NCIP_LOAD_ADDR to serve the demo responder")
	}
	dur := time.Minute
	if v := os.Getenv("NCIP_LOAD_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("NCIP_LOAD_FOR: %v", err)
		}
		dur = d
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: &ncip.Handler{Backend: nciptest.NewDemo()}, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Logf("serving the demo responder on http://%s/ for %v", ln.Addr(), dur)
	select {
	case <-time.After(dur):
	case err := <-done:
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}
