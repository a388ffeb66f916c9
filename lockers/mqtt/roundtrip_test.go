package mqtt_test

import (
	"encoding/json"
	"testing"
)

func roundTrip(t *testing.T, v any, dec func([]byte) error) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encoding %+v: %v", v, err)
	}
	if err := dec(b); err != nil {
		t.Fatalf("re-encoded %s does not decode: %v", b, err)
	}
}
