package lockers

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSizes(t *testing.T) {
	tests := []struct {
		in      string
		max     int
		want    string // the classes joined, or the error's substring after "error:"
		wantErr bool
	}{
		{"S:2,M:1,L:1", 10, "S S M L", false},
		{"S*2, M*1", 10, "S S M", false},
		{"S,S,XL", 10, "S S XL", false},
		{"S:3,M*2,L", 10, "S S S M M L", false},
		{"S:0", 10, "at least 1", true},
		{"S:x", 10, "whole number", true},
		{":4", 10, "has no class", true},
		{"S:1,,M:1", 10, "has no class", true},
		{"S:8,M:8", 12, "more than 12", true},
		{"S:99999999999999999999", 10, "whole number", true},
		{"S:9223372036854775807", 10, "more than 10", true},
	}
	for _, tt := range tests {
		got, err := ParseSizes(tt.in, tt.max)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSizes(%q) error = %v, want one saying %q", tt.in, err, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSizes(%q): %v", tt.in, err)
			continue
		}
		var want []SizeClass
		for _, s := range strings.Fields(tt.want) {
			want = append(want, SizeClass(s))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParseSizes(%q) = %v, want %v", tt.in, got, want)
		}
	}
}
