package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"

	"github.com/lockergate/lockergate/conformance"
)

//go:embed certificate.html.tmpl
var certificateSource string

// certificate is parsed once; html/template escapes every value it prints.
var certificate = template.Must(template.New("certificate").Funcs(template.FuncMap{
	"esc":      Escape,
	"escLines": escapeLines,
	"text":     text,
}).Parse(certificateSource))

// HTML writes r as one self-contained HTML page, the certificate a vendor
// hands to a library: the implementation under test, the date, the suite's
// name and version, the counts and a PASSED or FAILED banner, a list of
// the requirements not met and the warnings, each linked to its case, then
// every case grouped as the suite groups them, with its verdict,
// requirement and source, what it observed (a Profile case's finding), and
// for each case that did not pass its expected and actual outcome and its
// evidence. Styles are inline; there are no scripts and no
// external assets, so the file can be mailed or archived as it is.
func HTML(w io.Writer, r *conformance.Report) error {
	return certificate.Execute(w, newHTMLData(r))
}

type htmlData struct {
	Name, Title, Version, Description string
	Target, Date, Elapsed, Selection  string
	Passed, Interrupted               bool
	Total                             int
	Counts                            []htmlCount
	// Failures and Warnings repeat, at the top, the Must and Should cases
	// that were not met, so that a reader sees what failed without
	// scrolling through the passes.
	Failures, Warnings []htmlCase
	Groups             []*htmlGroup
}

type htmlCount struct {
	Verdict string
	N       int
}

type htmlGroup struct {
	Key, Title string
	Cases      []htmlCase
}

type htmlCase struct {
	conformance.Result
	Anchor   string // the element id, for links from the summary
	Weight   string // failure, warning, note or ""
	Label    string // PASS, FAIL, WARNING, NOTE...
	Message  string // Result.Message unless it only repeats Expected and Actual
	Observed []string
	Duration string
	Open     bool // show the evidence unfolded
}

// Outcome is what the summary says about a case: its Actual, else its
// Message.
func (c htmlCase) Outcome() string {
	if c.Actual != "" {
		return c.Actual
	}
	return c.Result.Message
}

// Exchanges is "1 exchange", "3 exchanges".
func (c htmlCase) Exchanges() string { return plural(len(c.Evidence), "exchange") }

func newHTMLData(r *conformance.Report) htmlData {
	name, title, version, desc := suiteInfo(r)
	d := htmlData{
		Name: name, Title: title, Version: version, Description: desc,
		Target: r.Target, Date: r.Started.Format("2 January 2006, 15:04 MST"),
		Elapsed: ms(r.Elapsed), Selection: selection(r),
		Passed: r.Passed(), Interrupted: r.Interrupted, Total: len(r.Results),
	}
	counts := r.Counts()
	for _, v := range verdicts {
		d.Counts = append(d.Counts, htmlCount{string(v), counts[v]})
	}
	byKey := map[string]*htmlGroup{}
	for _, res := range r.Results {
		key, gtitle := groupOf(r.Suite, res.Case)
		g := byKey[key]
		if g == nil {
			g = &htmlGroup{Key: key, Title: gtitle}
			byKey[key] = g
			d.Groups = append(d.Groups, g)
		}
		wt := weight(res)
		hc := htmlCase{Result: res, Anchor: anchor(res.Case.ID), Weight: wt, Label: Label(res), Message: message(res),
			Observed: observations(res), Duration: ms(res.Duration), Open: wt != ""}
		g.Cases = append(g.Cases, hc)
		switch wt {
		case "failure":
			d.Failures = append(d.Failures, hc)
		case "warning":
			d.Warnings = append(d.Warnings, hc)
		}
	}
	return d
}

// anchor is the element id of a case: its ID with every character but
// letters, digits and "-" turned into "-", so that the link needs no
// escaping ("checkout-11/3" is "case-checkout-11-3").
func anchor(id string) string {
	return "case-" + strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '-'
	}, id)
}

// escapeLines is Escape for the certificate's evidence: a line feed still
// shows as \n, and the line also breaks there, so that an HTTP exchange or
// an XML document reads as lines rather than as one long string.
func escapeLines(s string) string {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = Escape(p)
	}
	return strings.Join(parts, "\\n\n")
}
