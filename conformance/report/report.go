// Package report turns a conformance.Report into what people and machines
// read: a console table (Console), JSON (JSON), JUnit XML for CI systems
// (JUnit) and a self-contained HTML certificate a vendor hands to a
// library (HTML).
//
// Every format agrees with conformance.Report.Passed: only a Must case that
// failed, timed out or errored fails the run. Should-level failures are
// shown as warnings and Profile-level ones as notes.
//
// Evidence is protocol bytes (SIP2 messages end in a carriage return and
// may hold field separators such as \x1c); every format shows them with
// control characters escaped (see Escape), so that nothing invisible is
// lost and XML and terminals stay valid.
package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lockergate/lockergate/conformance"
)

// Escape shows s with control characters and invalid UTF-8 made visible:
// \r, \n, \t, \\ for a backslash, \xNN for any other control byte or for a
// byte that is not UTF-8, \u{NNNN} for Unicode control and format
// characters (such as U+0085 and U+200B). Printable text, including
// non-ASCII letters, is kept as it is.
func Escape(s string) string { return escape(s, false) }

// text is Escape for prose (titles, messages): newlines and tabs are kept
// and backslashes are not doubled, so that a message stays readable, while
// any other control character is still shown.
func text(s string) string { return escape(s, true) }

func escape(s string, prose bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case prose && (r == '\n' || r == '\t' || r == '\\'):
			b.WriteRune(r)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isInvisible(r):
			fmt.Fprintf(&b, `\u{%04X}`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isInvisible reports C1 controls, and the format and separator characters
// that render as nothing or break lines, which would hide bytes from the
// reader or (U+FFFE, U+FFFF) make XML invalid.
func isInvisible(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0xad, r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2060 && r <= 0x2064, r == 0xfeff:
		return true
	case r == 0xfffe || r == 0xffff:
		return true
	}
	return false
}

// verdicts lists the verdicts in the order every report counts them.
var verdicts = []conformance.Verdict{conformance.Pass, conformance.Fail, conformance.Skipped, conformance.Timeout, conformance.Error}

// weight says what a result means for the run: "failure" (a Must case not
// met), "warning" (a Should case not met), "note" (a Profile case not met:
// a known dialect difference) or "" for a pass or a skip.
func weight(res conformance.Result) string {
	if res.Verdict == conformance.Pass || res.Verdict == conformance.Skipped {
		return ""
	}
	switch res.Case.Level {
	case conformance.Must:
		return "failure"
	case conformance.Should:
		return "warning"
	default:
		return "note"
	}
}

// groupOf returns the title of the group holding c, or its ID's group key.
func groupOf(s *conformance.Suite, c *conformance.Case) (key, title string) {
	if s != nil {
		for _, g := range s.Groups {
			for _, gc := range g.Cases {
				if gc == c {
					return g.Key, g.Title
				}
			}
		}
	}
	key, _, _ = strings.Cut(c.ID, "/")
	return key, key
}

// selection describes which cases ran: "all 40 cases" or "12 of 40 cases
// (--run checkout*)".
func selection(r *conformance.Report) string {
	total := 0
	if r.Suite != nil {
		total = len(r.Suite.Cases())
	}
	if r.Pattern == "" {
		if total == 1 {
			return "the only case"
		}
		return fmt.Sprintf("all %d cases", total)
	}
	return fmt.Sprintf("%d of %s (--run %s)", len(r.Results), plural(total, "case"), r.Pattern)
}

// suiteInfo returns the suite's name, title and version, tolerating a nil suite.
func suiteInfo(r *conformance.Report) (name, title, version, desc string) {
	if r.Suite == nil {
		return "unknown", "unknown suite", "", ""
	}
	return r.Suite.Name, r.Suite.Title, r.Suite.Version, r.Suite.Description
}

// ms formats a duration for tables: milliseconds below a second, else
// seconds with one decimal.
func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// Label is a result's verdict as every report prints it: PASS, FAIL,
// SKIPPED, TIMEOUT or ERROR for a Must case, and for a Should or Profile
// case that was not met WARNING or NOTE, never FAIL, so that nobody takes
// it for a failure of the run; a timeout or error there is said in
// brackets ("WARNING (timeout)"). Progress displays use it too, so that a
// line and the final report never disagree.
func Label(res conformance.Result) string {
	v := strings.ToUpper(string(res.Verdict))
	var wt string
	switch weight(res) {
	case "warning":
		wt = "WARNING"
	case "note":
		wt = "NOTE"
	default:
		return v
	}
	if res.Verdict != conformance.Fail {
		wt += " (" + string(res.Verdict) + ")"
	}
	return wt
}

// observations lists what a case recorded with T.Observef: the findings
// (a dialect, a lenient form accepted) that reports show next to the
// verdict instead of leaving them in the evidence.
func observations(res conformance.Result) []string {
	var out []string
	for _, ex := range res.Evidence {
		if ex.Dir == conformance.Observed {
			out = append(out, ex.Data)
		}
	}
	return out
}

// plural is "1 case", "2 cases".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// message is res.Message, or "" when it says no more than the Expected and
// Actual a report prints anyway.
func message(res conformance.Result) string {
	if len(res.Expected) > 0 && res.Message == (&conformance.Failure{Expected: res.Expected, Actual: res.Actual}).Error() {
		return ""
	}
	return res.Message
}
