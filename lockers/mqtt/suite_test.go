package mqtt_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	"github.com/lockergate/lockergate/lockers/mqtt/mqtttest"
)

// TestContract runs the driver contract suite through the registry
// (mqtt://host:port/<random prefix>) against a fresh emulator per check.
func TestContract(t *testing.T) {
	broker := mqtttest.Broker(t)
	var mu sync.Mutex
	ctls := map[lockers.Driver]*mqtttest.Controller{}
	lockerstest.Run(t, lockerstest.Config{
		Open: func(t *testing.T) lockers.Driver {
			ctl := mqtttest.NewController(t, mqtttest.Config{Broker: broker, HeartbeatInterval: 200 * time.Millisecond})
			u := "mqtt://" + strings.TrimPrefix(broker, "tcp://") + "/" + ctl.Prefix() +
				"?client_id=suite-" + url.QueryEscape(ctl.Prefix()) + "&confirm_timeout=2s&response_timeout=2s"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, err := lockers.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the retained snapshot", func() bool {
				h, err := d.Health(ctx)
				return err == nil && h.Online && len(h.Boards) == 1 && len(h.Boards[0].Compartments) == 8
			})
			mu.Lock()
			ctls[d] = ctl
			mu.Unlock()
			return d
		},
		Faults: func(d lockers.Driver) lockerstest.Faults {
			mu.Lock()
			defer mu.Unlock()
			return ctls[d]
		},
		Timeout: 15 * time.Second,
	})
}
