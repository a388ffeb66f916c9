package sip2

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2/internal/msggen"
)

// TestGeneratedUpToDate fails when zmsg.go no longer matches the sip2 tags
// in msg_*.go, or was edited by hand.
func TestGeneratedUpToDate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "zmsg.go")
	if err := msggen.WriteFile(".", out); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zmsg.go")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("zmsg.go is stale or was edited by hand (run go generate ./sip2); first difference at line %d:\n have %q\n want %q", i+1, g, w)
		}
	}
}

// TestGeneratedLayouts checks every command against its generated type:
// the type answers with the command, and its fixed fields add up to the
// command's fixed length.
func TestGeneratedLayouts(t *testing.T) {
	for _, c := range Commands() {
		m := New(c)
		if m == nil {
			t.Errorf("New(%s) = nil", c)
			continue
		}
		if m.Command() != c {
			t.Errorf("New(%s).Command() = %s", c, m.Command())
		}
		want, _ := c.FixedLen()
		// Longer than any layout, so the fields cover exactly the layout.
		f := &Frame{Command: c, Fixed: strings.Repeat("0", want+20)}
		n := 0
		for _, ff := range f.FixedFields() {
			n += len(ff.Value)
		}
		if n != want {
			t.Errorf("%s: fixed fields cover %d characters, want %d", c, n, want)
		}
	}
}
