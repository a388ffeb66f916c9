package sip2server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// demoConfig is the suite's configuration for the sip2mem demo library
// (see sip2mem's package documentation): P0001 may borrow, I0001 is on the
// shelf, I0012 is held for P0007, P0003 is blocked.
func demoConfig(addr string) Config {
	return Config{
		Addr:          addr,
		User:          sip2mem.DemoUser,
		Password:      sip2mem.DemoPassword,
		Institution:   sip2mem.DemoInstitution,
		Location:      sip2mem.DemoBranch,
		Patron:        "P0001",
		PIN:           "1234",
		Item:          "I0001",
		HoldItem:      "I0012",
		BlockedPatron: "P0003",
		Timeout:       2 * time.Second,
		Idle:          150 * time.Millisecond,
	}
}

// runSuite runs every case (or those pattern selects) with the project's
// Runner and a short per-case limit.
func runSuite(t *testing.T, cfg Config, pattern string) *conformance.Report {
	t.Helper()
	r := &conformance.Runner{Run: pattern, Timeout: 5 * time.Second}
	return r.Execute(context.Background(), New(cfg), cfg.Addr)
}

// describe renders the non-passing results with their evidence, for a
// test failure message.
func describe(rep *conformance.Report, only func(conformance.Result) bool) string {
	var b strings.Builder
	for _, res := range rep.Results {
		if !only(res) {
			continue
		}
		b.WriteString("\n" + res.Case.ID + " [" + string(res.Case.Level) + "] " + string(res.Verdict) + ": " + res.Message)
		for _, e := range res.Evidence {
			b.WriteString("\n    " + string(e.Dir) + " " + strings.ReplaceAll(e.Data, "\r", `\r`))
		}
	}
	return b.String()
}

func TestReferencePasses(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	rep := runSuite(t, demoConfig(srv.Addr), "")
	if !rep.Passed() {
		t.Fatalf("the reference ACS does not pass:%s", describe(rep, func(r conformance.Result) bool {
			return r.Case.Level == conformance.Must && r.Verdict != conformance.Pass
		}))
	}
	if d := describe(rep, func(r conformance.Result) bool { return r.Verdict != conformance.Pass }); d != "" {
		t.Logf("not passed:%s", d)
	}
	t.Logf("counts %v in %v", rep.Counts(), rep.Elapsed)
	_ = sip2.CmdLogin
}
