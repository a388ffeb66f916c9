package ncipdoor

// lenient.go: the per-partner readings of what a partner sends: its
// vocabulary, its pickup locations, and its dates that carry no zone.

import (
	"regexp"
	"strings"
	"time"

	"github.com/lockergate/lockergate/ncip"
)

// lowerKeys copies an element → value → value map with the element and
// the partner's value lower-cased (and trimmed), for case-insensitive
// look-ups.
func lowerKeys(m map[string]map[string]string) map[string]map[string]string {
	out := make(map[string]map[string]string, len(m))
	for el, vs := range m {
		k := strings.ToLower(strings.TrimSpace(el))
		if out[k] == nil {
			out[k] = make(map[string]string, len(vs))
		}
		for from, to := range vs {
			out[k][strings.ToLower(strings.TrimSpace(from))] = strings.TrimSpace(to)
		}
	}
	return out
}

// value returns the standard value for the partner's value v of element,
// or v itself (trimmed) when the partner's vocabulary does not translate
// it. The exact spelling is tried first so that a map that distinguishes
// case gets what it says.
func (p *partner) value(element, v string) string {
	v = strings.TrimSpace(v)
	if to, ok := p.Values[element][v]; ok {
		return strings.TrimSpace(to)
	}
	if to, ok := p.values[strings.ToLower(element)][strings.ToLower(v)]; ok {
		return to
	}
	return v
}

// pickupLocation returns the bank ID or location code for the partner's
// PickupLocation value v (already translated by value), or v itself.
func (p *partner) pickupLocation(v string) string {
	if to, ok := p.PickupLocations[v]; ok {
		return strings.TrimSpace(to)
	}
	if to, ok := p.pickup[strings.ToLower(v)]; ok {
		return to
	}
	return v
}

// zoneless are the forms of an NCIP date that carry no zone, which the
// ncip package reads as UTC (see ncip.ParseTime).
var zoneless = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// dateElements finds the text of the date elements the responder reads
// in the raw document, under any prefix. Dates are ASCII, so this works
// on UTF-8 and on ISO-8859-1 documents alike; in a UTF-16 document it finds
// nothing and the date stays as the ncip package read it (UTC).
var dateElements = map[string]*regexp.Regexp{
	"DateForReturn":    regexp.MustCompile(`<(?:[A-Za-z_][-\w.]*:)?DateForReturn(?:\s[^>]*)?>\s*([^<]*?)\s*<`),
	"PickupExpiryDate": regexp.MustCompile(`<(?:[A-Za-z_][-\w.]*:)?PickupExpiryDate(?:\s[^>]*)?>\s*([^<]*?)\s*<`),
}

// date returns the partner's date t, read from element of body: when the
// partner wrote it with no zone and has a TimeZone, it is the wall time
// in that zone (a date alone is midnight there); otherwise it is t as the
// ncip package read it. The raw text is only trusted when, read as UTC, it
// gives t back, so a document with two such elements (or a commented-out
// one) can never shift a date that was read from elsewhere.
func (p *partner) date(body []byte, element string, t ncip.Time) time.Time {
	if t.IsZero() || p.TimeZone == nil {
		return t.Time
	}
	re := dateElements[element]
	if re == nil {
		return t.Time
	}
	for _, m := range re.FindAllSubmatch(body, 4) {
		raw := string(m[1])
		for _, layout := range zoneless {
			u, err := time.Parse(layout, raw)
			if err != nil || !u.Equal(t.Time) {
				continue
			}
			if v, err := time.ParseInLocation(layout, raw, p.TimeZone); err == nil {
				return v.UTC()
			}
		}
	}
	return t.Time
}
