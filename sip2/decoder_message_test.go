package sip2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2"
)

// DecodeMessage returns the checksum errors Unmarshal returns, with the
// same options: a mismatch always, a missing AZ only when error detection
// is required.
func TestDecodeMessageChecksumErrors(t *testing.T) {
	valid := ed("9300CNuser|COpass|AY1AZ")
	bad := "9300CNuser|COpass|AY1AZ0000"
	none := "9300CNuser|COpass|"
	for _, tt := range []struct {
		in   string
		ed   bool
		want error
	}{
		{valid, false, nil}, {valid, true, nil},
		{bad, false, sip2.ErrChecksum}, {bad, true, sip2.ErrChecksum},
		{none, false, nil}, {none, true, sip2.ErrNoChecksum},
	} {
		opts := &sip2.Options{ErrorDetection: tt.ed}
		_, uerr := sip2.Unmarshal([]byte(tt.in), opts)
		m, f, err := sip2.NewDecoder(strings.NewReader(tt.in+"\r"), opts).DecodeMessage()
		if m == nil || f == nil {
			t.Fatalf("%q: no message or frame: %v", tt.in, err)
		}
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Errorf("%q, error detection %v: DecodeMessage error %v, want %v", tt.in, tt.ed, err, tt.want)
		}
		if !errors.Is(uerr, tt.want) || (uerr == nil) != (tt.want == nil) {
			t.Errorf("%q, error detection %v: Unmarshal error %v, want %v", tt.in, tt.ed, uerr, tt.want)
		}
	}
}
