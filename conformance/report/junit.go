package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lockergate/lockergate/conformance"
)

// JUnit writes r as JUnit XML (the testsuites/testsuite/testcase dialect
// Jenkins, GitLab and GitHub actions read). Each case is a testcase named
// by its ID and title, with classname "<suite>.<group>".
//
// The counts agree with Report.Passed, so that a CI job fails exactly when
// the run does: a Must case that failed is a <failure>, one that timed out
// or errored an <error>; a Should or Profile case that was not met passes
// in JUnit's eyes and carries a "warning:" or "note:" line in its
// <system-out>; a skipped case is <skipped>. Evidence goes in
// <system-out>, escaped as Escape does (raw control characters are not
// allowed in XML 1.0).
func JUnit(w io.Writer, r *conformance.Report) error {
	name, _, version, _ := suiteInfo(r)
	ts := junitSuite{
		Name:      name,
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Time:      seconds(r.Elapsed),
		Properties: []junitProperty{
			{"target", Escape(r.Target)},
			{"suite.version", version},
			{"selection", selection(r)},
			{"passed", fmt.Sprint(r.Passed())},
		},
	}
	if r.Interrupted {
		ts.Properties = append(ts.Properties, junitProperty{"interrupted", "true"})
	}
	for _, res := range r.Results {
		key, _ := groupOf(r.Suite, res.Case)
		tc := junitCase{
			Name:      text(res.Case.ID + ": " + oneLine(res.Case.Title)),
			Classname: name + "." + key,
			Time:      seconds(res.Duration),
		}
		details := junitDetails(res)
		switch wt := weight(res); {
		case res.Verdict == conformance.Skipped:
			tc.Skipped = &junitMessage{Message: oneLine(res.Message)}
			ts.Skipped++
		case wt == "failure" && res.Verdict == conformance.Fail:
			tc.Failure = &junitMessage{Message: oneLine(res.Message), Type: string(res.Case.Level), Body: details}
			ts.Failures++
		case wt == "failure":
			tc.Error = &junitMessage{Message: oneLine(res.Message), Type: string(res.Verdict), Body: details}
			ts.Errors++
		case wt != "":
			tc.SystemOut = fmt.Sprintf("%s: %s case not met (%s): %s\n%s", wt, res.Case.Level, res.Verdict, oneLine(res.Message), details)
		default:
			tc.SystemOut = evidenceText(res.Evidence)
		}
		ts.Tests++
		ts.Cases = append(ts.Cases, tc)
	}
	doc := junitSuites{
		Name: "lockergate conformance", Tests: ts.Tests, Failures: ts.Failures,
		Errors: ts.Errors, Skipped: ts.Skipped, Time: ts.Time, Suites: []junitSuite{ts},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitDetails is the body of a failure: requirement, expectation, evidence.
func junitDetails(res conformance.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "requirement: %s\n", oneLine(res.Case.Requirement))
	if res.Case.Source != "" {
		fmt.Fprintf(&b, "source: %s\n", oneLine(res.Case.Source))
	}
	for i, e := range res.Expected {
		label := "expected"
		if i > 0 {
			label = "      or"
		}
		fmt.Fprintf(&b, "%s: %s\n", label, Escape(e))
	}
	if len(res.Expected) > 0 {
		fmt.Fprintf(&b, "actual: %s\n", Escape(res.Actual))
	}
	b.WriteString(evidenceText(res.Evidence))
	return b.String()
}

// evidenceText lists evidence one exchange a line.
func evidenceText(ev []conformance.Exchange) string {
	var b strings.Builder
	for _, ex := range ev {
		fmt.Fprintf(&b, "%-9s %s\n", ex.Dir, Escape(ex.Data))
	}
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}
