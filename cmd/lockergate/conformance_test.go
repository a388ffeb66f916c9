package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/conformance/locker"
	"github.com/lockergate/lockergate/conformance/ncipresponder"
	"github.com/lockergate/lockergate/conformance/sip2client"
	"github.com/lockergate/lockergate/conformance/sip2server"
)

// fakeSuite has a passing Must case, a failing Should case, and a Must case
// whose outcome the test chooses.
func fakeSuite(mustFail bool) *conformance.Suite {
	return &conformance.Suite{Name: "fake", Title: "Fake suite", Version: "0.1", Groups: []*conformance.Group{
		{Key: "login", Title: "Login", Cases: []*conformance.Case{
			{ID: "login/1", Title: "answers", Level: conformance.Must, Requirement: "r", Run: func(ctx context.Context, t *conformance.T) error {
				t.Sent("9300CNu|COp|\r")
				t.Received("941\r")
				return nil
			}},
			{ID: "login/2", Title: "explains", Level: conformance.Should, Requirement: "r", Run: func(context.Context, *conformance.T) error {
				return conformance.Failf("AF", "none")
			}},
		}},
		{Key: "checkout", Title: "Checkout", Cases: []*conformance.Case{
			{ID: "checkout/1", Title: "echoes AY", Level: conformance.Must, Requirement: "r", Run: func(ctx context.Context, t *conformance.T) error {
				t.Received("120\x1c\r")
				if mustFail {
					return conformance.Failf("AY3", "AY4")
				}
				return nil
			}},
		}},
	}}
}

// runFake runs the fake suite through the shared plumbing, as a command
// would after parsing its own flags.
func runFake(t *testing.T, mustFail bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	fs := newFlagSet(e, "conformance fake", "[suite flags]")
	f := addSuiteFlags(fs, runExamples{"a/1", "^a/"})
	err := parseOnlyFlags(fs, args)
	if err == nil {
		err = runSuite(context.Background(), e, fakeSuite(mustFail), "127.0.0.1:6001", f)
	}
	return exitStatus(e, "conformance fake", err), out.String(), errb.String()
}

func TestRunSuite(t *testing.T) {
	tests := []struct {
		name     string
		mustFail bool
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
		notErr   []string
	}{
		{"a pass exits 0", false, nil, 0,
			[]string{"Implementation under test: 127.0.0.1:6001", "login/2", "WARNING", "PASSED"},
			[]string{"running 3 cases of fake 0.1 against 127.0.0.1:6001", "[1/3] pass    login/1", "[2/3] warning login/2", "got: none"}, nil},
		{"a failed Must case exits 1", true, nil, 1,
			[]string{"checkout/1 [must] FAIL", "expected:    AY3", `received  120\x1c\r`, "FAILED"},
			[]string{"[3/3] fail    checkout/1"}, []string{"lockergate conformance fake:"}},
		{"--run selects", true, []string{"--run", "login"}, 0,
			[]string{"2 of 3 cases (--run login)", "PASSED"}, nil, []string{"checkout/1"}},
		{"--quiet drops progress", false, []string{"--quiet"}, 0, []string{"PASSED"}, nil, []string{"running", "[1/3]"}},
		{"--target names the implementation", false, []string{"--target", "Koha 24.05"}, 0, []string{"Implementation under test: Koha 24.05"}, nil, nil},
		{"--list lists without running", true, []string{"--list", "--run", "check*"}, 0,
			[]string{"ID", "checkout/1  must   echoes AY", "1 of 3 cases of fake 0.1"}, nil, []string{"running"}},
		{"--run selecting nothing is a usage error", false, []string{"--run", "renew"}, 2, nil, []string{"selects none of the 3 cases"}, nil},
		{"a bad regexp is a usage error", false, []string{"--run", "^(login"}, 2, nil, []string{"not a valid regular expression"}, nil},
		{"--timeout 0 is a usage error", false, []string{"--timeout", "0s"}, 2, nil, []string{"--timeout must be positive"}, nil},
		{"a stray argument is a usage error", false, []string{"extra"}, 2, nil, []string{`unexpected argument "extra"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runFake(t, tt.mustFail, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			for _, w := range tt.notErr {
				if strings.Contains(errOut, w) || (strings.HasPrefix(tt.name, "--run") && strings.Contains(out, w)) {
					t.Errorf("output holds %q:\nstdout:\n%s\nstderr:\n%s", w, out, errOut)
				}
			}
		})
	}
}

func TestRunSuiteWritesReports(t *testing.T) {
	dir := t.TempDir()
	jsonPath, junitPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	code, _, errOut := runFake(t, true, "--json", jsonPath, "--junit", junitPath, "--html", htmlPath)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	var doc struct {
		Passed bool
		Cases  []struct{ ID, Verdict string }
	}
	if err := json.Unmarshal(readFile(t, jsonPath), &doc); err != nil || doc.Passed || len(doc.Cases) != 3 || doc.Cases[2].Verdict != "fail" {
		t.Errorf("JSON report: %+v, %v", doc, err)
	}
	var ju struct {
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(readFile(t, junitPath), &ju); err != nil || ju.Failures != 1 {
		t.Errorf("JUnit report: %+v, %v", ju, err)
	}
	if h := string(readFile(t, htmlPath)); !strings.Contains(h, "FAILED") || !strings.Contains(h, "127.0.0.1:6001") {
		t.Errorf("HTML report lacks the banner or the target")
	}
	for _, p := range []string{jsonPath, junitPath, htmlPath} {
		if !strings.Contains(errOut, "to "+p) {
			t.Errorf("stderr does not say it wrote %s: %s", p, errOut)
		}
	}
	// An unwritable destination is an error of the run (exit 1), said so.
	code, _, errOut = runFake(t, false, "--json", filepath.Join(dir, "no", "such", "dir", "r.json"))
	if code != 1 || !strings.Contains(errOut, "writing the JSON report") {
		t.Errorf("unwritable --json: exit %d, stderr %q", code, errOut)
	}
}

// TestRunSuiteInterrupted: Ctrl-C during a run reports what ran and fails.
func TestRunSuiteInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &conformance.Suite{Name: "fake", Version: "0", Groups: []*conformance.Group{{Key: "a", Cases: []*conformance.Case{
		{ID: "a/1", Level: conformance.Must, Run: func(context.Context, *conformance.T) error { cancel(); return nil }},
		{ID: "a/2", Level: conformance.Must, Run: func(context.Context, *conformance.T) error { return nil }},
	}}}}
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb}
	f := addSuiteFlags(newFlagSet(e, "x", ""), runExamples{"a/1", "^a/"})
	f.timeout = time.Second
	err := runSuite(ctx, e, s, "x", f)
	if !errors.Is(err, errSilent) || !strings.Contains(out.String(), "interrupted") || !strings.Contains(out.String(), "FAILED") {
		t.Errorf("error %v; stdout:\n%s", err, out.String())
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConformanceListNeedsNothing: every conformance command lists its
// cases without the implementation's address or credentials, and without
// opening a port.
func TestConformanceListNeedsNothing(t *testing.T) {
	for cmd, want := range map[string]string{
		"sip2-server": "76 of 76 cases of sip2-server",
		"sip2-client": "of sip2-client",
		"ncip":        "of ncip",
		"locker":      "15 of 15 cases of locker",
	} {
		t.Run(cmd, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", "conformance", cmd, "--list", "--listen", "256.0.0.1:1")
			if cmd != "sip2-client" {
				code, out, errOut = runCmd(t, "", "conformance", cmd, "--list")
			}
			if code != 0 || !strings.Contains(out, want) || !strings.HasPrefix(out, "ID") {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
		})
	}
}

// TestRunExamplesSelect: every --run example a conformance command's help
// shows selects cases of that command's suite, each glob on its own too,
// so that a vendor who copies one does not get "selects none".
func TestRunExamplesSelect(t *testing.T) {
	tests := []struct {
		name  string
		suite *conformance.Suite
		ex    runExamples
	}{
		{"locker", locker.New(locker.Config{}), lockerRunExamples},
		{"ncip", ncipresponder.New(ncipresponder.Config{}), ncipRunExamples},
		{"sip2-client", sip2client.New(sip2client.Config{}), sip2ClientRunExamples},
		{"sip2-server", sip2server.New(sip2server.Config{}), sip2ServerRunExamples},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patterns := append(strings.Split(tt.ex.globs, ","), tt.ex.globs, tt.ex.regexp)
			for _, p := range patterns {
				r := &conformance.Runner{Run: p}
				if cases, err := r.Select(tt.suite); err != nil || len(cases) == 0 {
					t.Errorf("--run %q: %d cases, %v", p, len(cases), err)
				}
			}
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb}
			fs := newFlagSet(e, "conformance "+tt.name, "")
			addSuiteFlags(fs, tt.ex)
			if u := fs.Lookup("run").Usage; !strings.Contains(u, "("+tt.ex.globs+")") || !strings.Contains(u, "("+tt.ex.regexp+")") {
				t.Errorf("--run's help %q does not show the examples %+v", u, tt.ex)
			}
		})
	}
}
