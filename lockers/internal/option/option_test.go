package option

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"300ms", 300 * time.Millisecond, ""},
		{"1m", time.Minute, ""},
		{"fast", 0, "not a duration such as 300ms"},
		{"0s", 0, "between 0 and 1m"},
		{"-1s", 0, "between 0 and 1m"},
		{"61s", 0, "between 0 and 1m"},
	}
	for _, tc := range tests {
		d, err := Duration(tc.in, "300ms")
		if tc.err == "" && (err != nil || d != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Duration(%q) = %v, %v; want %v, %q", tc.in, d, err, tc.want, tc.err)
		}
	}
}

func TestErrorQuotesOnlyHarmlessValues(t *testing.T) {
	reason := errors.New("unknown option")
	if got := Error("kerong", "bords", "2", reason).Error(); got != `kerong: option bords="2": unknown option` {
		t.Errorf("plain key: %q", got)
	}
	err := Error("modbus", "api_key", "hunter2", reason)
	if got := err.Error(); got != "modbus: option api_key: unknown option" {
		t.Errorf("secret-named key: %q", got)
	}
	if !errors.Is(err, reason) {
		t.Error("Error does not wrap its reason")
	}
}
