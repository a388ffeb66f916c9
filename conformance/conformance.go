// Package conformance is the certification suite vendors run against their
// implementations: SIP2 servers (an ILS's ACS), SIP2 clients (self-check and
// locker kiosks), NCIP responders and locker controllers.
//
// The shape follows summerwind/h2spec: a Suite holds Groups of Cases; each
// Case checks one requirement, quotes or cites the specification sentence it
// checks, has a Level, and returns a verdict with evidence. Suites live in
// subpackages (conformance/sip2server, conformance/sip2client,
// conformance/ncipresponder, conformance/locker); the Runner runs any of them and
// conformance/report turns the results into a console table, JSON, JUnit XML
// or an HTML certificate.
//
// Every suite is itself tested: it passes against the project's reference
// implementations and catches each of a set of deliberately broken ones.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Level says how much a failed case weighs.
type Level string

// Levels.
const (
	// Must: the specification requires it; a failure fails the suite.
	Must Level = "must"
	// Should: the specification recommends it; a failure is a warning.
	Should Level = "should"
	// Profile: a behaviour where real implementations are known to differ
	// (an ILS dialect, a lenient input form); the outcome is reported as a
	// note and never fails the suite.
	Profile Level = "profile"
)

// Verdict is the outcome of one case.
type Verdict string

// Verdicts.
const (
	Pass    Verdict = "pass"
	Fail    Verdict = "fail"    // the requirement is not met (a Should or Profile case: reported, not failing the suite)
	Skipped Verdict = "skipped" // not applicable (the implementation says it does not support the message) or not selected
	Timeout Verdict = "timeout" // the case ran out of its time limit
	Error   Verdict = "error"   // the suite could not run the case (the implementation is unreachable, a fixture is missing)
)

// A Case checks one requirement.
type Case struct {
	// ID is unique within the suite, stable across versions, and shaped
	// "group/n" (for example "checkout-11/3"); --run patterns match it.
	ID string
	// Title says in one line what is checked.
	Title string
	// Requirement quotes or paraphrases the specification sentence checked.
	Requirement string
	// Source cites where the requirement comes from ("SIP2 2.00 §Checkout",
	// "NCIP 2.02 Part 1 §5.2", "lockergate driver contract").
	Source string
	// Level is Must, Should or Profile.
	Level Level
	// Run performs the check. It returns nil when the requirement is met, a
	// *Failure (or any error wrapping one) when it is not, ErrSkipped when
	// the case does not apply, and any other error when the case could not
	// be run. Evidence it records with T.Sent/T.Received is kept.
	Run func(ctx context.Context, t *T) error
}

// A Group is a set of related cases, such as every case about one message.
type Group struct {
	Key   string // the first part of its cases' IDs
	Title string
	Cases []*Case
}

// A Suite is one certification suite.
type Suite struct {
	Name        string // "sip2-server", "sip2-client", "ncip", "locker"
	Title       string
	Version     string // the suite's version, printed on certificates
	Description string
	Groups      []*Group
	// Redact, when set, hides the secrets of the run (passwords, PINs,
	// tokens) in text bound for a report. The Runner applies it to
	// everything a case leaves in its Result: the message, the expected
	// and actual outcomes and every piece of evidence. Suites mask what
	// they record as well; Redact is the one place that also catches a
	// secret the implementation echoes back where no case expected it.
	Redact func(string) string
}

// Cases lists every case of the suite in order.
func (s *Suite) Cases() []*Case {
	var out []*Case
	for _, g := range s.Groups {
		out = append(out, g.Cases...)
	}
	return out
}

// ErrSkipped is returned by a case that does not apply.
var ErrSkipped = errors.New("conformance: case skipped")

// Skipf returns an error wrapping ErrSkipped with a reason.
func Skipf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSkipped, fmt.Sprintf(format, args...))
}

// A Failure is a requirement not met: what was expected and what was seen.
type Failure struct {
	Expected []string // one or more acceptable outcomes
	Actual   string
}

// Error says what was expected and what was seen, the line reports print
// for a failed case.
func (f *Failure) Error() string {
	return fmt.Sprintf("expected %s; got %s", strings.Join(f.Expected, " or "), f.Actual)
}

// Failf returns a *Failure with one expectation.
func Failf(expected string, actualFormat string, args ...any) error {
	return &Failure{Expected: []string{expected}, Actual: fmt.Sprintf(actualFormat, args...)}
}

// Direction says which way an exchange went.
type Direction string

// Directions.
const (
	Sent     Direction = "sent"
	Received Direction = "received"
	Note     Direction = "note"
	// Observed is a finding about the implementation rather than a step of
	// the exchange: which dialect it follows, which lenient form it
	// accepts. Reports show observations next to the verdict, so that a
	// Profile case that passes still tells the reader what was seen.
	Observed Direction = "observed"
)

// Exchange is one piece of evidence: bytes sent or received, or a note.
type Exchange struct {
	Dir  Direction
	At   time.Time
	Data string // the bytes as text, control characters escaped by reports
}

// T is passed to a running case; it records the evidence. It is safe for
// concurrent use, because a Runner reads the evidence of a case it abandoned
// at its time limit while the case may still be writing.
type T struct {
	mu       sync.Mutex
	evidence []Exchange
	now      func() time.Time
}

// NewT returns a T for running a case outside a Runner (tests of cases).
func NewT() *T { return &T{now: time.Now} }

// Sent records bytes the suite sent.
func (t *T) Sent(data string) { t.add(Sent, data) }

// Received records bytes the suite received.
func (t *T) Received(data string) { t.add(Received, data) }

// Notef records a remark on the exchange (a setup step, a value read, why
// the case waits).
func (t *T) Notef(format string, args ...any) { t.add(Note, fmt.Sprintf(format, args...)) }

// Observef records a finding about the implementation, such as the ILS
// dialect a Profile case recognised; see Observed.
func (t *T) Observef(format string, args ...any) { t.add(Observed, fmt.Sprintf(format, args...)) }

func (t *T) add(d Direction, data string) {
	now := time.Now
	if t.now != nil {
		now = t.now
	}
	t.mu.Lock()
	t.evidence = append(t.evidence, Exchange{Dir: d, At: now(), Data: data})
	t.mu.Unlock()
}

// Evidence returns a copy of what was recorded so far.
func (t *T) Evidence() []Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Exchange(nil), t.evidence...)
}

// Result is the outcome of one case.
type Result struct {
	Case    *Case
	Verdict Verdict
	Message string // the failure, skip reason or error, empty on a pass
	// Expected and Actual are the *Failure's, set when Verdict is Fail, so
	// that reports can show them apart from Message.
	Expected []string
	Actual   string
	Duration time.Duration
	Evidence []Exchange
}

// Report is the outcome of a whole run.
type Report struct {
	Suite   *Suite
	Target  string // the implementation under test, as the user named it ("ils.example.org:6001", "Koha 24.05")
	Started time.Time
	Elapsed time.Duration
	// Pattern is the --run pattern that selected the cases; empty when every
	// case of the suite ran. Cases not selected are not in Results, so a
	// certificate of a partial run says so through Pattern.
	Pattern string
	// Interrupted is set when the run was cancelled before every selected
	// case ran; the cases left are in Results with verdict Error.
	Interrupted bool
	Results     []Result
}

// Counts tallies results by verdict.
func (r *Report) Counts() map[Verdict]int {
	m := map[Verdict]int{}
	for _, res := range r.Results {
		m[res.Verdict]++
	}
	return m
}

// Passed reports whether the implementation passed: at least one case
// ran, the run was not interrupted, and no Must case failed, timed out or
// errored. An empty report does not pass: a --run pattern that matched
// nothing certifies nothing.
func (r *Report) Passed() bool {
	if r.Interrupted || len(r.Results) == 0 {
		return false
	}
	for _, res := range r.Results {
		if res.Case.Level == Must && (res.Verdict == Fail || res.Verdict == Timeout || res.Verdict == Error) {
			return false
		}
	}
	return true
}
