package sip2

// PatronStatus is the 14-character patron status of messages 24, 26 and
// 64: bit i is set when position i is "Y" (privilege denied / condition
// true).
type PatronStatus uint16

// Patron status positions, in wire order.
const (
	PatronChargePrivilegesDenied PatronStatus = 1 << iota
	PatronRenewalPrivilegesDenied
	PatronRecallPrivilegesDenied
	PatronHoldPrivilegesDenied
	PatronCardReportedLost
	PatronTooManyItemsCharged
	PatronTooManyItemsOverdue
	PatronTooManyRenewals
	PatronTooManyClaimsOfItemsReturned
	PatronTooManyItemsLost
	PatronExcessiveOutstandingFines
	PatronExcessiveOutstandingFees
	PatronRecallOverdue
	PatronTooManyItemsBilled
)

// Has reports whether every flag in f is set.
func (s PatronStatus) Has(f PatronStatus) bool { return s&f == f }

// String returns the 14-character wire form ("Y" or space per position).
func (s PatronStatus) String() string { return string(appendFlags(nil, uint32(s), 14, ' ')) }

// Summary is the 10-character summary of message 63: the position of the
// "Y" selects which item list the ACS returns in message 64.
type Summary uint16

// Summary positions, in wire order.
const (
	SummaryHoldItems Summary = 1 << iota
	SummaryOverdueItems
	SummaryChargedItems
	SummaryFineItems
	SummaryRecallItems
	SummaryUnavailableHolds
)

// Has reports whether every flag in f is set.
func (s Summary) Has(f Summary) bool { return s&f == f }

// String returns the 10-character wire form.
func (s Summary) String() string { return string(appendFlags(nil, uint32(s), 10, ' ')) }

// SupportedMessages is the 16-character BX field of message 98: which
// requests the ACS handles.
type SupportedMessages uint16

// Supported message positions, in wire order.
const (
	SupportsPatronStatus SupportedMessages = 1 << iota
	SupportsCheckout
	SupportsCheckin
	SupportsBlockPatron
	SupportsSCStatus
	SupportsResend
	SupportsLogin
	SupportsPatronInformation
	SupportsEndPatronSession
	SupportsFeePaid
	SupportsItemInformation
	SupportsItemStatusUpdate
	SupportsPatronEnable
	SupportsHold
	SupportsRenew
	SupportsRenewAll
)

// Has reports whether every flag in f is set.
func (s SupportedMessages) Has(f SupportedMessages) bool { return s&f == f }

// String returns the 16-character wire form ("Y" or "N" per position).
func (s SupportedMessages) String() string { return string(appendFlags(nil, uint32(s), 16, 'N')) }

var supportsByCommand = map[Command]SupportedMessages{
	CmdPatronStatus: SupportsPatronStatus, CmdCheckout: SupportsCheckout, CmdCheckin: SupportsCheckin,
	CmdBlockPatron: SupportsBlockPatron, CmdSCStatus: SupportsSCStatus, CmdRequestACSResend: SupportsResend,
	CmdLogin: SupportsLogin, CmdPatronInformation: SupportsPatronInformation, CmdEndPatronSession: SupportsEndPatronSession,
	CmdFeePaid: SupportsFeePaid, CmdItemInformation: SupportsItemInformation, CmdItemStatusUpdate: SupportsItemStatusUpdate,
	CmdPatronEnable: SupportsPatronEnable, CmdHold: SupportsHold, CmdRenew: SupportsRenew, CmdRenewAll: SupportsRenewAll,
}

// SupportFor returns the BX flag for a request command, and false for
// commands that have none (responses, unknown codes).
func SupportFor(c Command) (SupportedMessages, bool) {
	s, ok := supportsByCommand[c]
	return s, ok
}

func (w *fieldWriter) flag(id string, f Flag) {
	switch f {
	case FlagYes:
		w.add(id, "Y")
	case FlagNo:
		w.add(id, "N")
	}
}

func (w *fieldWriter) time(id string, t Time) {
	if !t.IsZero() || t.text != "" {
		w.add(id, t.String())
	}
}

// flags writes an n-position Y/N field (BX supported messages).
func (w *fieldWriter) flags(id string, v uint32, n int) {
	var b [32]byte
	w.add(id, string(appendFlags(b[:0], v, n, 'N')))
}
