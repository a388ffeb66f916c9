package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lockergate/lockergate/conformance"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixedReport is a report with every verdict at every level, evidence with
// control characters, invalid UTF-8 and markup, and fixed times, so that
// the golden files are stable.
func fixedReport() *conformance.Report {
	login := &conformance.Case{ID: "login-93/1", Title: "Login answers 94 with ok 1", Level: conformance.Must,
		Requirement: "The ACS MUST answer a Login (93) with a Login Response (94).", Source: "SIP2 2.00 §Login"}
	wrong := &conformance.Case{ID: "login-93/2", Title: "Wrong password gets ok 0", Level: conformance.Must,
		Requirement: "ok: 1 if the login is valid, 0 if not.", Source: "SIP2 2.00 §Login Response"}
	ay := &conformance.Case{ID: "checkout-11/1", Title: "Sequence number echoed in AY", Level: conformance.Must,
		Requirement: "The ACS MUST echo the sequence number of the request.", Source: "SIP2 2.00 §Error detection"}
	slow := &conformance.Case{ID: "checkout-11/2", Title: "Checkout answers within the time limit", Level: conformance.Must,
		Requirement: "A response follows each request.", Source: "SIP2 2.00 §Checkout"}
	screen := &conformance.Case{ID: "checkout-11/3", Title: "Screen message on a refused checkout", Level: conformance.Should,
		Requirement: "The ACS should explain a refusal in AF <screen message>.", Source: "SIP2 2.00 §Checkout Response"}
	dialect := &conformance.Case{ID: "checkout-11/4", Title: "Due date format", Level: conformance.Profile,
		Requirement: "AH due date in 18-character form (YYYYMMDDZZZZHHMMSS); ILSs differ.", Source: "SIP2 2.00 §Checkout Response"}
	renew := &conformance.Case{ID: "renew-29/1", Title: "Renew answers 30", Level: conformance.Must,
		Requirement: "A Renew (29) gets a Renew Response (30).", Source: "SIP2 2.00 §Renew"}
	broken := &conformance.Case{ID: "renew-29/2", Title: "Renew of an unknown item", Level: conformance.Must,
		Requirement: "A Renew (29) of an unknown item gets ok 0.", Source: "SIP2 2.00 §Renew"}
	suite := &conformance.Suite{Name: "sip2-server", Title: "SIP2 server (ACS) conformance", Version: "1.0",
		Description: "Grades an ILS's SIP2 server <ACS> & its responses.",
		Groups: []*conformance.Group{
			{Key: "login-93", Title: "Login (93)", Cases: []*conformance.Case{login, wrong}},
			{Key: "checkout-11", Title: "Checkout (11)", Cases: []*conformance.Case{ay, slow, screen, dialect}},
			{Key: "renew-29", Title: "Renew (29)", Cases: []*conformance.Case{renew, broken}},
		}}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return &conformance.Report{
		Suite: suite, Target: "Example ILS <test> & co", Started: t0, Elapsed: 1234 * time.Millisecond,
		Results: []conformance.Result{
			{Case: login, Verdict: conformance.Pass, Duration: 12 * time.Millisecond, Evidence: []conformance.Exchange{
				{Dir: conformance.Sent, At: at(1), Data: "9300CNlogin|CO******|CPLOCKER1|AY0AZF5B1\r"},
				{Dir: conformance.Received, At: at(9), Data: "941AY0AZFDFC\r"},
			}},
			{Case: wrong, Verdict: conformance.Fail, Duration: 8 * time.Millisecond,
				Message: "login response: expected ok 0; got ok 1", Expected: []string{"ok 0"}, Actual: "ok 1",
				Evidence: []conformance.Exchange{
					{Dir: conformance.Sent, At: at(20), Data: "9300CNlogin|CO******|CPLOCKER1|AY1AZF5B0\r"},
					{Dir: conformance.Received, At: at(27), Data: "941AY1AZFDFB\r\n\x1c<script>alert(1)</script>\xff"},
				}},
			{Case: ay, Verdict: conformance.Fail, Duration: 15 * time.Millisecond,
				Message: "expected AY3 or no AY (error detection off); got AY4", Expected: []string{"AY3", "no AY (error detection off)"}, Actual: "AY4",
				Evidence: []conformance.Exchange{
					{Dir: conformance.Sent, At: at(40), Data: "11YN20250301    100000                  AOLIB|AAP1|ABI1|AC|AY3AZEF01\r"},
					{Dir: conformance.Received, At: at(54), Data: "120NNY20250301    100000AOLIB|AAP1|ABI1|AJ|AH|AY4AZE123\r"},
					{Dir: conformance.Note, At: at(55), Data: "the ACS echoed AY4 to a request with AY3"},
				}},
			{Case: slow, Verdict: conformance.Timeout, Duration: 2 * time.Second,
				Message:  "no verdict within the time limit of 2s; the case was abandoned",
				Evidence: []conformance.Exchange{{Dir: conformance.Sent, At: at(100), Data: "11YN20250301    100000                  AOLIB|AAP1|ABI2|AC|AY5AZEF00\r"}}},
			{Case: screen, Verdict: conformance.Fail, Duration: 9 * time.Millisecond,
				Message: "expected an AF field; got none", Expected: []string{"an AF field"}, Actual: "none"},
			{Case: dialect, Verdict: conformance.Fail, Duration: 1 * time.Millisecond,
				Message: "expected 18-character AH; got 10-character AH (Koha-style)", Expected: []string{"18-character AH"}, Actual: "10-character AH (Koha-style)",
				Evidence: []conformance.Exchange{{Dir: conformance.Note, At: at(200), Data: "AH2025-03-15"}}},
			{Case: renew, Verdict: conformance.Skipped, Duration: 0, Message: "BX says Renew is not supported"},
			{Case: broken, Verdict: conformance.Error, Duration: 3 * time.Millisecond, Message: "dial tcp 127.0.0.1:6001: connection refused"},
		},
	}
}

// passingReport is fixedReport with every Must case passed.
func passingReport() *conformance.Report {
	r := fixedReport()
	r.Pattern = "login-93,checkout-11/3"
	r.Results = []conformance.Result{r.Results[0], r.Results[4]}
	r.Results[0].Verdict = conformance.Pass
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	formats := []struct {
		name  string
		write func(*bytes.Buffer, *conformance.Report) error
	}{
		{"console", func(b *bytes.Buffer, r *conformance.Report) error { return Console(b, r) }},
		{"json", func(b *bytes.Buffer, r *conformance.Report) error { return JSON(b, r) }},
		{"xml", func(b *bytes.Buffer, r *conformance.Report) error { return JUnit(b, r) }},
		{"html", func(b *bytes.Buffer, r *conformance.Report) error { return HTML(b, r) }},
	}
	reports := []struct {
		name string
		r    *conformance.Report
	}{{"failed", fixedReport()}, {"passed", passingReport()}}
	for _, rep := range reports {
		for _, f := range formats {
			t.Run(rep.name+"."+f.name, func(t *testing.T) {
				var b bytes.Buffer
				if err := f.write(&b, rep.r); err != nil {
					t.Fatal(err)
				}
				golden(t, rep.name+"."+f.name, b.Bytes())
			})
		}
	}
}

func TestConsole(t *testing.T) {
	var b bytes.Buffer
	if err := Console(&b, fixedReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"FAILED\n",
		"8 cases: 1 pass, 4 fail, 1 skipped, 1 timeout, 1 error",
		`941AY1AZFDFB\r\n\x1c<script>alert(1)</script>\xff`, // evidence escaped, nothing raw
		"expected:    AY3\n", "      or:    no AY (error detection off)\n", "actual:      AY4\n",
		"Warnings (recommended", "checkout-11/3 [should] WARNING",
		"Profile notes", "checkout-11/4 [profile] NOTE",
		"renew-29/1: BX says Renew is not supported",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if strings.ContainsAny(out, "\r\x1c\xff") {
		t.Error("console output holds a raw control byte or invalid UTF-8")
	}
	b.Reset()
	Console(&b, passingReport())
	if !strings.HasSuffix(b.String(), "\nPASSED\n") || !strings.Contains(b.String(), "2 of 8 cases (--run login-93,checkout-11/3)") {
		t.Errorf("passing report:\n%s", b.String())
	}
}

func TestJSONFields(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, fixedReport()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "suite", "target", "started", "elapsed_seconds", "pattern", "interrupted", "passed", "counts", "cases"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var rep JSONReport
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Format != JSONFormat || rep.Passed || rep.Counts["fail"] != 4 || rep.Counts["pass"] != 1 || len(rep.Cases) != 8 {
		t.Errorf("format %q passed %v counts %v cases %d", rep.Format, rep.Passed, rep.Counts, len(rep.Cases))
	}
	c := rep.Cases[2]
	if c.ID != "checkout-11/1" || c.Group != "checkout-11" || c.GroupTitle != "Checkout (11)" || c.Weight != "failure" ||
		len(c.Expected) != 2 || c.Actual != "AY4" || c.Evidence[1].Data != "120NNY20250301    100000AOLIB|AAP1|ABI1|AJ|AH|AY4AZE123\r" {
		t.Errorf("case 2: %+v", c)
	}
	if got := rep.Cases[1].Evidence[1].DataEscaped; got != `941AY1AZFDFB\r\n\x1c<script>alert(1)</script>\xff` {
		t.Errorf("data_escaped %q", got)
	}
}

func TestJUnitParses(t *testing.T) {
	for _, r := range []*conformance.Report{fixedReport(), passingReport()} {
		var b bytes.Buffer
		if err := JUnit(&b, r); err != nil {
			t.Fatal(err)
		}
		var doc junitSuites
		if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatalf("JUnit XML does not parse: %v\n%s", err, b.String())
		}
		ts := doc.Suites[0]
		failing := ts.Failures+ts.Errors > 0
		if failing == r.Passed() {
			t.Errorf("failures %d errors %d, but Passed() = %v", ts.Failures, ts.Errors, r.Passed())
		}
		if ts.Tests != len(r.Results) || len(ts.Cases) != len(r.Results) {
			t.Errorf("tests %d, cases %d, want %d", ts.Tests, len(ts.Cases), len(r.Results))
		}
		if os.Getenv("CI") == "true" {
			xmllint(t, b.Bytes())
		}
	}
	var b bytes.Buffer
	JUnit(&b, fixedReport())
	var doc junitSuites
	xml.Unmarshal(b.Bytes(), &doc)
	ts := doc.Suites[0]
	if ts.Failures != 2 || ts.Errors != 2 || ts.Skipped != 1 {
		t.Errorf("failures %d errors %d skipped %d; want 2 (must fails), 2 (must timeout and error), 1", ts.Failures, ts.Errors, ts.Skipped)
	}
	if c := ts.Cases[1]; c.Failure == nil || !strings.Contains(c.Failure.Body, `\x1c<script>`) {
		t.Errorf("login-93/2's failure body lacks the escaped evidence: %+v", c.Failure)
	}
	if c := ts.Cases[4]; c.Failure != nil || !strings.HasPrefix(c.SystemOut, "warning: should case not met") {
		t.Errorf("a should-level failure: %+v", c)
	}
}

// xmllint checks the document with libxml2, as CI does (it installs xmllint).
func xmllint(t *testing.T, doc []byte) {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("CI=true but xmllint is not installed: %v", err)
	}
	f := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(path, "--noout", f).CombinedOutput(); err != nil {
		t.Errorf("xmllint --noout: %v\n%s", err, out)
	}
}

// TestHTMLSelfContained: one file, no scripts, no external assets, every
// value escaped, the banner and the facts a librarian looks for.
func TestHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, fixedReport()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	lower := strings.ToLower(page)
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "http://", "https://", "\x1c", "\r", "\xff"} {
		if strings.Contains(lower, bad) {
			t.Errorf("the certificate holds %q", bad)
		}
	}
	for _, want := range []string{
		`<div class="banner failed">FAILED</div>`,
		"Example ILS &lt;test&gt; &amp; co", // target, escaped
		"1 March 2025, 10:00 UTC",
		"sip2-server 1.0",
		`\x1c&lt;script&gt;alert(1)&lt;/script&gt;\xff`, // evidence, escaped twice over
		"Grades an ILS&#39;s SIP2 server &lt;ACS&gt; &amp; its responses.",
		"The ACS MUST echo the sequence number of the request.",
		"SIP2 2.00 §Error detection",
		"<details open>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the certificate lacks %q", want)
		}
	}
	b.Reset()
	HTML(&b, passingReport())
	if !strings.Contains(b.String(), `<div class="banner passed">PASSED</div>`) || !strings.Contains(b.String(), "2 of 8 cases (--run login-93,checkout-11/3)") {
		t.Error("the passing certificate lacks its banner or its selection")
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"941AY0AZFDFC\r", `941AY0AZFDFC\r`},
		{"a\nb\tc", `a\nb\tc`},
		{"\x1c\x00\x7f", `\x1c\x00\x7f`},
		{`back\slash`, `back\\slash`},
		{"caf\xe9", `caf\xe9`},
		{"Müller Ærø", "Müller Ærø"},
		{"zero\u200bwidth\u0085", `zero\u{200B}width\u{0085}`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := text("line one\nline\ttwo \\ \x1c"); got != "line one\nline\ttwo \\ \\x1c" {
		t.Errorf("text kept %q", got)
	}
}

// FuzzEscape: whatever bytes an implementation sends, the escaped text is
// valid UTF-8 with no control or invisible character, so that terminals,
// XML and HTML reports show every byte; and distinct inputs stay distinct.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"941AY0AZFDFC\r", "\x1c\x00\xff", `a\x1cb`, "Müller\u200b", "\xe2\x80"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Escape(%q) = %q is not valid UTF-8", s, e)
		}
		for _, r := range e {
			if r < 0x20 || r == 0x7f || isInvisible(r) {
				t.Fatalf("Escape(%q) = %q holds %U", s, e, r)
			}
		}
		if s != other && Escape(other) == e {
			t.Fatalf("Escape(%q) == Escape(%q) == %q", s, other, e)
		}
	})
}

// observedReport has a Profile case that passed with a finding, a Must
// case that failed and a Should case not met, one exchange each.
func observedReport() *conformance.Report {
	term := &conformance.Case{ID: "dialect/1", Title: "Terminator: CR or CRLF", Level: conformance.Profile,
		Requirement: "Reports the terminator.", Source: "sip2.md §0.4"}
	login := &conformance.Case{ID: "login-93/1", Title: "Login answers 94", Level: conformance.Must,
		Requirement: "The ACS answers 93 with 94.", Source: "SIP2 2.00 §Login"}
	order := &conformance.Case{ID: "dialect/2", Title: "Field order", Level: conformance.Should,
		Requirement: "AO comes first.", Source: "SIP2 2.00"}
	suite := &conformance.Suite{Name: "sip2-server", Title: "SIP2", Version: "1.0", Groups: []*conformance.Group{
		{Key: "login-93", Title: "Login", Cases: []*conformance.Case{login}},
		{Key: "dialect", Title: "Profile", Cases: []*conformance.Case{term, order}},
	}}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	return &conformance.Report{Suite: suite, Target: "ils", Started: t0, Results: []conformance.Result{
		{Case: login, Verdict: conformance.Fail, Expected: []string{"941"}, Actual: "940",
			Message:  "expected 941; got 940",
			Evidence: []conformance.Exchange{{Dir: conformance.Received, At: t0, Data: "940AY0AZFDFD\r"}}},
		{Case: term, Verdict: conformance.Pass, Evidence: []conformance.Exchange{
			{Dir: conformance.Note, At: t0, Data: "cleanup: nothing to undo"},
			{Dir: conformance.Observed, At: t0, Data: "terminator: CRLF, as Koha's default account"},
		}},
		{Case: order, Verdict: conformance.Fail, Expected: []string{"AO first"}, Actual: "AA first"},
	}}
}

// TestObservations: what a passing Profile case observed is shown in the
// console, the certificate and JSON, not left folded in the evidence; the
// certificate lists what failed at the top, each linked to its case.
func TestObservations(t *testing.T) {
	r := observedReport()
	const finding = "terminator: CRLF, as Koha&#39;s default account"
	var b bytes.Buffer
	if err := Console(&b, r); err != nil {
		t.Fatal(err)
	}
	console := b.String()
	notes := console[strings.Index(console, "Profile notes"):]
	for _, want := range []string{"dialect/1 [profile] PASS: Terminator: CR or CRLF\n    observed:    terminator: CRLF, as Koha's default account\n", "3 cases:"} {
		if !strings.Contains(notes, want) {
			t.Errorf("console lacks %q in:\n%s", want, console)
		}
	}
	if strings.Contains(notes, "cleanup") {
		t.Errorf("a plain note of a passing case is listed among the findings:\n%s", notes)
	}

	b.Reset()
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	summary := page[:strings.Index(page, "<h2>")]
	for _, want := range []string{
		`<div class="summary failure"><h3>Requirements not met</h3>`,
		`<a href="#case-login-93-1">`, "(FAIL: 940)",
		`<div class="summary warning">`, `<a href="#case-dialect-2">`, "(WARNING: AA first)",
		"1 of the cases the specification requires was not met",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("the certificate's summary lacks %q", want)
		}
	}
	for _, want := range []string{`id="case-login-93-1"`, `<dt>Observed</dt><dd class="observed">` + finding + "</dd>", "Evidence (1 exchange)", "Evidence (2 exchanges)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the certificate lacks %q", want)
		}
	}

	b.Reset()
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc JSONReport
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Cases[1].Observed; len(got) != 1 || got[0] != "terminator: CRLF, as Koha's default account" {
		t.Errorf("JSON observed %q", got)
	}
	if got := doc.Cases[0].Observed; got == nil || len(got) != 0 {
		t.Errorf("JSON observed of a case without findings: %#v, want []", got)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 cases", 1: "1 case", 2: "2 cases"} {
		if got := plural(n, "case"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEscapeLines(t *testing.T) {
	for in, want := range map[string]string{
		"POST /ncip\nContent-Type: x\n\n<a/>": "POST /ncip\\n\nContent-Type: x\\n\n\\n\n<a/>",
		"941AY0AZFDFC\r":                      `941AY0AZFDFC\r`,
		`a\nb`:                                `a\\nb`, // a backslash and an n are not a line feed
		"x\r\n\x1c":                           "x\\r\\n\n\\x1c",
	} {
		if got := escapeLines(in); got != want {
			t.Errorf("escapeLines(%q) = %q, want %q", in, got, want)
		}
	}
}
