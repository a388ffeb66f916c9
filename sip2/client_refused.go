package sip2

import "strings"

// RefusedError is an ILS's "no": a response whose ok flag (or valid-patron
// flags) says the request was refused. The typed Client methods return
// such responses without error; the responses' Err methods return a
// *RefusedError so that callers who want to treat a refusal as an error
// can, and can still tell it from a transport failure with errors.As.
type RefusedError struct {
	// Command is the refused request's command (CmdCheckout, CmdLogin...).
	Command Command
	// Reason is set when the refusal is read from flags rather than an ok
	// field: "unknown patron", "wrong patron password".
	Reason string
	// ScreenMessage holds the ACS's AF texts, the reason a device would
	// show. They come from the ILS and are shown as sent.
	ScreenMessage []string
}

// Error names the refused request and gives the ACS's reason.
func (e *RefusedError) Error() string {
	s := "sip2: " + e.Command.String() + " refused by the ACS"
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if msg := strings.Join(e.ScreenMessage, " "); strings.TrimSpace(msg) != "" {
		s += ": " + msg
	}
	return s
}

func refused(ok bool, cmd Command, af []string) error {
	if ok {
		return nil
	}
	return &RefusedError{Command: cmd, ScreenMessage: af}
}

// patronRefused reads BL/CQ: an absent flag is not a refusal, since many
// ACSs omit CQ when no password was sent.
func patronRefused(cmd Command, bl, cq Flag, af []string) error {
	switch {
	case bl == FlagNo:
		return &RefusedError{Command: cmd, Reason: "unknown or invalid patron", ScreenMessage: af}
	case cq == FlagNo:
		return &RefusedError{Command: cmd, Reason: "wrong patron password", ScreenMessage: af}
	}
	return nil
}

// Err returns a *RefusedError if the login was refused, nil otherwise.
func (m *LoginResponse) Err() error { return refused(m.OK, CmdLogin, nil) }

// Err returns a *RefusedError if the checkout was refused, nil otherwise.
func (m *CheckoutResponse) Err() error { return refused(m.OK, CmdCheckout, m.ScreenMessage) }

// Err returns a *RefusedError if the checkin was refused, nil otherwise.
func (m *CheckinResponse) Err() error { return refused(m.OK, CmdCheckin, m.ScreenMessage) }

// Err returns a *RefusedError if the renewal was refused, nil otherwise.
func (m *RenewResponse) Err() error { return refused(m.OK, CmdRenew, m.ScreenMessage) }

// Err returns a *RefusedError if the ACS refused to renew anything, nil
// otherwise (a partial renewal is not a refusal: see UnrenewedItems).
func (m *RenewAllResponse) Err() error { return refused(m.OK, CmdRenewAll, m.ScreenMessage) }

// Err returns a *RefusedError if the hold request was refused.
func (m *HoldResponse) Err() error { return refused(m.OK, CmdHold, m.ScreenMessage) }

// Err returns a *RefusedError if the payment was not accepted.
func (m *FeePaidResponse) Err() error { return refused(m.PaymentAccepted, CmdFeePaid, m.ScreenMessage) }

// Err returns a *RefusedError if the ACS did not end the session.
func (m *EndPatronSessionResponse) Err() error {
	return refused(m.EndSession, CmdEndPatronSession, m.ScreenMessage)
}

// Err returns a *RefusedError if the item properties were not accepted.
func (m *ItemStatusUpdateResponse) Err() error {
	return refused(m.ItemPropertiesOK, CmdItemStatusUpdate, m.ScreenMessage)
}

// Err returns a *RefusedError if the patron is not valid (BL "N") or the
// patron password is wrong (CQ "N"). Blocks in PatronStatus are not
// refusals: the patron exists and authenticated.
func (m *PatronStatusResponse) Err() error {
	return patronRefused(CmdPatronStatus, m.ValidPatron, m.ValidPatronPassword, m.ScreenMessage)
}

// Err is as PatronStatusResponse.Err.
func (m *PatronInformationResponse) Err() error {
	return patronRefused(CmdPatronInformation, m.ValidPatron, m.ValidPatronPassword, m.ScreenMessage)
}

// Err is as PatronStatusResponse.Err.
func (m *PatronEnableResponse) Err() error {
	return patronRefused(CmdPatronEnable, m.ValidPatron, m.ValidPatronPassword, m.ScreenMessage)
}
