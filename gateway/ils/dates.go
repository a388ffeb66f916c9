package ils

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// freeLayouts are the due-date forms ILSs send in AH besides SIP2's own
// 18-character date (Evergreen "2011-10-28 23:59:59", ISO dates, English
// month names). Layouts without a time of day mean "by the end of that
// day".
var freeLayouts = []struct {
	layout  string
	hasTime bool
}{
	{time.RFC3339, true},
	{"2006-01-02T15:04:05", true},
	{"2006-01-02 15:04:05", true},
	{"2006-01-02 15:04:05 -0700", true},
	{"2006-01-02 15:04:05 MST", true},
	{"2006-01-02 15:04", true},
	{"2006-01-02T15:04", true},
	{"2006-01-02", false},
	{"2006/01/02", false},
	{"2006/01/02 15:04", true},
	{"2006/01/02 15:04:05", true},
	{"20060102", false},
	{"20060102150405", true},
	{"200601021504", true},
	{"Jan 2 2006", false},
	{"Jan 2, 2006", false},
	{"January 2, 2006", false},
	{"January 2 2006", false},
	{"2 Jan 2006", false},
	{"2 January 2006", false},
	{"02-Jan-2006", false},
	{"Mon, Jan 2, 2006", false},
	{"Monday, January 2, 2006", false},
	{"Mon Jan 2 15:04:05 2006", true},
	{"Mon Jan 2 15:04:05 MST 2006", true},
	{"Mon, 02 Jan 2006 15:04:05 -0700", true},
	{"Mon, 02 Jan 2006 15:04:05 MST", true},
}

// numericDate matches day/month/year forms in either order, with an
// optional time: "10/28/2011", "28.10.2011 23:59", "10-28-2011 11:59 PM".
var numericDate = regexp.MustCompile(`^(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?)?$`)

// ParseDueDate reads a due date as ILSs send it in AH: the SIP2 18-character
// form (any zone variant sip2 accepts), or one of the free-text forms in
// use. loc is the ILS's zone for dates without one (nil: time.Local);
// order ("mdy" or "dmy") resolves numeric dates such as "03/04/2027" whose
// day and month could be swapped. A date without a time of day is taken as
// the end of that day. It returns the zero time for text it cannot read,
// rather than guessing: a wrong due date shown to a patron is worse than
// none.
func ParseDueDate(s string, loc *time.Location, order string) time.Time {
	t := parseDueDate(s, loc, order)
	if t.Year() < 1 {
		// The layouts accept year 0000 ("00000110"): no due date.
		return time.Time{}
	}
	return t
}

func parseDueDate(s string, loc *time.Location, order string) time.Time {
	if loc == nil {
		loc = time.Local
	}
	if len(s) == sip2.TimeLen {
		if t, err := sip2.ParseTime(s, loc); err == nil && !t.IsZero() {
			return t.Time()
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}
	}
	// Some ILSs prefix the date ("Due: 2027-01-02", "DUE 01/02/2027").
	if l := strings.ToLower(s); strings.HasPrefix(l, "due") {
		s = strings.TrimLeft(s[3:], " :")
	}
	// SIP2 dates whose zone was squeezed out or padded differently.
	if t, ok := parseSIPish(s, loc); ok {
		return t
	}
	for _, l := range freeLayouts {
		t, err := time.ParseInLocation(l.layout, s, loc)
		if err != nil {
			continue
		}
		if !l.hasTime {
			t = endOfDay(t)
		}
		return t
	}
	if t, ok := parseNumeric(s, loc, order); ok {
		return t
	}
	return time.Time{}
}

// parseSIPish reads "YYYYMMDD HHMMSS" with any run of blanks between the
// date and the time (some ILSs trim the four-character zone).
func parseSIPish(s string, loc *time.Location) (time.Time, bool) {
	f := strings.Fields(s)
	if len(f) != 2 || len(f[0]) != 8 || len(f[1]) != 6 || !digits(f[0]) || !digits(f[1]) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("20060102 150405", f[0]+" "+f[1], loc)
	return t, err == nil
}

func parseNumeric(s string, loc *time.Location, order string) (time.Time, bool) {
	m := numericDate.FindStringSubmatch(s)
	if m == nil || m[2] != m[4] {
		return time.Time{}, false
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[3])
	year, _ := strconv.Atoi(m[5])
	if len(m[5]) == 2 {
		year += 2000
	}
	var day, month int
	switch {
	case m[2] == ".": // 28.10.2011: dotted dates are day first everywhere
		day, month = a, b
	case a > 12 && b <= 12:
		day, month = a, b
	case b > 12 && a <= 12:
		month, day = a, b
	case order == "mdy":
		month, day = a, b
	case order == "dmy":
		day, month = a, b
	default:
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc)
	if t.Day() != day { // 31/02 rolled over
		return time.Time{}, false
	}
	if m[6] == "" {
		return endOfDay(t), true
	}
	hh, _ := strconv.Atoi(m[6])
	mm, _ := strconv.Atoi(m[7])
	ss, _ := strconv.Atoi(m[8])
	if ap := strings.ToLower(strings.ReplaceAll(m[9], ".", "")); ap != "" {
		if hh < 1 || hh > 12 {
			return time.Time{}, false
		}
		hh %= 12
		if ap == "pm" {
			hh += 12
		}
	}
	if hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hh, mm, ss, 0, loc), true
}

func endOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, t.Location())
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// sipLanguages maps the SIP2 language codes (the 3-digit fixed field of
// messages 23/24/63/64) to ISO 639-1. Codes naming a country rather than a
// language (026 Belgian) are left out.
var sipLanguages = map[string]string{
	"001": "en", "002": "fr", "003": "de", "004": "it", "005": "nl",
	"006": "sv", "007": "fi", "008": "es", "009": "da", "010": "pt",
	"011": "fr", "012": "no", "013": "he", "014": "ja", "015": "ru",
	"016": "ar", "017": "pl", "018": "el", "019": "zh", "020": "ko",
	"021": "es", "022": "ta", "023": "ms", "024": "en", "025": "is",
	"027": "zh",
}

// Language returns the ISO 639-1 code for a SIP2 language code, or "" for
// 000 (unknown) and codes without a single language.
func Language(code string) string {
	return sipLanguages[strings.TrimSpace(code)]
}
