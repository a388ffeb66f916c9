package lockers_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// BenchmarkOpen compares a bare driver's Open with the same driver behind
// Guard, to show what validation and de-duplication cost per command.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	now := time.Now()
	for _, bc := range []struct {
		name string
		d    lockers.Driver
	}{
		{"bare", &fakeDriver{}},
		{"guarded", lockers.Guard(&fakeDriver{}, lockers.GuardOptions{Now: func() time.Time { return now }})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := bc.d.Open(ctx, lockers.Command{ID: strconv.Itoa(i), Compartment: "1", Issued: now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("guarded-duplicate", func(b *testing.B) {
		d := lockers.Guard(&fakeDriver{}, lockers.GuardOptions{Now: func() time.Time { return now }})
		cmd := lockers.Command{ID: "same", Compartment: "1", Issued: now}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Open(ctx, cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
}
