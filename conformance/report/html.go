package report

import (
	_ "embed"
	"html/template"
	"io"

	"github.com/lockergate/lockergate/conformance"
)

//go:embed certificate.html.tmpl
var certificateSource string

// certificate is parsed once; html/template escapes every value it prints.
var certificate = template.Must(template.New("certificate").Funcs(template.FuncMap{
	"esc":  Escape,
	"text": text,
}).Parse(certificateSource))

// HTML writes r as one self-contained HTML page, the certificate a vendor
// hands to a library: the implementation under test, the date, the suite's
// name and version, the counts and a PASSED or FAILED banner, then every
// case grouped as the suite groups them, with its verdict, requirement and
// source, and for each case that did not pass its expected and actual
// outcome and its evidence. Styles are inline; there are no scripts and no
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
	Groups                            []*htmlGroup
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
	Weight   string // failure, warning, note or ""
	Label    string // PASS, FAIL, WARNING, NOTE...
	Message  string // Result.Message unless it only repeats Expected and Actual
	Duration string
	Open     bool // show the evidence unfolded
}

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
		g.Cases = append(g.Cases, htmlCase{Result: res, Weight: wt, Label: label(res), Message: message(res), Duration: ms(res.Duration), Open: wt != ""})
	}
	return d
}
