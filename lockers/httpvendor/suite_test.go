package httpvendor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/httpvendor" // registers https and http
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
	"github.com/lockergate/lockergate/lockers/lockerstest"
)

// TestContract runs the driver contract suite through the registry
// (http://.../api?bank=B1&key_env=...) against a fresh fake vendor per
// check, with the driver's webhook mounted so that Watch sees the
// vendor's events.
func TestContract(t *testing.T) {
	var mu sync.Mutex
	fakes := map[lockers.Driver]*vendortest.Server{}
	n := 0
	lockerstest.Run(t, lockerstest.Config{
		Open: func(t *testing.T) lockers.Driver {
			s := vendortest.NewServer(t, vendortest.Options{})
			mu.Lock()
			n++
			env := "LOCKERGATE_TEST_VENDOR_KEY_" + strings.Repeat("X", n)
			secretEnv := env + "_HOOK"
			mu.Unlock()
			os.Setenv(env, s.Key)
			os.Setenv(secretEnv, "whsec-"+s.Key)
			t.Cleanup(func() { os.Unsetenv(env); os.Unsetenv(secretEnv) })
			u := s.DriverURL(env) + "&webhook_secret_env=" + secretEnv + "&confirm_timeout=1s&confirm_interval=20ms"
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			d, err := lockers.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			wh, ok := lockers.Unguard(d).(interface{ WebhookHandler() http.Handler })
			if !ok {
				t.Fatal("the vendor driver has no WebhookHandler")
			}
			hook := httptest.NewServer(wh.WebhookHandler())
			t.Cleanup(hook.Close)
			s.SetWebhook(hook.URL, []byte("whsec-"+s.Key))
			mu.Lock()
			fakes[d] = s
			mu.Unlock()
			return d
		},
		Faults: func(d lockers.Driver) lockerstest.Faults {
			mu.Lock()
			defer mu.Unlock()
			return fakes[d]
		},
		Timeout: 10 * time.Second,
	})
}
