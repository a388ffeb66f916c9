package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/lockergate/lockergate/conformance"
)

// JSONReport is the document JSON writes. Its field names are stable: a
// field may be added in a later version, never renamed or removed.
//
//	{
//	  "format": "lockergate-conformance/1",
//	  "suite": {"name": "sip2-server", "title": "...", "version": "1.0", "description": "..."},
//	  "target": "ils.example.org:6001",
//	  "started": "2025-03-01T10:00:00Z",        // RFC 3339
//	  "elapsed_seconds": 1.25,
//	  "pattern": "",                             // the --run pattern; "" when every case ran
//	  "interrupted": false,
//	  "passed": true,                            // conformance.Report.Passed
//	  "counts": {"pass": 10, "fail": 1, "skipped": 0, "timeout": 0, "error": 0},
//	  "cases": [{
//	    "id": "checkout-11/3", "group": "checkout-11", "group_title": "...",
//	    "title": "...", "requirement": "...", "source": "...",
//	    "level": "must",                         // must, should, profile
//	    "verdict": "fail",                       // pass, fail, skipped, timeout, error
//	    "weight": "failure",                     // failure, warning, note, or "" (pass, skip)
//	    "message": "...", "expected": ["..."], "actual": "...",
//	    "observed": ["..."],                     // T.Observef findings (a dialect), also in evidence
//	    "duration_seconds": 0.012,
//	    "evidence": [{"dir": "sent", "at": "...", "data": "9300CN...\r"}]
//	  }]
//	}
//
// Evidence data is kept raw in JSON (JSON escapes every control character
// itself), except that bytes which are not UTF-8 become U+FFFD, as
// encoding/json does; "data_escaped" repeats it in Escape's notation, which
// keeps every byte, for readers.
type JSONReport struct {
	Format         string         `json:"format"`
	Suite          JSONSuite      `json:"suite"`
	Target         string         `json:"target"`
	Started        time.Time      `json:"started"`
	ElapsedSeconds float64        `json:"elapsed_seconds"`
	Pattern        string         `json:"pattern"`
	Interrupted    bool           `json:"interrupted"`
	Passed         bool           `json:"passed"`
	Counts         map[string]int `json:"counts"`
	Cases          []JSONCase     `json:"cases"`
}

// JSONFormat names the version of the JSON document.
const JSONFormat = "lockergate-conformance/1"

// JSONSuite describes the suite that ran.
type JSONSuite struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

// JSONCase is one case's result.
type JSONCase struct {
	ID              string         `json:"id"`
	Group           string         `json:"group"`
	GroupTitle      string         `json:"group_title"`
	Title           string         `json:"title"`
	Requirement     string         `json:"requirement"`
	Source          string         `json:"source"`
	Level           string         `json:"level"`
	Verdict         string         `json:"verdict"`
	Weight          string         `json:"weight"`
	Message         string         `json:"message"`
	Expected        []string       `json:"expected"`
	Actual          string         `json:"actual"`
	Observed        []string       `json:"observed"`
	DurationSeconds float64        `json:"duration_seconds"`
	Evidence        []JSONExchange `json:"evidence"`
}

// JSONExchange is one piece of evidence.
type JSONExchange struct {
	Dir         string    `json:"dir"`
	At          time.Time `json:"at"`
	Data        string    `json:"data"`
	DataEscaped string    `json:"data_escaped"`
}

// NewJSONReport builds the JSON document for r.
func NewJSONReport(r *conformance.Report) JSONReport {
	name, title, version, desc := suiteInfo(r)
	out := JSONReport{
		Format:         JSONFormat,
		Suite:          JSONSuite{Name: name, Title: title, Version: version, Description: desc},
		Target:         r.Target,
		Started:        r.Started,
		ElapsedSeconds: r.Elapsed.Seconds(),
		Pattern:        r.Pattern,
		Interrupted:    r.Interrupted,
		Passed:         r.Passed(),
		Counts:         map[string]int{},
		Cases:          []JSONCase{},
	}
	counts := r.Counts()
	for _, v := range verdicts {
		out.Counts[string(v)] = counts[v]
	}
	for _, res := range r.Results {
		key, gtitle := groupOf(r.Suite, res.Case)
		jc := JSONCase{
			ID: res.Case.ID, Group: key, GroupTitle: gtitle,
			Title: res.Case.Title, Requirement: res.Case.Requirement, Source: res.Case.Source,
			Level: string(res.Case.Level), Verdict: string(res.Verdict), Weight: weight(res),
			Message: res.Message, Expected: res.Expected, Actual: res.Actual,
			Observed:        observations(res),
			DurationSeconds: res.Duration.Seconds(),
			Evidence:        []JSONExchange{},
		}
		if jc.Expected == nil {
			jc.Expected = []string{}
		}
		if jc.Observed == nil {
			jc.Observed = []string{}
		}
		for _, ex := range res.Evidence {
			jc.Evidence = append(jc.Evidence, JSONExchange{Dir: string(ex.Dir), At: ex.At, Data: ex.Data, DataEscaped: Escape(ex.Data)})
		}
		out.Cases = append(out.Cases, jc)
	}
	return out
}

// JSON writes r as the indented JSONReport document.
func JSON(w io.Writer, r *conformance.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewJSONReport(r))
}
