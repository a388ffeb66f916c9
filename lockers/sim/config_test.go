package sim_test

import (
	"net/url"
	"testing"

	"github.com/lockergate/lockergate/lockers/internal/drivertest"
	"github.com/lockergate/lockergate/lockers/sim"
)

// FuzzParseConfig feeds arbitrary query options, with a secret planted
// where configurations carry them: ParseConfig must not panic, must keep
// its package prefix, must not repeat the secret, and what it accepts must
// be a bank New can build.
func FuzzParseConfig(f *testing.F) {
	var seeds []string
	for _, q := range []string{
		"", "compartments=24&sizes=S:12,M:8,L:4", "sizes=S:2,L:1&light=1-2&itemsensor=all&boardsize=2",
		"compartments=8&boardsize=4&jam=1&noack=2&acknoopen=3&offline=2&locksensor=true&confirm=20ms",
		"leftopen=90s&name=lobby&charging=3,5-6", "compartments=24&autoclose=8s", "autoclose=-1s", "compartments=1&compartments=2", "light=1-", "offline=all",
	} {
		seeds = append(seeds, "sim:?"+q)
	}
	drivertest.FuzzParse(f, "lockers/sim: ", seeds, func(t *testing.T, u *url.URL) error {
		cfg, err := sim.ParseConfig(u)
		if err != nil {
			return err
		}
		if n := len(cfg.Compartments); n < 1 || n > 10000 {
			t.Fatalf("%q: accepted with %d compartments", u, n)
		}
		if _, err := sim.New(cfg); err != nil {
			t.Fatalf("%q: ParseConfig accepted what New refuses: %v", u, err)
		}
		return nil
	})
}
