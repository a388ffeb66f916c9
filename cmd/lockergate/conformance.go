package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/conformance/report"
)

// suiteFlags are the flags every conformance command shares.
type suiteFlags struct {
	run     string
	timeout time.Duration
	json    string
	junit   string
	html    string
	target  string
	quiet   bool
	list    bool
}

// defaultCaseTimeout bounds one case; a case waiting on a late reply or a
// door must give up long before a person gives up on the run.
const defaultCaseTimeout = 30 * time.Second

// runExamples are the --run examples a command's help shows: globs and a
// regular expression naming cases of that command's own suite, so that a
// vendor who copies one selects something (TestRunExamplesSelect).
type runExamples struct {
	globs, regexp string
}

// addSuiteFlags registers the shared conformance flags on fs. Each command
// adds its own flags (--addr, --driver, ...) and calls runSuite.
func addSuiteFlags(fs *flag.FlagSet, ex runExamples) *suiteFlags {
	f := &suiteFlags{}
	fs.StringVar(&f.run, "run", "", fmt.Sprintf("run only the cases whose ID matches: comma-separated globs (%s) or a regular expression (%s)", ex.globs, ex.regexp))
	fs.DurationVar(&f.timeout, "timeout", defaultCaseTimeout, "time limit of each case")
	fs.StringVar(&f.json, "json", "", "also write the report as JSON to this `file`")
	fs.StringVar(&f.junit, "junit", "", "also write the report as JUnit XML to this `file` (for CI systems)")
	fs.StringVar(&f.html, "html", "", "also write the report as a self-contained HTML certificate to this `file`")
	fs.StringVar(&f.target, "target", "", "the `name` of the implementation under test, printed on the reports (default: its address)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr")
	fs.BoolVar(&f.list, "list", false, "list the cases (ID, level, title) without running them")
	return f
}

// runSuite runs s against the implementation named target (overridden by
// --target) as the flags say. With --list it prints the selected cases
// and returns. Otherwise it prints one progress line a case on stderr
// (unless --quiet), the console report on stdout, writes the report files
// asked for, and returns errSilent when the implementation did not pass.
// A --run pattern that is invalid or selects nothing, and a --timeout that
// is not positive, are usage errors.
func runSuite(ctx context.Context, e *env, s *conformance.Suite, target string, f *suiteFlags) error {
	if f.timeout <= 0 {
		return usagef("--timeout must be positive, not %v", f.timeout)
	}
	if f.target != "" {
		target = f.target
	}
	r := &conformance.Runner{Run: f.run, Timeout: f.timeout}
	cases, err := r.Select(s)
	if err != nil {
		return usagef("--run: %v", err)
	}
	if f.list {
		return listCases(e.stdout, s, cases)
	}
	if !f.quiet {
		fmt.Fprintf(e.stderr, "running %d cases of %s %s against %s\n", len(cases), s.Name, s.Version, target)
		width := len(fmt.Sprint(len(cases)))
		r.Progress = func(done, total int, res conformance.Result) {
			// The report's label, so that a Should case not met reads
			// "warning" here as it does in the report, not "fail".
			label := strings.ToLower(report.Label(res))
			line := fmt.Sprintf("[%*d/%d] %-7s %-28s %s", width, done, total, label, res.Case.ID, roundDuration(res.Duration))
			switch {
			case res.Verdict == conformance.Fail && res.Actual != "":
				line += "  got: " + firstLine(report.Escape(res.Actual), 100)
			case res.Verdict != conformance.Pass && res.Message != "":
				line += "  " + firstLine(report.Escape(res.Message), 100)
			}
			fmt.Fprintln(e.stderr, line)
		}
	}
	rep := r.Execute(ctx, s, target)
	if err := report.Console(e.stdout, rep); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer, *conformance.Report) error
		what  string
	}{
		{f.json, report.JSON, "JSON"},
		{f.junit, report.JUnit, "JUnit"},
		{f.html, report.HTML, "HTML"},
	} {
		if out.path == "" {
			continue
		}
		var buf bytes.Buffer
		if err := out.write(&buf, rep); err != nil {
			return fmt.Errorf("building the %s report: %w", out.what, err)
		}
		if err := os.WriteFile(out.path, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing the %s report: %w", out.what, err)
		}
		if !f.quiet {
			fmt.Fprintf(e.stderr, "wrote the %s report to %s\n", out.what, out.path)
		}
	}
	if !rep.Passed() {
		return errSilent
	}
	return nil
}

// listCases prints the cases a run would run, as a table.
func listCases(w io.Writer, s *conformance.Suite, cases []*conformance.Case) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tTITLE")
	for _, c := range cases {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ID, c.Level, c.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d of %d cases of %s %s\n", len(cases), len(s.Cases()), s.Name, s.Version)
	return err
}

// firstLine cuts s at its first line break and at max runes.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// roundDuration keeps progress lines short: milliseconds, or microseconds
// below one so that a fast case does not read "0s".
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
