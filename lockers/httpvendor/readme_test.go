package httpvendor_test

import (
	"strings"
	"testing"

	hv "github.com/lockergate/lockergate/lockers/httpvendor"
	"github.com/lockergate/lockergate/lockers/internal/drivertest"
)

// TestREADMEConfiguration parses every configuration string of README.md
// and checks its option table against the parser, both ways. The example
// names environment variables that exist on a gateway, not here: the test
// sets them.
func TestREADMEConfiguration(t *testing.T) {
	t.Setenv("VENDOR_KEY", "sk_test_from_env")
	t.Setenv("VENDOR_HOOK_SECRET", "whsec_from_env")
	r := drivertest.ReadREADME(t, "README.md", "https", "http")
	drivertest.CheckREADME(t, r, hv.ParseURL, "https://vendor.example/api", func(err error) bool {
		return err == nil || !strings.Contains(err.Error(), "unknown option")
	}, drivertest.SourceOptions(t, "config.go"))
}
