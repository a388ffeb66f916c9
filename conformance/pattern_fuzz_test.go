package conformance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/conformance"
)

// FuzzCompilePattern: any --run pattern a user types compiles or gives an
// error that quotes it, never a panic; a compiled matcher runs on any ID;
// and a plain glob (no wildcard, class or comma) selects the ID it spells.
func FuzzCompilePattern(f *testing.F) {
	for _, seed := range []string{"", "checkout-11", "check*/1", "checkin-09/1?", "check[!o]*", "check[out", "[]",
		"^check(in|out)", "sc-.*", " , ", "a,b", `\`, "[[:alpha:]]", "open/1", "x[!]", "[z-a]", "ü/1", "\x82"} {
		f.Add(seed)
	}
	ids := []string{"", "checkout-11/1", "a/b/c", "/", "login-93/12", "ü/1"}
	f.Fuzz(func(t *testing.T, pattern string) {
		match, err := conformance.CompilePattern(pattern)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", pattern)) {
				t.Errorf("error %q does not quote the pattern %q", err, pattern)
			}
			return
		}
		for _, id := range ids {
			match(id)
		}
		literal := strings.TrimSpace(pattern)
		if literal != "" && !strings.ContainsAny(literal, `^$()|+\{}*?[],`) && !strings.Contains(literal, ".*") && !strings.Contains(literal, ".+") {
			if !match(literal) {
				t.Errorf("the glob %q does not select the ID %q", pattern, literal)
			}
		}
	})
}
