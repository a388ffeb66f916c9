package ncip_test

import (
	"reflect"
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

// FuzzUnmarshal: the decoder never panics, and whatever it accepts
// re-encodes to a document that decodes to the same Message. Each seed is
// also fed in two halves (a truncated document must fail cleanly).
func FuzzUnmarshal(f *testing.F) {
	for _, ex := range examples(f) {
		f.Add(ex.data)
		f.Add(ex.data[:len(ex.data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ncip.Unmarshal(data)
		if err != nil {
			if _, ok := err.(*ncip.Problem); !ok {
				t.Fatalf("error is %T, want *ncip.Problem: %v", err, err)
			}
			return
		}
		b, err := ncip.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ncip.Unmarshal(b)
		if err != nil {
			t.Fatalf("re-encoded document does not decode: %v\n%s", err, b)
		}
		if m.Version == "" {
			m.Version = ncip.Version202
		}
		m.Other = "" // never written, by design
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip differs\n%s", b)
		}
	})
}
