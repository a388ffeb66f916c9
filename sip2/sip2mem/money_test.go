package sip2mem

import "testing"

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12.50", 1250, true},
		{"12.5", 1250, true},
		{"12", 1200, true},
		{"12,50", 1250, true},
		{" 0.99 ", 99, true},
		{".5", 50, true},
		{"", 0, false},
		{"1.234", 0, false},
		{"-1.00", 0, false},
		{"abc", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseMoney(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseMoney(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseMoney: whatever parses must format back to a value that parses
// to the same amount (the fee-paid path round-trips amounts this way).
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"9.99", "12,50", "0", ".5", "1e3", "  7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := parseMoney(s)
		if !ok {
			return
		}
		if c < 0 {
			t.Fatalf("parseMoney(%q) = %d, negative", s, c)
		}
		back, ok := parseMoney(money(c))
		if !ok || back != c {
			t.Fatalf("parseMoney(%q) = %d, but money(%d) = %q parses to %d, %v", s, c, c, money(c), back, ok)
		}
	})
}
