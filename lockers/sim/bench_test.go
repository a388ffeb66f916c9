package sim_test

import (
	"context"
	"testing"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
)

// BenchmarkStatusAll sweeps a 48-compartment bank on three boards, bare
// and behind the registry's Guard.
func BenchmarkStatusAll(b *testing.B) {
	ctx := context.Background()
	bank, err := sim.New(sim.Config{Count: 48})
	if err != nil {
		b.Fatal(err)
	}
	guarded, err := lockers.Open(ctx, "sim:?compartments=48")
	if err != nil {
		b.Fatal(err)
	}
	defer guarded.Close()
	for _, bc := range []struct {
		name string
		d    lockers.Driver
	}{{"bare-48", bank}, {"guarded-48", guarded}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sts, err := bc.d.StatusAll(ctx)
				if err != nil || len(sts) != 48 {
					b.Fatal(len(sts), err)
				}
			}
		})
	}
}
