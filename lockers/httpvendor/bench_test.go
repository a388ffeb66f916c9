package httpvendor_test

import (
	"context"
	"testing"

	hv "github.com/lockergate/lockergate/lockers/httpvendor"
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
)

func benchDriver(b *testing.B) *hv.Driver {
	s := vendortest.NewServer(b, vendortest.Options{})
	d, err := hv.New(hv.Config{BaseURL: s.URL + "/api", Bank: s.Bank, Key: s.Key})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// BenchmarkStatus measures one status call against the in-process fake.
func BenchmarkStatus(b *testing.B) {
	d := benchDriver(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := d.Status(ctx, "3"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatusAll measures a sweep of the fake's 8 compartments.
func BenchmarkStatusAll(b *testing.B) {
	d := benchDriver(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := d.StatusAll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
