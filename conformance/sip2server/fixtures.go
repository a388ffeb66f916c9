package sip2server

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// Requests, built from the configuration. The suite sends no block "N"
// (the ACS decides), an empty nb due date, and the configured terminal
// password in AC.

// unknownID is a patron and item identifier no library has.
const unknownID = "LGCONF-NO-SUCH-ID-0"

func (c *Config) loginReq(user, password string) *sip2.LoginRequest {
	return &sip2.LoginRequest{UIDAlgorithm: "0", PWDAlgorithm: "0", LoginUserID: user, LoginPassword: password,
		LocationCode: c.Location}
}

// statusReq is SC Status (99): SC OK, a 40-column printer, SIP2 2.00.
func statusReq() *sip2.SCStatusRequest {
	return &sip2.SCStatusRequest{StatusCode: "0", MaxPrintWidth: 40, ProtocolVersion: "2.00"}
}

func (c *Config) patronStatusReq(patron, pin string) *sip2.PatronStatusRequest {
	return &sip2.PatronStatusRequest{Language: "001", TransactionDate: now(), InstitutionID: c.Institution,
		PatronID: patron, TerminalPassword: c.TerminalPassword, PatronPassword: pin}
}

func (c *Config) patronInfoReq(patron, pin string, sum sip2.Summary) *sip2.PatronInformationRequest {
	return &sip2.PatronInformationRequest{Language: "001", TransactionDate: now(), Summary: sum,
		InstitutionID: c.Institution, PatronID: patron, TerminalPassword: c.TerminalPassword, PatronPassword: pin}
}

func (c *Config) checkoutReq(patron, item, pin string, renewalPolicy bool) *sip2.CheckoutRequest {
	return &sip2.CheckoutRequest{SCRenewalPolicy: renewalPolicy, TransactionDate: now(), InstitutionID: c.Institution,
		PatronID: patron, ItemID: item, TerminalPassword: c.TerminalPassword, PatronPassword: pin}
}

func (c *Config) checkinReq(item string) *sip2.CheckinRequest {
	t := now()
	return &sip2.CheckinRequest{TransactionDate: t, ReturnDate: t, CurrentLocation: c.Location,
		InstitutionID: c.Institution, ItemID: item, TerminalPassword: c.TerminalPassword}
}

func (c *Config) itemInfoReq(item string) *sip2.ItemInformationRequest {
	return &sip2.ItemInformationRequest{TransactionDate: now(), InstitutionID: c.Institution, ItemID: item,
		TerminalPassword: c.TerminalPassword}
}

func (c *Config) renewReq(patron, item, pin string) *sip2.RenewRequest {
	return &sip2.RenewRequest{TransactionDate: now(), InstitutionID: c.Institution, PatronID: patron,
		PatronPassword: pin, ItemID: item, TerminalPassword: c.TerminalPassword}
}

// needHoldItem and needBlocked skip a case that needs optional library
// data the configuration does not name.
func (c *Config) needHoldItem() error {
	if c.HoldItem == "" {
		return conformance.Skipf("no hold item configured (--hold-item)")
	}
	return nil
}

func (c *Config) needBlocked() error {
	if c.BlockedPatron == "" {
		return conformance.Skipf("no blocked patron configured (--blocked-patron)")
	}
	return nil
}

// charged reports whether a circulation status means "on loan".
func charged(status string) bool { return status == "04" || status == "05" }

// itemState reads an item's circulation status with 17.
func itemState(ctx context.Context, w *wire, item string) (*sip2.ItemInformationResponse, error) {
	ii, _, err := call[*sip2.ItemInformationResponse](ctx, w, w.cfg.itemInfoReq(item))
	return ii, err
}

// chargedTo lists the items a patron has on loan, with 63 asking for the
// charged items.
func chargedTo(ctx context.Context, w *wire, patron, pin string) (*sip2.PatronInformationResponse, error) {
	pi, _, err := call[*sip2.PatronInformationResponse](ctx, w, w.cfg.patronInfoReq(patron, pin, sip2.SummaryChargedItems))
	return pi, err
}

// ensureAvailable checks item in first when 17 says it is on loan, for
// example after an earlier run was interrupted between its checkout and
// its checkin. Any failure is a setup error.
func ensureAvailable(ctx context.Context, t *conformance.T, w *wire, item string) error {
	if err := w.need(ctx, sip2.CmdItemInformation, sip2.CmdCheckin); err != nil {
		return err
	}
	ii, err := itemState(ctx, w, item)
	if err != nil {
		return fmt.Errorf("setup: item information for %s: %v", item, err)
	}
	if !charged(ii.CirculationStatus) {
		return nil
	}
	t.Notef("setup: item %s is on loan (status %s); checking it in first", item, ii.CirculationStatus)
	ci, _, err := call[*sip2.CheckinResponse](ctx, w, w.cfg.checkinReq(item))
	if err != nil {
		return fmt.Errorf("setup: checking in %s: %v", item, err)
	}
	if !ci.OK {
		return fmt.Errorf("setup: item %s is on loan and the ACS refused to check it in: %s", item, strings.Join(ci.ScreenMessage, " "))
	}
	// The checkin said ok: the item must now be off loan. If it is not,
	// that is the ACS's failure, whichever case noticed it.
	ii, err = itemState(ctx, w, item)
	if err != nil {
		return fmt.Errorf("setup: item information for %s: %v", item, err)
	}
	if charged(ii.CirculationStatus) {
		return conformance.Failf("the item off loan after a checkin answered ok 1", "status %s", ii.CirculationStatus)
	}
	return nil
}

// restore checks item in on a fresh connection, so that the library is
// left as it was found even when the case's connection is broken or its
// time is up. It reports problems as notes only: the case's verdict is
// already decided.
func restore(ctx context.Context, cfg *Config, t *conformance.T, item string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*cfg.timeout())
	defer cancel()
	t.Notef("cleanup: checking %s in again, to leave the library as it was", item)
	w, err := open(ctx, cfg, t)
	if err != nil {
		t.Notef("cleanup failed: %v", err)
		return
	}
	defer w.close()
	ci, _, err := call[*sip2.CheckinResponse](ctx, w, cfg.checkinReq(item))
	switch {
	case err != nil:
		t.Notef("cleanup failed: %v", err)
	case !ci.OK:
		t.Notef("cleanup: the checkin was refused: %s", strings.Join(ci.ScreenMessage, " "))
	}
}

// checkoutItem checks cfg.Item out to cfg.Patron, which the fixture
// promises is possible; a refusal is a setup error naming the ACS's reason.
// Checking the item in again is the caller's (withLoan does it).
func checkoutItem(ctx context.Context, t *conformance.T, w *wire, renewalPolicy bool) (*sip2.CheckoutResponse, *reply, error) {
	cfg := w.cfg
	co, r, err := call[*sip2.CheckoutResponse](ctx, w, cfg.checkoutReq(cfg.Patron, cfg.Item, cfg.PIN, renewalPolicy))
	if err != nil {
		return nil, r, err
	}
	if !co.OK {
		return co, r, fmt.Errorf("setup: the ACS refused to check out %s to %s (is the item available and the patron allowed to borrow?): %s",
			cfg.Item, cfg.Patron, strings.Join(co.ScreenMessage, " "))
	}
	return co, r, nil
}

// listed reports whether id is among the values of a list field. Some
// ILSs append the title to the barcode ("I0001 The Go Programming
// Language"), so a value that starts with id and a space counts.
func listed(list []string, id string) bool {
	return slices.ContainsFunc(list, func(v string) bool {
		return v == id || strings.HasPrefix(v, id+" ")
	})
}

// refusal renders a refused response's screen message for a note.
func refusal(af []string) string {
	if len(af) == 0 {
		return "(no screen message)"
	}
	return fmt.Sprintf("%q", strings.Join(af, " / "))
}
