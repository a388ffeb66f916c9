package sim_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/lockers/internal/drivertest"
	"github.com/lockergate/lockergate/lockers/sim"
)

// FuzzParseConfig feeds arbitrary query options, with a secret planted
// where configurations carry them: ParseConfig must not panic, must keep
// its package prefix, must not repeat the secret, and what it accepts must
// be a bank New can build.
func FuzzParseConfig(f *testing.F) {
	for _, q := range []string{
		"", "compartments=24&sizes=S:12,M:8,L:4", "sizes=S:2,L:1&light=1-2&itemsensor=all&boardsize=2",
		"compartments=8&boardsize=4&jam=1&noack=2&acknoopen=3&offline=2&locksensor=true&confirm=20ms",
		"leftopen=90s&name=lobby&charging=3,5-6", "compartments=1&compartments=2", "light=1-", "offline=all",
	} {
		f.Add(q, "apikey", "hunter2", uint8(1))
	}
	f.Add("compartments=3", "x", "s3cret", uint8(2))
	f.Add("compartmetns=3", "", "pw", uint8(3))
	f.Fuzz(func(t *testing.T, query, key, raw string, where uint8) {
		secret := drivertest.Secret(raw)
		config, check := drivertest.Plant("sim:?"+query, key, secret, where)
		u, err := url.Parse(config)
		if err != nil {
			return
		}
		cfg, err := sim.ParseConfig(u)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "lockers/sim: ") {
				t.Fatalf("%q: error %q lacks the package prefix", config, err)
			}
			if check {
				drivertest.NoSecret(t, config, err.Error(), secret)
			}
			return
		}
		if n := len(cfg.Compartments); n < 1 || n > 10000 {
			t.Fatalf("%q: accepted with %d compartments", config, n)
		}
		if _, err := sim.New(cfg); err != nil {
			t.Fatalf("%q: ParseConfig accepted what New refuses: %v", config, err)
		}
	})
}
