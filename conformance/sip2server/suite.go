// Package sip2server is the conformance suite for SIP2 servers: it plays
// the SC (a self-check or locker) against an ILS's ACS and grades what the
// ACS answers, in four tiers plus dialect notes:
//
//  1. framing: login, checksums, AY echo, CR terminators, order (framing.go)
//  2. grammar: the fixed part and the fields of every response the ACS
//     says it supports in BX, one file per message (checkout_11.go, ...)
//  3. semantics: a checkout really charges the item and a checkin
//     returns it, PINs are checked, unknown and blocked patrons are
//     refused, a checkin traps a held item (semantics_*.go)
//  4. robustness: 96 for a bad checksum, 97 answered, sequence numbers
//     wrapping, a duplicated checkout not executed twice, long fields,
//     idle connections (robustness.go, resend.go, duplicate.go)
//
// and a profile group (dialect.go) that reports, as notes, where the ACS
// behaves like one of the known ILS dialects (Koha, Evergreen, FOLIO,
// Sierra, Polaris, Symphony) rather than failing it.
//
// Cases talk raw bytes over their own connection (wire.go), so that they
// can send malformed messages and see the exact bytes that come back; they
// use package sip2's encoder and decoder to build and read messages. Every
// exchange is recorded as evidence with PINs and passwords masked.
//
// The suite changes the library's data as little as it can and restores
// what it changes: an item it checks out is checked in again, a hold it
// places is cancelled. What it cannot undo is said in the case's
// requirement (a checkin of HoldItem traps it for its hold, as a staff
// checkin would). It can therefore be run again and again against a test
// account of a real ILS.
package sip2server

import (
	"context"
	"fmt"

	"github.com/lockergate/lockergate/conformance"
)

// Version is the suite's version, printed on certificates. It changes
// whenever a case is added, removed or made stricter.
const Version = "1.0.0"

// groupSources cite, for the cases of each group that name no source of
// their own, the sections of the SIP2 2.00 specification they check and
// where sip2.md cross-checks them against real ILSs. The spec is cited by
// section title: it has no numbered sections.
var groupSources = map[string]string{
	"framing":          "3M SIP2 2.00, Standard Protocol Rules (message format, error detection); sip2.md §1, §1.1, §1.2",
	"login-93":         "3M SIP2 2.00 §Login, §Login Response; sip2.md §2.2, §2.3",
	"status-99":        "3M SIP2 2.00 §SC Status, §ACS Status; sip2.md §2.2, §2.3, §2.5 (BX)",
	"patron-status-23": "3M SIP2 2.00 §Patron Status Request, §Patron Status Response; sip2.md §2.2, §2.3",
	"patron-info-63":   "3M SIP2 2.00 §Patron Information, §Patron Information Response; sip2.md §2.2, §2.3, §2.5 (summary)",
	"checkout-11":      "3M SIP2 2.00 §Checkout, §Checkout Response; sip2.md §2.2, §2.3",
	"checkin-09":       "3M SIP2 2.00 §Checkin, §Checkin Response; 3M SIP Extensions (CV); sip2.md §2.2, §2.3, §3",
	"item-info-17":     "3M SIP2 2.00 §Item Information, §Item Information Response; sip2.md §2.2, §2.3, §2.5 (circulation status)",
	"item-status-19":   "3M SIP2 2.00 §Item Status Update, §Item Status Update Response; sip2.md §2.2, §2.3",
	"hold-15":          "3M SIP2 2.00 §Hold, §Hold Response; sip2.md §2.2, §2.3, §2.5 (hold mode)",
	"renew-29":         "3M SIP2 2.00 §Renew, §Renew Response; sip2.md §2.2, §2.3",
	"renew-all-65":     "3M SIP2 2.00 §Renew All, §Renew All Response; sip2.md §2.2, §2.3",
	"end-session-35":   "3M SIP2 2.00 §End Patron Session, §End Session Response; sip2.md §2.2, §2.3",
	"fee-paid-37":      "3M SIP2 2.00 §Fee Paid, §Fee Paid Response; sip2.md §2.2, §2.3",
	"patron-enable-25": "3M SIP2 2.00 §Patron Enable, §Patron Enable Response; sip2.md §2.2, §2.3",
	"semantics":        "3M SIP2 2.00 §Checkout Response, §Checkin Response, §Item Information Response, §Patron Status Response (ok, alert, circulation status, BL, CQ, patron status); sip2.md §2.5, §4",
	"robustness":       "3M SIP2 2.00, Standard Protocol Rules (error detection, field lengths), §Request SC Resend, §Request ACS Resend; sip2.md §1, §1.2, §6",
}

// New returns the suite for the ACS cfg describes. Cases read cfg when
// they run; New does not validate it (Config.Validate does), and a case
// whose fixture is missing ends in verdict Error.
func New(cfg Config) *conformance.Suite {
	c := &cfg
	b := &builder{cfg: c}
	framing(b)
	login93(b)
	status99(b)
	patronStatus23(b)
	patronInfo63(b)
	checkout11(b)
	checkin09(b)
	itemInfo17(b)
	itemStatus19(b)
	hold15(b)
	renew29(b)
	renewAll65(b)
	endSession35(b)
	feePaid37(b)
	patronEnable25(b)
	semanticsCirculation(b)
	semanticsPatron(b)
	semanticsHolds(b)
	robustness(b)
	resend(b)
	duplicate(b)
	dialect(b)
	return &conformance.Suite{
		Name:    "sip2-server",
		Title:   "SIP2 server (ACS) conformance",
		Version: Version,
		Description: "Grades a library system's SIP2 2.00 server as a self-check or locker sees it: " +
			"framing and checksums, the grammar of every response, circulation semantics, " +
			"robustness, and the ILS dialect it follows.",
		// Evidence is masked field by field as it is recorded; a broken
		// ACS may still echo a PIN or password anywhere (a screen
		// message, a failure quoting its bytes).
		Redact: c.scrub,
		Groups: b.groups,
	}
}

// builder collects the groups; each file adds its own.
type builder struct {
	cfg    *Config
	groups []*conformance.Group
	byKey  map[string]*conformance.Group
}

// group returns the group key, creating it (in suite order) on first use,
// so that several files can add cases to one group.
func (b *builder) group(key, title string) *groupBuilder {
	if b.byKey == nil {
		b.byKey = map[string]*conformance.Group{}
	}
	g := b.byKey[key]
	if g == nil {
		g = &conformance.Group{Key: key, Title: title}
		b.byKey[key] = g
		b.groups = append(b.groups, g)
	}
	return &groupBuilder{g: g, cfg: b.cfg, source: groupSources[key]}
}

type groupBuilder struct {
	g      *conformance.Group
	cfg    *Config
	source string // for cases without a Source of their own
}

// add appends c with the next ID of the group.
func (gb *groupBuilder) add(c *conformance.Case) {
	c.ID = fmt.Sprintf("%s/%d", gb.g.Key, len(gb.g.Cases)+1)
	if c.Source == "" {
		c.Source = gb.source
	}
	run, cfg := c.Run, gb.cfg
	c.Run = func(ctx context.Context, t *conformance.T) error {
		// A configuration the suite cannot run with makes every case an
		// error (not a failure of the ACS).
		if err := cfg.Validate(); err != nil {
			return err
		}
		return run(ctx, t)
	}
	gb.g.Cases = append(gb.g.Cases, c)
}
