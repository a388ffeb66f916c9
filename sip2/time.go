package sip2

import (
	"strings"
	"time"
)

// Time is an 18-character SIP2 date-time, YYYYMMDDZZZZHHMMSS, where ZZZZ
// is the zone: four spaces for the sender's local time, or three spaces
// and "Z" for UTC. The decoder also accepts these zones, all seen in the
// wild:
//
//	"   A" .. "   Y", "Z   "   military zone letters, either case, the
//	                           blanks on either side
//	" UTC", "GMT ", "  UT"     UTC (upper or lower case), padded with
//	                           blanks on either side
//	"0000", "ZZZZ"             local time
//
// Local times are read in Options.Location (ConnOptions.Location on a
// server).
//
// A decoded Time keeps its original text, so re-encoding it is exact even
// when the text is not a valid date; Valid reports whether it parsed.
// The zero Time is "no date" and encodes as 18 spaces.
type Time struct {
	t    time.Time
	text string
	bad  bool
}

// TimeLen is the length of a SIP2 date-time.
const TimeLen = 18

const sipLayout = "20060102    150405"

// NewTime returns t as a SIP2 date-time. A UTC t is written with the UTC
// zone (three spaces and "Z"), any other as local time in t's own
// location.
func NewTime(t time.Time) Time { return Time{t: t} }

// ParseTime parses an 18-character SIP2 date-time; loc is used for local
// times (nil means time.Local). Blank text gives the zero Time. On error
// the returned Time still holds the text.
func ParseTime(s string, loc *time.Location) (Time, error) {
	if loc == nil {
		loc = time.Local
	}
	tm := Time{text: s}
	if strings.TrimSpace(s) == "" {
		return tm, nil
	}
	if len(s) != TimeLen {
		tm.bad = true
		return tm, &timeError{"date-time is " + itoa(len(s)) + " characters, want 18"}
	}
	zone := s[8:12]
	var l *time.Location
	switch z := strings.TrimSpace(zone); {
	case z == "" || zone == "0000" || zone == "ZZZZ":
		l = loc
	case len(z) == 1 && (z[0] >= 'A' && z[0] <= 'Z' || z[0] >= 'a' && z[0] <= 'z') && z[0]|0x20 != 'j':
		// A military zone letter; "J" (local time) is not a zone.
		l = militaryZone(z[0] &^ 0x20)
	case z == "UTC" || z == "GMT" || z == "UT" || z == "utc" || z == "gmt":
		l = time.UTC
	default:
		tm.bad = true
		return tm, &timeError{"bad time zone (want 4 spaces, \"   Z\", a zone letter or UTC)"}
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[4:6])
	d, ok3 := digits(s[6:8])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		tm.bad = true
		return tm, &timeError{"bad date (want YYYYMMDD)"}
	}
	hh, ok1 := digits(s[12:14])
	mm, ok2 := digits(s[14:16])
	ss, ok3 := digits(s[16:18])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		tm.bad = true
		return tm, &timeError{"bad time of day (want HHMMSS)"}
	}
	tm.t = time.Date(y, time.Month(mo), d, hh, mm, ss, 0, l)
	if tm.t.Day() != d {
		tm.bad = true
		tm.t = time.Time{}
		return tm, &timeError{"bad date (day out of range for the month)"}
	}
	return tm, nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

type timeError struct{ msg string }

func (e *timeError) Error() string { return "sip2: " + e.msg }

// militaryZone maps a NATO zone letter to its offset: A–I = +1..+9,
// K–M = +10..+12, N–Y = −1..−12, Z = UTC.
func militaryZone(c byte) *time.Location {
	var h int
	switch {
	case c == 'Z':
		return time.UTC
	case c >= 'A' && c <= 'I':
		h = int(c-'A') + 1
	case c >= 'K' && c <= 'M':
		h = int(c-'K') + 10
	case c >= 'N' && c <= 'Y':
		h = -(int(c-'N') + 1)
	}
	return time.FixedZone(string(c), h*3600)
}

// Time returns the instant, or the zero time.Time for a blank or invalid
// date.
func (t Time) Time() time.Time { return t.t }

// IsZero reports whether t is blank (no date).
func (t Time) IsZero() bool { return t.t.IsZero() && !t.bad }

// Valid reports whether t is blank or a well-formed date; false only for
// decoded text that did not parse.
func (t Time) Valid() bool { return !t.bad }

// String returns the wire text: the original text of a decoded Time, else
// the formatted date, or 18 spaces for the zero Time.
func (t Time) String() string {
	if t.text != "" {
		return t.text
	}
	if t.t.IsZero() {
		return "                  "
	}
	if t.t.Location() == time.UTC {
		return t.t.Format("20060102   Z150405")
	}
	return t.t.Format(sipLayout)
}

func (t Time) appendTo(dst []byte) []byte {
	if t.text != "" {
		return append(dst, t.text...)
	}
	if t.t.IsZero() {
		return append(dst, "                  "...)
	}
	if t.t.Location() == time.UTC {
		return t.t.AppendFormat(dst, "20060102   Z150405")
	}
	return t.t.AppendFormat(dst, sipLayout)
}

// Equal reports whether t and u encode to the same text.
func (t Time) Equal(u Time) bool { return t.String() == u.String() }
