package sqlstore

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzSQLiteTime checks SQLite's time encoding: it round-trips to the
// microsecond, and text order is time order (the queries compare the text).
func FuzzSQLiteTime(f *testing.F) {
	f.Add(int64(0), int64(1))
	f.Add(int64(1741944413589793000), int64(-1))
	f.Add(int64(-1), int64(999))
	f.Fuzz(func(t *testing.T, a, delta int64) {
		// Years 1 to 9999: the range the fixed-width form covers; the zero
		// time itself is NULL, tested with the engines.
		lo, hi := time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		ta := lo.Add(time.Duration(a))
		if a < 0 {
			ta = hi.Add(time.Duration(a))
		}
		tb := ta.Add(time.Duration(delta))
		if ta.Before(lo) || ta.After(hi) || tb.Before(lo) || tb.After(hi) {
			return
		}
		sa, sb := timeValue(false, ta).(string), timeValue(false, tb).(string)
		var d dbTime
		if err := d.Scan(sa); err != nil {
			t.Fatalf("scan %q: %v", sa, err)
		}
		if !d.T.Equal(ta.Truncate(time.Microsecond)) || d.T.Location() != time.UTC {
			t.Fatalf("%v stored as %q read back as %v", ta, sa, d.T)
		}
		ua, ub := ta.Truncate(time.Microsecond), tb.Truncate(time.Microsecond)
		if (sa < sb) != ua.Before(ub) || (sa == sb) != ua.Equal(ub) {
			t.Fatalf("text order of %q and %q disagrees with %v vs %v", sa, sb, ua, ub)
		}
	})
}

// FuzzDBTimeScan feeds arbitrary column text to the time scanner: an error
// or a time, never a panic.
func FuzzDBTimeScan(f *testing.F) {
	f.Add("2025-03-14T09:26:53.589793Z")
	f.Add("")
	f.Add("2025-13-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, s string) {
		var d dbTime
		if err := d.Scan(s); err == nil && d.T.Location() != time.UTC {
			t.Fatalf("%q scanned into %v", s, d.T)
		}
		_ = d.Scan([]byte(s))
	})
}

// FuzzNaturalKey checks that compartment IDs of the form PREFIX+NUMBER sort
// by prefix, then by number, through their keys.
func FuzzNaturalKey(f *testing.F) {
	f.Add("A", uint64(2), uint64(10))
	f.Add("", uint64(9), uint64(10))
	f.Add("door-", uint64(100), uint64(99))
	f.Fuzz(func(t *testing.T, prefix string, a, b uint64) {
		if strings.ContainsAny(prefix, "0123456789") {
			return
		}
		ka := naturalKey(prefix + strconv.FormatUint(a, 10))
		kb := naturalKey(prefix + strconv.FormatUint(b, 10))
		if (ka < kb) != (a < b) || (ka == kb) != (a == b) {
			t.Fatalf("%s%d and %s%d: keys %q and %q out of numeric order", prefix, a, prefix, b, ka, kb)
		}
	})
}
