package all_test

import (
	"testing"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/all"
)

// TestEverySchemeRegistered guards against a driver package dropped from
// the import list: each configuration scheme the docs promise must open.
func TestEverySchemeRegistered(t *testing.T) {
	have := map[string]bool{}
	for _, s := range lockers.Schemes() {
		have[s] = true
	}
	for _, s := range []string{"sim", "kerong+serial", "kerong+tcp", "modbus+tcp", "mqtt", "https"} {
		if !have[s] {
			t.Errorf("scheme %q not registered; registered: %v", s, lockers.Schemes())
		}
	}
}
