package sip2client

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/cases.txt")

// TestCaseList keeps case IDs, levels and titles stable: certificates and
// --run patterns refer to them. Update testdata/cases.txt with -update when
// a case is added (never renumber existing ones).
func TestCaseList(t *testing.T) {
	var b strings.Builder
	for _, c := range New(Config{}).Cases() {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", c.ID, c.Level, c.Title)
		if c.Requirement == "" || c.Source == "" || c.Run == nil {
			t.Errorf("%s lacks a requirement, source or body", c.ID)
		}
	}
	got := b.String()
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/cases.txt", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the case list changed; run with -update if that is intended:\n%s", got)
	}
}
