// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).

package sip2

// CheckoutRequest is message 11, sent by the SC to check out an item to a patron.
type CheckoutRequest struct {
	SCRenewalPolicy  bool   // fixed: SC renewal policy
	NoBlock          bool   // fixed: no block
	TransactionDate  Time   // fixed: transaction date
	NBDueDate        Time   // fixed: nb due date
	InstitutionID    string // AO
	PatronID         string // AA
	ItemID           string // AB
	TerminalPassword string // AC
	ItemProperties   string // CH, optional
	PatronPassword   string // AD, optional
	FeeAcknowledged  Flag   // BO, optional Y/N
	Cancel           Flag   // BI, optional Y/N
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdCheckout.
func (*CheckoutRequest) Command() Command { return CmdCheckout }

func (m *CheckoutRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *CheckoutRequest) String() string { return maskMessage(m) }

func (m *CheckoutRequest) decodeFixed(r *fixedReader) {
	m.SCRenewalPolicy = r.flag("SC renewal policy")
	m.NoBlock = r.flag("no block")
	m.TransactionDate = r.time("transaction date")
	m.NBDueDate = r.time("nb due date")
}

func (m *CheckoutRequest) appendFixed(w *fixedWriter) {
	w.flag(m.SCRenewalPolicy)
	w.flag(m.NoBlock)
	w.time(m.TransactionDate)
	w.time(m.NBDueDate)
}

func (m *CheckoutRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AB":
		m.ItemID = v
	case "AC":
		m.TerminalPassword = v
	case "CH":
		m.ItemProperties = v
	case "AD":
		m.PatronPassword = v
	case "BO":
		m.FeeAcknowledged = r.flag(id, v)
	case "BI":
		m.Cancel = r.flag(id, v)
	default:
		return false
	}
	return true
}

func (m *CheckoutRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AB", m.ItemID)
	w.add("AC", m.TerminalPassword)
	w.opt("CH", m.ItemProperties)
	w.opt("AD", m.PatronPassword)
	w.flag("BO", m.FeeAcknowledged)
	w.flag("BI", m.Cancel)
}

// CheckoutResponse is message 12, the ACS's answer to CheckoutRequest. A refusal is OK == false with reasons in ScreenMessage.
type CheckoutResponse struct {
	OK              bool     // fixed: ok
	RenewalOK       bool     // fixed: renewal ok
	MagneticMedia   Ternary  // fixed: magnetic media
	Desensitize     Ternary  // fixed: desensitize
	TransactionDate Time     // fixed: transaction date
	InstitutionID   string   // AO
	PatronID        string   // AA
	ItemID          string   // AB
	TitleID         string   // AJ
	DueDate         string   // AH
	FeeType         string   // BT, optional
	SecurityInhibit Flag     // CI, optional Y/N
	CurrencyType    string   // BH, optional
	FeeAmount       string   // BV, optional
	MediaType       string   // CK, optional
	ItemProperties  string   // CH, optional
	TransactionID   string   // BK, optional
	ScreenMessage   []string // AF, repeatable
	PrintLine       []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdCheckoutResponse.
func (*CheckoutResponse) Command() Command { return CmdCheckoutResponse }

func (m *CheckoutResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *CheckoutResponse) String() string { return maskMessage(m) }

func (m *CheckoutResponse) decodeFixed(r *fixedReader) {
	m.OK = r.flag("ok")
	m.RenewalOK = r.flag("renewal ok")
	m.MagneticMedia = r.ternary("magnetic media")
	m.Desensitize = r.ternary("desensitize")
	m.TransactionDate = r.time("transaction date")
}

func (m *CheckoutResponse) appendFixed(w *fixedWriter) {
	w.ok(m.OK)
	w.flag(m.RenewalOK)
	w.ternary(m.MagneticMedia)
	w.ternary(m.Desensitize)
	w.time(m.TransactionDate)
}

func (m *CheckoutResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "AH":
		m.DueDate = v
	case "BT":
		m.FeeType = v
	case "CI":
		m.SecurityInhibit = r.flag(id, v)
	case "BH":
		m.CurrencyType = v
	case "BV":
		m.FeeAmount = v
	case "CK":
		m.MediaType = v
	case "CH":
		m.ItemProperties = v
	case "BK":
		m.TransactionID = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *CheckoutResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AB", m.ItemID)
	w.add("AJ", m.TitleID)
	w.add("AH", m.DueDate)
	w.opt("BT", m.FeeType)
	w.flag("CI", m.SecurityInhibit)
	w.opt("BH", m.CurrencyType)
	w.opt("BV", m.FeeAmount)
	w.opt("CK", m.MediaType)
	w.opt("CH", m.ItemProperties)
	w.opt("BK", m.TransactionID)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// CheckinRequest is message 09, sent by the SC to check in (return) an item.
type CheckinRequest struct {
	NoBlock          bool   // fixed: no block
	TransactionDate  Time   // fixed: transaction date
	ReturnDate       Time   // fixed: return date
	CurrentLocation  string // AP
	InstitutionID    string // AO
	ItemID           string // AB
	TerminalPassword string // AC
	ItemProperties   string // CH, optional
	Cancel           Flag   // BI, optional Y/N
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdCheckin.
func (*CheckinRequest) Command() Command { return CmdCheckin }

func (m *CheckinRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *CheckinRequest) String() string { return maskMessage(m) }

func (m *CheckinRequest) decodeFixed(r *fixedReader) {
	m.NoBlock = r.flag("no block")
	m.TransactionDate = r.time("transaction date")
	m.ReturnDate = r.time("return date")
}

func (m *CheckinRequest) appendFixed(w *fixedWriter) {
	w.flag(m.NoBlock)
	w.time(m.TransactionDate)
	w.time(m.ReturnDate)
}

func (m *CheckinRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AP":
		m.CurrentLocation = v
	case "AO":
		m.InstitutionID = v
	case "AB":
		m.ItemID = v
	case "AC":
		m.TerminalPassword = v
	case "CH":
		m.ItemProperties = v
	case "BI":
		m.Cancel = r.flag(id, v)
	default:
		return false
	}
	return true
}

func (m *CheckinRequest) encodeFields(w *fieldWriter) {
	w.add("AP", m.CurrentLocation)
	w.add("AO", m.InstitutionID)
	w.add("AB", m.ItemID)
	w.add("AC", m.TerminalPassword)
	w.opt("CH", m.ItemProperties)
	w.flag("BI", m.Cancel)
}

// CheckinResponse is message 10, the ACS's answer to CheckinRequest, including the 3M sorting extensions (CR, CS, CT, CV, CY, DA) lockers and sorters route by.
type CheckinResponse struct {
	OK                  bool     // fixed: ok
	Resensitize         bool     // fixed: resensitize
	MagneticMedia       Ternary  // fixed: magnetic media
	Alert               bool     // fixed: alert
	TransactionDate     Time     // fixed: transaction date
	InstitutionID       string   // AO
	ItemID              string   // AB
	PermanentLocation   string   // AQ
	TitleID             string   // AJ, optional
	SortBin             string   // CL, optional
	PatronID            string   // AA, optional
	MediaType           string   // CK, optional
	ItemProperties      string   // CH, optional
	CollectionCode      string   // CR, optional
	CallNumber          string   // CS, optional
	DestinationLocation string   // CT, optional
	AlertType           string   // CV, optional
	HoldPatronID        string   // CY, optional
	HoldPatronName      string   // DA, optional
	ScreenMessage       []string // AF, repeatable
	PrintLine           []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdCheckinResponse.
func (*CheckinResponse) Command() Command { return CmdCheckinResponse }

func (m *CheckinResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *CheckinResponse) String() string { return maskMessage(m) }

func (m *CheckinResponse) decodeFixed(r *fixedReader) {
	m.OK = r.flag("ok")
	m.Resensitize = r.flag("resensitize")
	m.MagneticMedia = r.ternary("magnetic media")
	m.Alert = r.flag("alert")
	m.TransactionDate = r.time("transaction date")
}

func (m *CheckinResponse) appendFixed(w *fixedWriter) {
	w.ok(m.OK)
	w.flag(m.Resensitize)
	w.ternary(m.MagneticMedia)
	w.flag(m.Alert)
	w.time(m.TransactionDate)
}

func (m *CheckinResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AB":
		m.ItemID = v
	case "AQ":
		m.PermanentLocation = v
	case "AJ":
		m.TitleID = v
	case "CL":
		m.SortBin = v
	case "AA":
		m.PatronID = v
	case "CK":
		m.MediaType = v
	case "CH":
		m.ItemProperties = v
	case "CR":
		m.CollectionCode = v
	case "CS":
		m.CallNumber = v
	case "CT":
		m.DestinationLocation = v
	case "CV":
		m.AlertType = v
	case "CY":
		m.HoldPatronID = v
	case "DA":
		m.HoldPatronName = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *CheckinResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AB", m.ItemID)
	w.add("AQ", m.PermanentLocation)
	w.opt("AJ", m.TitleID)
	w.opt("CL", m.SortBin)
	w.opt("AA", m.PatronID)
	w.opt("CK", m.MediaType)
	w.opt("CH", m.ItemProperties)
	w.opt("CR", m.CollectionCode)
	w.opt("CS", m.CallNumber)
	w.opt("CT", m.DestinationLocation)
	w.opt("CV", m.AlertType)
	w.opt("CY", m.HoldPatronID)
	w.opt("DA", m.HoldPatronName)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// HoldRequest is message 15, asking the ACS to add ("+"), delete ("-") or change ("*") a hold.
type HoldRequest struct {
	HoldMode         string // fixed, 1 chars: hold mode (empty means "+")
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	PatronID         string // AA
	ExpirationDate   Time   // BW, optional date
	PickupLocation   string // BS, optional
	HoldType         string // BY, optional
	PatronPassword   string // AD, optional
	ItemID           string // AB, optional
	TitleID          string // AJ, optional
	TerminalPassword string // AC, optional
	FeeAcknowledged  Flag   // BO, optional Y/N
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdHold.
func (*HoldRequest) Command() Command { return CmdHold }

func (m *HoldRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *HoldRequest) String() string { return maskMessage(m) }

func (m *HoldRequest) decodeFixed(r *fixedReader) {
	m.HoldMode = r.str("hold mode", 1)
	m.TransactionDate = r.time("transaction date")
}

func (m *HoldRequest) appendFixed(w *fixedWriter) {
	w.str("hold mode", m.HoldMode, 1, "+")
	w.time(m.TransactionDate)
}

func (m *HoldRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "BW":
		m.ExpirationDate = r.time(id, v)
	case "BS":
		m.PickupLocation = v
	case "BY":
		m.HoldType = v
	case "AD":
		m.PatronPassword = v
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "AC":
		m.TerminalPassword = v
	case "BO":
		m.FeeAcknowledged = r.flag(id, v)
	default:
		return false
	}
	return true
}

func (m *HoldRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.time("BW", m.ExpirationDate)
	w.opt("BS", m.PickupLocation)
	w.opt("BY", m.HoldType)
	w.opt("AD", m.PatronPassword)
	w.opt("AB", m.ItemID)
	w.opt("AJ", m.TitleID)
	w.opt("AC", m.TerminalPassword)
	w.flag("BO", m.FeeAcknowledged)
}

// HoldResponse is message 16, the ACS's answer to HoldRequest.
type HoldResponse struct {
	OK              bool     // fixed: ok
	Available       bool     // fixed: available
	TransactionDate Time     // fixed: transaction date
	InstitutionID   string   // AO
	PatronID        string   // AA
	ExpirationDate  Time     // BW, optional date
	QueuePosition   string   // BR, optional
	PickupLocation  string   // BS, optional
	ItemID          string   // AB, optional
	TitleID         string   // AJ, optional
	ScreenMessage   []string // AF, repeatable
	PrintLine       []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdHoldResponse.
func (*HoldResponse) Command() Command { return CmdHoldResponse }

func (m *HoldResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *HoldResponse) String() string { return maskMessage(m) }

func (m *HoldResponse) decodeFixed(r *fixedReader) {
	m.OK = r.flag("ok")
	m.Available = r.flag("available")
	m.TransactionDate = r.time("transaction date")
}

func (m *HoldResponse) appendFixed(w *fixedWriter) {
	w.ok(m.OK)
	w.flag(m.Available)
	w.time(m.TransactionDate)
}

func (m *HoldResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "BW":
		m.ExpirationDate = r.time(id, v)
	case "BR":
		m.QueuePosition = v
	case "BS":
		m.PickupLocation = v
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *HoldResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.time("BW", m.ExpirationDate)
	w.opt("BR", m.QueuePosition)
	w.opt("BS", m.PickupLocation)
	w.opt("AB", m.ItemID)
	w.opt("AJ", m.TitleID)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// RenewRequest is message 29, asking the ACS to renew one item.
type RenewRequest struct {
	ThirdPartyAllowed bool   // fixed: third party allowed
	NoBlock           bool   // fixed: no block
	TransactionDate   Time   // fixed: transaction date
	NBDueDate         Time   // fixed: nb due date
	InstitutionID     string // AO
	PatronID          string // AA
	PatronPassword    string // AD, optional
	ItemID            string // AB, optional
	TitleID           string // AJ, optional
	TerminalPassword  string // AC, optional
	ItemProperties    string // CH, optional
	FeeAcknowledged   Flag   // BO, optional Y/N
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdRenew.
func (*RenewRequest) Command() Command { return CmdRenew }

func (m *RenewRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *RenewRequest) String() string { return maskMessage(m) }

func (m *RenewRequest) decodeFixed(r *fixedReader) {
	m.ThirdPartyAllowed = r.flag("third party allowed")
	m.NoBlock = r.flag("no block")
	m.TransactionDate = r.time("transaction date")
	m.NBDueDate = r.time("nb due date")
}

func (m *RenewRequest) appendFixed(w *fixedWriter) {
	w.flag(m.ThirdPartyAllowed)
	w.flag(m.NoBlock)
	w.time(m.TransactionDate)
	w.time(m.NBDueDate)
}

func (m *RenewRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AD":
		m.PatronPassword = v
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "AC":
		m.TerminalPassword = v
	case "CH":
		m.ItemProperties = v
	case "BO":
		m.FeeAcknowledged = r.flag(id, v)
	default:
		return false
	}
	return true
}

func (m *RenewRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.opt("AD", m.PatronPassword)
	w.opt("AB", m.ItemID)
	w.opt("AJ", m.TitleID)
	w.opt("AC", m.TerminalPassword)
	w.opt("CH", m.ItemProperties)
	w.flag("BO", m.FeeAcknowledged)
}

// RenewResponse is message 30, the ACS's answer to RenewRequest; its layout is that of CheckoutResponse.
type RenewResponse struct {
	OK              bool     // fixed: ok
	RenewalOK       bool     // fixed: renewal ok
	MagneticMedia   Ternary  // fixed: magnetic media
	Desensitize     Ternary  // fixed: desensitize
	TransactionDate Time     // fixed: transaction date
	InstitutionID   string   // AO
	PatronID        string   // AA
	ItemID          string   // AB
	TitleID         string   // AJ
	DueDate         string   // AH
	FeeType         string   // BT, optional
	SecurityInhibit Flag     // CI, optional Y/N
	CurrencyType    string   // BH, optional
	FeeAmount       string   // BV, optional
	MediaType       string   // CK, optional
	ItemProperties  string   // CH, optional
	TransactionID   string   // BK, optional
	ScreenMessage   []string // AF, repeatable
	PrintLine       []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdRenewResponse.
func (*RenewResponse) Command() Command { return CmdRenewResponse }

func (m *RenewResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *RenewResponse) String() string { return maskMessage(m) }

func (m *RenewResponse) decodeFixed(r *fixedReader) {
	m.OK = r.flag("ok")
	m.RenewalOK = r.flag("renewal ok")
	m.MagneticMedia = r.ternary("magnetic media")
	m.Desensitize = r.ternary("desensitize")
	m.TransactionDate = r.time("transaction date")
}

func (m *RenewResponse) appendFixed(w *fixedWriter) {
	w.ok(m.OK)
	w.flag(m.RenewalOK)
	w.ternary(m.MagneticMedia)
	w.ternary(m.Desensitize)
	w.time(m.TransactionDate)
}

func (m *RenewResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "AH":
		m.DueDate = v
	case "BT":
		m.FeeType = v
	case "CI":
		m.SecurityInhibit = r.flag(id, v)
	case "BH":
		m.CurrencyType = v
	case "BV":
		m.FeeAmount = v
	case "CK":
		m.MediaType = v
	case "CH":
		m.ItemProperties = v
	case "BK":
		m.TransactionID = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *RenewResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AB", m.ItemID)
	w.add("AJ", m.TitleID)
	w.add("AH", m.DueDate)
	w.opt("BT", m.FeeType)
	w.flag("CI", m.SecurityInhibit)
	w.opt("BH", m.CurrencyType)
	w.opt("BV", m.FeeAmount)
	w.opt("CK", m.MediaType)
	w.opt("CH", m.ItemProperties)
	w.opt("BK", m.TransactionID)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// RenewAllRequest is message 65, asking the ACS to renew every item the patron has.
type RenewAllRequest struct {
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	PatronID         string // AA
	PatronPassword   string // AD, optional
	TerminalPassword string // AC, optional
	FeeAcknowledged  Flag   // BO, optional Y/N
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdRenewAll.
func (*RenewAllRequest) Command() Command { return CmdRenewAll }

func (m *RenewAllRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *RenewAllRequest) String() string { return maskMessage(m) }

func (m *RenewAllRequest) decodeFixed(r *fixedReader) {
	m.TransactionDate = r.time("transaction date")
}

func (m *RenewAllRequest) appendFixed(w *fixedWriter) {
	w.time(m.TransactionDate)
}

func (m *RenewAllRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AD":
		m.PatronPassword = v
	case "AC":
		m.TerminalPassword = v
	case "BO":
		m.FeeAcknowledged = r.flag(id, v)
	default:
		return false
	}
	return true
}

func (m *RenewAllRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.opt("AD", m.PatronPassword)
	w.opt("AC", m.TerminalPassword)
	w.flag("BO", m.FeeAcknowledged)
}

// RenewAllResponse is message 66, the ACS's answer to RenewAllRequest.
type RenewAllResponse struct {
	OK              bool     // fixed: ok
	RenewedCount    int      // fixed: renewed count
	UnrenewedCount  int      // fixed: unrenewed count
	TransactionDate Time     // fixed: transaction date
	InstitutionID   string   // AO
	RenewedItems    []string // BM, repeatable
	UnrenewedItems  []string // BN, repeatable
	ScreenMessage   []string // AF, repeatable
	PrintLine       []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdRenewAllResponse.
func (*RenewAllResponse) Command() Command { return CmdRenewAllResponse }

func (m *RenewAllResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *RenewAllResponse) String() string { return maskMessage(m) }

func (m *RenewAllResponse) decodeFixed(r *fixedReader) {
	m.OK = r.flag("ok")
	m.RenewedCount = r.count("renewed count", 4)
	m.UnrenewedCount = r.count("unrenewed count", 4)
	m.TransactionDate = r.time("transaction date")
}

func (m *RenewAllResponse) appendFixed(w *fixedWriter) {
	w.ok(m.OK)
	w.count("renewed count", m.RenewedCount, 4)
	w.count("unrenewed count", m.UnrenewedCount, 4)
	w.time(m.TransactionDate)
}

func (m *RenewAllResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "BM":
		m.RenewedItems = append(m.RenewedItems, v)
	case "BN":
		m.UnrenewedItems = append(m.UnrenewedItems, v)
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *RenewAllResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.list("BM", m.RenewedItems)
	w.list("BN", m.UnrenewedItems)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// FeePaidRequest is message 37, telling the ACS a fee was paid at the SC.
type FeePaidRequest struct {
	TransactionDate  Time   // fixed: transaction date
	FeeType          string // fixed, 2 chars: fee type (empty means "01")
	PaymentType      string // fixed, 2 chars: payment type (empty means "00")
	CurrencyType     string // fixed, 3 chars: currency type
	FeeAmount        string // BV
	InstitutionID    string // AO
	PatronID         string // AA
	TerminalPassword string // AC, optional
	PatronPassword   string // AD, optional
	FeeIdentifier    string // CG, optional
	TransactionID    string // BK, optional
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdFeePaid.
func (*FeePaidRequest) Command() Command { return CmdFeePaid }

func (m *FeePaidRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *FeePaidRequest) String() string { return maskMessage(m) }

func (m *FeePaidRequest) decodeFixed(r *fixedReader) {
	m.TransactionDate = r.time("transaction date")
	m.FeeType = r.str("fee type", 2)
	m.PaymentType = r.str("payment type", 2)
	m.CurrencyType = r.str("currency type", 3)
}

func (m *FeePaidRequest) appendFixed(w *fixedWriter) {
	w.time(m.TransactionDate)
	w.str("fee type", m.FeeType, 2, "01")
	w.str("payment type", m.PaymentType, 2, "00")
	w.str("currency type", m.CurrencyType, 3, "")
}

func (m *FeePaidRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "BV":
		m.FeeAmount = v
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AC":
		m.TerminalPassword = v
	case "AD":
		m.PatronPassword = v
	case "CG":
		m.FeeIdentifier = v
	case "BK":
		m.TransactionID = v
	default:
		return false
	}
	return true
}

func (m *FeePaidRequest) encodeFields(w *fieldWriter) {
	w.add("BV", m.FeeAmount)
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.opt("AC", m.TerminalPassword)
	w.opt("AD", m.PatronPassword)
	w.opt("CG", m.FeeIdentifier)
	w.opt("BK", m.TransactionID)
}

// FeePaidResponse is message 38, the ACS's answer to FeePaidRequest.
type FeePaidResponse struct {
	PaymentAccepted bool     // fixed: payment accepted
	TransactionDate Time     // fixed: transaction date
	InstitutionID   string   // AO
	PatronID        string   // AA
	TransactionID   string   // BK, optional
	ScreenMessage   []string // AF, repeatable
	PrintLine       []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdFeePaidResponse.
func (*FeePaidResponse) Command() Command { return CmdFeePaidResponse }

func (m *FeePaidResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *FeePaidResponse) String() string { return maskMessage(m) }

func (m *FeePaidResponse) decodeFixed(r *fixedReader) {
	m.PaymentAccepted = r.flag("payment accepted")
	m.TransactionDate = r.time("transaction date")
}

func (m *FeePaidResponse) appendFixed(w *fixedWriter) {
	w.flag(m.PaymentAccepted)
	w.time(m.TransactionDate)
}

func (m *FeePaidResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "BK":
		m.TransactionID = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *FeePaidResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.opt("BK", m.TransactionID)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}
