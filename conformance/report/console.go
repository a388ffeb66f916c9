package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/lockergate/lockergate/conformance"
)

// Console writes the report for a terminal: a heading, a table of every
// case (id, level, verdict, duration, title), then the details of each case
// that did not pass (requirement, source, expected and actual, evidence)
// and what each Profile case observed, then the counts and a last line
// reading PASSED or FAILED.
func Console(w io.Writer, r *conformance.Report) error {
	bw := bufio.NewWriter(w)
	name, title, version, _ := suiteInfo(r)
	fmt.Fprintf(bw, "%s (suite %s, version %s)\n", text(title), name, version)
	fmt.Fprintf(bw, "Implementation under test: %s\n", text(r.Target))
	fmt.Fprintf(bw, "Started %s, took %s, %s\n\n", r.Started.Format("2006-01-02 15:04:05 MST"), ms(r.Elapsed), text(selection(r)))

	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tVERDICT\tTIME\tTITLE")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", text(res.Case.ID), res.Case.Level, Label(res), ms(res.Duration), oneLine(res.Case.Title))
	}
	tw.Flush()

	for _, kind := range []string{"failure", "warning", "note"} {
		first := true
		for _, res := range r.Results {
			observedOnly := kind == "note" && weight(res) == "" && res.Case.Level == conformance.Profile && len(observations(res)) > 0
			if weight(res) != kind && !observedOnly {
				continue
			}
			if first {
				fmt.Fprintf(bw, "\n%s:\n", headings[kind])
				first = false
			}
			if observedOnly {
				consoleObserved(bw, res)
			} else {
				consoleDetail(bw, res)
			}
		}
	}
	var skips []conformance.Result
	for _, res := range r.Results {
		if res.Verdict == conformance.Skipped && res.Message != "" {
			skips = append(skips, res)
		}
	}
	if len(skips) > 0 {
		fmt.Fprintf(bw, "\nSkipped:\n")
		for _, res := range skips {
			fmt.Fprintf(bw, "  %s: %s\n", text(res.Case.ID), oneLine(res.Message))
		}
	}

	counts := r.Counts()
	var parts []string
	for _, v := range verdicts {
		parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
	}
	fmt.Fprintf(bw, "\n%s: %s\n", plural(len(r.Results), "case"), strings.Join(parts, ", "))
	if r.Interrupted {
		fmt.Fprintln(bw, "The run was interrupted before every case ran.")
	}
	if r.Passed() {
		fmt.Fprintln(bw, "PASSED")
	} else {
		fmt.Fprintln(bw, "FAILED")
	}
	return bw.Flush()
}

var headings = map[string]string{
	"failure": "Failures (required by the specification)",
	"warning": "Warnings (recommended by the specification; not failing the run)",
	"note":    "Profile notes (where implementations are known to differ: what this one does; not failing the run)",
}

// consoleObserved prints a Profile case that passed with what it observed,
// the dialect finding a reader wants without the whole evidence.
func consoleObserved(w io.Writer, res conformance.Result) {
	fmt.Fprintf(w, "\n  %s [%s] %s: %s\n", text(res.Case.ID), res.Case.Level, Label(res), oneLine(res.Case.Title))
	for _, o := range observations(res) {
		fmt.Fprintf(w, "    observed:    %s\n", Escape(o))
	}
}

// consoleDetail prints one case that did not pass.
func consoleDetail(w io.Writer, res conformance.Result) {
	fmt.Fprintf(w, "\n  %s [%s] %s: %s\n", text(res.Case.ID), res.Case.Level, Label(res), oneLine(res.Case.Title))
	fmt.Fprintf(w, "    requirement: %s\n", oneLine(res.Case.Requirement))
	if res.Case.Source != "" {
		fmt.Fprintf(w, "    source:      %s\n", oneLine(res.Case.Source))
	}
	if len(res.Expected) > 0 {
		for i, e := range res.Expected {
			label := "expected:"
			if i > 0 {
				label = "      or:"
			}
			fmt.Fprintf(w, "    %s    %s\n", label, Escape(e))
		}
		fmt.Fprintf(w, "    actual:      %s\n", Escape(res.Actual))
	}
	if m := message(res); m != "" {
		fmt.Fprintf(w, "    message:     %s\n", Escape(m))
	}
	for _, o := range observations(res) {
		fmt.Fprintf(w, "    observed:    %s\n", Escape(o))
	}
	if len(res.Evidence) > 0 {
		fmt.Fprintf(w, "    evidence:\n")
		for _, ex := range res.Evidence {
			fmt.Fprintf(w, "      %-9s %s\n", ex.Dir, Escape(ex.Data))
		}
	}
}

// oneLine is text with line breaks folded, for table cells and headings.
func oneLine(s string) string {
	return strings.Join(strings.Fields(text(s)), " ")
}
