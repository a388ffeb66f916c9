package conformance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// abandonGrace is how long a Runner waits, after a case's time limit, for
// the case to notice its cancelled context and return. A case that returns
// within it keeps its own error and evidence; one that does not is
// abandoned with verdict Timeout.
const abandonGrace = 100 * time.Millisecond

// A Runner runs the cases of a Suite, each in its own goroutine with its own
// time limit, and collects a Report.
//
// Cases not selected by Run are left out of the Report entirely (rather
// than listed as Skipped) so that a partial run's counts only count what
// was checked; Report.Pattern records the selection instead.
type Runner struct {
	// Run selects cases by ID; empty selects every case. It is either a
	// comma-separated list of globs or a regular expression (see Select).
	Run string
	// Timeout limits each case; zero or negative means no limit beyond the
	// context given to Execute.
	Timeout time.Duration
	// Progress, when set, is called after each case with the number of
	// cases done, the number selected and the case's result. It is called
	// from Execute's goroutine, never concurrently.
	Progress func(done, total int, r Result)
}

// regexpMeta are characters that only make sense in a regular expression.
// A pattern holding any of them (or ".*", ".+") is read as one; any other
// pattern is a list of globs.
const regexpMeta = `^$()|+\{}`

// Select returns the cases of s that r.Run selects, in suite order.
//
// A pattern containing any of ^ $ ( ) | + \ { } or the sequences .* or .+
// is a regular expression, matched anywhere in the ID as go test -run does
// ("^checkout-11/", "checkin|checkout"). Any other pattern is a
// comma-separated list of globs, each matched against the whole ID, where
// * matches any run of characters (slashes included), ? one character and
// [...] a class; a glob also selects a whole group when it matches the ID
// up to a slash, so "checkout-11" selects checkout-11/1, checkout-11/2, ...
//
// It returns an error when the pattern is not valid or selects no case.
func (r *Runner) Select(s *Suite) ([]*Case, error) {
	all := s.Cases()
	if strings.TrimSpace(r.Run) == "" {
		return all, nil
	}
	match, err := CompilePattern(r.Run)
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, c := range all {
		if match(c.ID) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("run pattern %q selects none of the %d cases of suite %s", r.Run, len(all), s.Name)
	}
	return out, nil
}

// CompilePattern turns a --run pattern (see Runner.Select) into a matcher
// over case IDs.
func CompilePattern(pattern string) (func(id string) bool, error) {
	if strings.ContainsAny(pattern, regexpMeta) || strings.Contains(pattern, ".*") || strings.Contains(pattern, ".+") {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, fmt.Errorf("run pattern %q is not a valid regular expression: %v", pattern, err)
		}
		return re.MatchString, nil
	}
	var globs []*regexp.Regexp
	for _, g := range strings.Split(pattern, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		re, err := globRegexp(g)
		if err != nil {
			return nil, fmt.Errorf("run pattern %q: glob %q: %v", pattern, g, err)
		}
		globs = append(globs, re)
	}
	if len(globs) == 0 {
		return nil, fmt.Errorf("run pattern %q holds no glob", pattern)
	}
	return func(id string) bool {
		for _, re := range globs {
			if re.MatchString(id) {
				return true
			}
			for i := strings.IndexByte(id, '/'); i >= 0; {
				if re.MatchString(id[:i]) {
					return true
				}
				j := strings.IndexByte(id[i+1:], '/')
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
		return false
	}, nil
}

// globRegexp translates a glob into an anchored regular expression.
func globRegexp(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	// By rune, not by byte: string(byte) of a non-ASCII byte is another
	// character, and "ü" would become "Ã¼".
	for i := 0; i < len(g); {
		c, size := utf8.DecodeRuneInString(g[i:])
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			end := strings.IndexByte(g[i+1:], ']')
			if end < 0 {
				return nil, errors.New("unclosed [")
			}
			class := g[i+1 : i+1+end]
			if class == "" {
				return nil, errors.New("empty []")
			}
			if class[0] == '!' {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			size = 2 + end
		default:
			b.WriteString(regexp.QuoteMeta(g[i : i+size]))
		}
		i += size
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// Execute runs the selected cases of s one after another and returns the
// report; target names the implementation under test. It never panics on a
// case's behalf: a panic becomes verdict Error with the panic's message, and
// a case that outlives its time limit is abandoned with verdict Timeout (its
// goroutine is left to finish on its own).
//
// An invalid or empty selection yields a report with no results, which does
// not pass; call Select first to report the problem to the user. When ctx is
// cancelled, the cases not yet run are recorded as Error and the report is
// marked Interrupted.
func (r *Runner) Execute(ctx context.Context, s *Suite, target string) *Report {
	rep := &Report{Suite: s, Target: target, Started: time.Now(), Pattern: strings.TrimSpace(r.Run)}
	cases, err := r.Select(s)
	if err != nil {
		return rep
	}
	for i, c := range cases {
		var res Result
		if ctx.Err() != nil {
			rep.Interrupted = true
			res = Result{Case: c, Verdict: Error, Message: fmt.Sprintf("not run: the run was interrupted (%v)", context.Cause(ctx))}
		} else {
			res = r.runCase(ctx, c)
			if ctx.Err() != nil {
				rep.Interrupted = true
			}
			redact(&res, s.Redact)
		}
		rep.Results = append(rep.Results, res)
		if r.Progress != nil {
			r.Progress(i+1, len(cases), res)
		}
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep
}

// redact applies a suite's Redact to everything a case left in res, which
// owns its slices (runCase copies Expected and the evidence).
func redact(res *Result, f func(string) string) {
	if f == nil {
		return
	}
	res.Message = f(res.Message)
	res.Actual = f(res.Actual)
	for i := range res.Expected {
		res.Expected[i] = f(res.Expected[i])
	}
	for i := range res.Evidence {
		res.Evidence[i].Data = f(res.Evidence[i].Data)
	}
}

// outcome is what a case's goroutine hands back.
type outcome struct {
	err      error
	panicked bool
	msg      string
}

// runCase runs one case in its own goroutine under its time limit.
func (r *Runner) runCase(parent context.Context, c *Case) Result {
	ctx, cancel := parent, context.CancelFunc(func() {})
	if r.Timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, r.Timeout)
	}
	defer cancel()
	t := NewT()
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		returned := false
		defer func() {
			if returned {
				return
			}
			if p := recover(); p != nil {
				done <- outcome{panicked: true, msg: fmt.Sprintf("the case panicked: %v", p)}
				return
			}
			done <- outcome{panicked: true, msg: "the case stopped without returning (runtime.Goexit)"}
		}()
		if c.Run == nil {
			done <- outcome{err: errors.New("the case has no Run function")}
			returned = true
			return
		}
		err := c.Run(ctx, t)
		returned = true
		done <- outcome{err: err}
	}()

	var out outcome
	abandoned := false
	select {
	case out = <-done:
	case <-ctx.Done():
		grace := time.NewTimer(abandonGrace)
		select {
		case out = <-done:
		case <-grace.C:
			abandoned = true
		}
		grace.Stop()
	}
	res := Result{Case: c, Duration: time.Since(start), Evidence: t.Evidence()}
	switch {
	case abandoned && parent.Err() != nil:
		res.Verdict, res.Message = Error, fmt.Sprintf("interrupted: %v", context.Cause(parent))
	case abandoned:
		res.Verdict, res.Message = Timeout, fmt.Sprintf("no verdict within the time limit of %v; the case was abandoned", r.Timeout)
	case out.panicked:
		res.Verdict, res.Message = Error, out.msg
	default:
		classify(&res, out.err, ctx, parent, r.Timeout)
	}
	return res
}

// classify sets res's verdict from a case's returned error: nil is Pass,
// ErrSkipped Skipped, a *Failure Fail, the case's deadline Timeout, a
// cancelled run Error, and anything else Error.
func classify(res *Result, err error, ctx, parent context.Context, limit time.Duration) {
	var f *Failure
	switch {
	case err == nil:
		res.Verdict = Pass
	case errors.Is(err, ErrSkipped):
		res.Verdict = Skipped
		res.Message = strings.TrimPrefix(err.Error(), ErrSkipped.Error()+": ")
	case errors.As(err, &f):
		res.Verdict = Fail
		res.Message = err.Error()
		res.Expected = append([]string(nil), f.Expected...)
		res.Actual = f.Actual
	case parent.Err() != nil:
		res.Verdict = Error
		res.Message = fmt.Sprintf("interrupted: %v", err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Verdict = Timeout
		res.Message = fmt.Sprintf("no verdict within the time limit of %v: %v", limit, err)
	default:
		res.Verdict = Error
		res.Message = err.Error()
	}
}
