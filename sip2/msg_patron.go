// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).

package sip2

// PatronStatusRequest is message 23, asking for a patron's status.
type PatronStatusRequest struct {
	Language         string // fixed, 3 chars: language (empty means "000")
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	PatronID         string // AA
	TerminalPassword string // AC
	PatronPassword   string // AD
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdPatronStatus.
func (*PatronStatusRequest) Command() Command { return CmdPatronStatus }

func (m *PatronStatusRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *PatronStatusRequest) String() string { return maskMessage(m) }

func (m *PatronStatusRequest) decodeFixed(r *fixedReader) {
	m.Language = r.str("language", 3)
	m.TransactionDate = r.time("transaction date")
}

func (m *PatronStatusRequest) appendFixed(w *fixedWriter) {
	w.str("language", m.Language, 3, "000")
	w.time(m.TransactionDate)
}

func (m *PatronStatusRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AC":
		m.TerminalPassword = v
	case "AD":
		m.PatronPassword = v
	default:
		return false
	}
	return true
}

func (m *PatronStatusRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AC", m.TerminalPassword)
	w.add("AD", m.PatronPassword)
}

// PatronStatusResponse is message 24, the ACS's answer to PatronStatusRequest and BlockPatronRequest.
type PatronStatusResponse struct {
	PatronStatus        PatronStatus // fixed: patron status
	Language            string       // fixed, 3 chars: language (empty means "000")
	TransactionDate     Time         // fixed: transaction date
	InstitutionID       string       // AO
	PatronID            string       // AA
	PersonalName        string       // AE
	ValidPatron         Flag         // BL, optional Y/N
	ValidPatronPassword Flag         // CQ, optional Y/N
	CurrencyType        string       // BH, optional
	FeeAmount           string       // BV, optional
	ScreenMessage       []string     // AF, repeatable
	PrintLine           []string     // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdPatronStatusResponse.
func (*PatronStatusResponse) Command() Command { return CmdPatronStatusResponse }

func (m *PatronStatusResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *PatronStatusResponse) String() string { return maskMessage(m) }

func (m *PatronStatusResponse) decodeFixed(r *fixedReader) {
	m.PatronStatus = PatronStatus(r.flags("patron status", 14))
	m.Language = r.str("language", 3)
	m.TransactionDate = r.time("transaction date")
}

func (m *PatronStatusResponse) appendFixed(w *fixedWriter) {
	w.flags(uint32(m.PatronStatus), 14)
	w.str("language", m.Language, 3, "000")
	w.time(m.TransactionDate)
}

func (m *PatronStatusResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AE":
		m.PersonalName = v
	case "BL":
		m.ValidPatron = r.flag(id, v)
	case "CQ":
		m.ValidPatronPassword = r.flag(id, v)
	case "BH":
		m.CurrencyType = v
	case "BV":
		m.FeeAmount = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *PatronStatusResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AE", m.PersonalName)
	w.flag("BL", m.ValidPatron)
	w.flag("CQ", m.ValidPatronPassword)
	w.opt("BH", m.CurrencyType)
	w.opt("BV", m.FeeAmount)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// PatronInformationRequest is message 63, asking for a patron's details and, through Summary, one list of items (holds, overdue, charged, ...).
type PatronInformationRequest struct {
	Language         string  // fixed, 3 chars: language (empty means "000")
	TransactionDate  Time    // fixed: transaction date
	Summary          Summary // fixed: summary
	InstitutionID    string  // AO
	PatronID         string  // AA
	TerminalPassword string  // AC, optional
	PatronPassword   string  // AD, optional
	StartItem        string  // BP, optional
	EndItem          string  // BQ, optional
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdPatronInformation.
func (*PatronInformationRequest) Command() Command { return CmdPatronInformation }

func (m *PatronInformationRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *PatronInformationRequest) String() string { return maskMessage(m) }

func (m *PatronInformationRequest) decodeFixed(r *fixedReader) {
	m.Language = r.str("language", 3)
	m.TransactionDate = r.time("transaction date")
	m.Summary = Summary(r.flags("summary", 10))
}

func (m *PatronInformationRequest) appendFixed(w *fixedWriter) {
	w.str("language", m.Language, 3, "000")
	w.time(m.TransactionDate)
	w.flags(uint32(m.Summary), 10)
}

func (m *PatronInformationRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AC":
		m.TerminalPassword = v
	case "AD":
		m.PatronPassword = v
	case "BP":
		m.StartItem = v
	case "BQ":
		m.EndItem = v
	default:
		return false
	}
	return true
}

func (m *PatronInformationRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.opt("AC", m.TerminalPassword)
	w.opt("AD", m.PatronPassword)
	w.opt("BP", m.StartItem)
	w.opt("BQ", m.EndItem)
}

// PatronInformationResponse is message 64, the ACS's answer to PatronInformationRequest. Counts are -1 when the ACS sent blanks (unknown).
type PatronInformationResponse struct {
	PatronStatus          PatronStatus // fixed: patron status
	Language              string       // fixed, 3 chars: language (empty means "000")
	TransactionDate       Time         // fixed: transaction date
	HoldItemsCount        int          // fixed: hold items count
	OverdueItemsCount     int          // fixed: overdue items count
	ChargedItemsCount     int          // fixed: charged items count
	FineItemsCount        int          // fixed: fine items count
	RecallItemsCount      int          // fixed: recall items count
	UnavailableHoldsCount int          // fixed: unavailable holds count
	InstitutionID         string       // AO
	PatronID              string       // AA
	PersonalName          string       // AE
	HoldItemsLimit        string       // BZ, optional
	OverdueItemsLimit     string       // CA, optional
	ChargedItemsLimit     string       // CB, optional
	ValidPatron           Flag         // BL, optional Y/N
	ValidPatronPassword   Flag         // CQ, optional Y/N
	CurrencyType          string       // BH, optional
	FeeAmount             string       // BV, optional
	FeeLimit              string       // CC, optional
	HoldItems             []string     // AS, repeatable
	OverdueItems          []string     // AT, repeatable
	ChargedItems          []string     // AU, repeatable
	FineItems             []string     // AV, repeatable
	RecallItems           []string     // BU, repeatable
	UnavailableHoldItems  []string     // CD, repeatable
	HomeAddress           string       // BD, optional
	EmailAddress          string       // BE, optional
	HomePhoneNumber       string       // BF, optional
	ScreenMessage         []string     // AF, repeatable
	PrintLine             []string     // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdPatronInformationResponse.
func (*PatronInformationResponse) Command() Command { return CmdPatronInformationResponse }

func (m *PatronInformationResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *PatronInformationResponse) String() string { return maskMessage(m) }

func (m *PatronInformationResponse) decodeFixed(r *fixedReader) {
	m.PatronStatus = PatronStatus(r.flags("patron status", 14))
	m.Language = r.str("language", 3)
	m.TransactionDate = r.time("transaction date")
	m.HoldItemsCount = r.count("hold items count", 4)
	m.OverdueItemsCount = r.count("overdue items count", 4)
	m.ChargedItemsCount = r.count("charged items count", 4)
	m.FineItemsCount = r.count("fine items count", 4)
	m.RecallItemsCount = r.count("recall items count", 4)
	m.UnavailableHoldsCount = r.count("unavailable holds count", 4)
}

func (m *PatronInformationResponse) appendFixed(w *fixedWriter) {
	w.flags(uint32(m.PatronStatus), 14)
	w.str("language", m.Language, 3, "000")
	w.time(m.TransactionDate)
	w.count("hold items count", m.HoldItemsCount, 4)
	w.count("overdue items count", m.OverdueItemsCount, 4)
	w.count("charged items count", m.ChargedItemsCount, 4)
	w.count("fine items count", m.FineItemsCount, 4)
	w.count("recall items count", m.RecallItemsCount, 4)
	w.count("unavailable holds count", m.UnavailableHoldsCount, 4)
}

func (m *PatronInformationResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AE":
		m.PersonalName = v
	case "BZ":
		m.HoldItemsLimit = v
	case "CA":
		m.OverdueItemsLimit = v
	case "CB":
		m.ChargedItemsLimit = v
	case "BL":
		m.ValidPatron = r.flag(id, v)
	case "CQ":
		m.ValidPatronPassword = r.flag(id, v)
	case "BH":
		m.CurrencyType = v
	case "BV":
		m.FeeAmount = v
	case "CC":
		m.FeeLimit = v
	case "AS":
		m.HoldItems = append(m.HoldItems, v)
	case "AT":
		m.OverdueItems = append(m.OverdueItems, v)
	case "AU":
		m.ChargedItems = append(m.ChargedItems, v)
	case "AV":
		m.FineItems = append(m.FineItems, v)
	case "BU":
		m.RecallItems = append(m.RecallItems, v)
	case "CD":
		m.UnavailableHoldItems = append(m.UnavailableHoldItems, v)
	case "BD":
		m.HomeAddress = v
	case "BE":
		m.EmailAddress = v
	case "BF":
		m.HomePhoneNumber = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *PatronInformationResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AE", m.PersonalName)
	w.opt("BZ", m.HoldItemsLimit)
	w.opt("CA", m.OverdueItemsLimit)
	w.opt("CB", m.ChargedItemsLimit)
	w.flag("BL", m.ValidPatron)
	w.flag("CQ", m.ValidPatronPassword)
	w.opt("BH", m.CurrencyType)
	w.opt("BV", m.FeeAmount)
	w.opt("CC", m.FeeLimit)
	w.list("AS", m.HoldItems)
	w.list("AT", m.OverdueItems)
	w.list("AU", m.ChargedItems)
	w.list("AV", m.FineItems)
	w.list("BU", m.RecallItems)
	w.list("CD", m.UnavailableHoldItems)
	w.opt("BD", m.HomeAddress)
	w.opt("BE", m.EmailAddress)
	w.opt("BF", m.HomePhoneNumber)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// BlockPatronRequest is message 01, asking the ACS to block a patron's card (the ACS answers with a PatronStatusResponse).
type BlockPatronRequest struct {
	CardRetained       bool   // fixed: card retained
	TransactionDate    Time   // fixed: transaction date
	InstitutionID      string // AO
	BlockedCardMessage string // AL
	PatronID           string // AA
	TerminalPassword   string // AC
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdBlockPatron.
func (*BlockPatronRequest) Command() Command { return CmdBlockPatron }

func (m *BlockPatronRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *BlockPatronRequest) String() string { return maskMessage(m) }

func (m *BlockPatronRequest) decodeFixed(r *fixedReader) {
	m.CardRetained = r.flag("card retained")
	m.TransactionDate = r.time("transaction date")
}

func (m *BlockPatronRequest) appendFixed(w *fixedWriter) {
	w.flag(m.CardRetained)
	w.time(m.TransactionDate)
}

func (m *BlockPatronRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AL":
		m.BlockedCardMessage = v
	case "AA":
		m.PatronID = v
	case "AC":
		m.TerminalPassword = v
	default:
		return false
	}
	return true
}

func (m *BlockPatronRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AL", m.BlockedCardMessage)
	w.add("AA", m.PatronID)
	w.add("AC", m.TerminalPassword)
}

// PatronEnableRequest is message 25, asking the ACS to re-enable a blocked patron.
type PatronEnableRequest struct {
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	PatronID         string // AA
	TerminalPassword string // AC, optional
	PatronPassword   string // AD, optional
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdPatronEnable.
func (*PatronEnableRequest) Command() Command { return CmdPatronEnable }

func (m *PatronEnableRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *PatronEnableRequest) String() string { return maskMessage(m) }

func (m *PatronEnableRequest) decodeFixed(r *fixedReader) {
	m.TransactionDate = r.time("transaction date")
}

func (m *PatronEnableRequest) appendFixed(w *fixedWriter) {
	w.time(m.TransactionDate)
}

func (m *PatronEnableRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AC":
		m.TerminalPassword = v
	case "AD":
		m.PatronPassword = v
	default:
		return false
	}
	return true
}

func (m *PatronEnableRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.opt("AC", m.TerminalPassword)
	w.opt("AD", m.PatronPassword)
}

// PatronEnableResponse is message 26, the ACS's answer to PatronEnableRequest.
type PatronEnableResponse struct {
	PatronStatus        PatronStatus // fixed: patron status
	Language            string       // fixed, 3 chars: language (empty means "000")
	TransactionDate     Time         // fixed: transaction date
	InstitutionID       string       // AO
	PatronID            string       // AA
	PersonalName        string       // AE
	ValidPatron         Flag         // BL, optional Y/N
	ValidPatronPassword Flag         // CQ, optional Y/N
	ScreenMessage       []string     // AF, repeatable
	PrintLine           []string     // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdPatronEnableResponse.
func (*PatronEnableResponse) Command() Command { return CmdPatronEnableResponse }

func (m *PatronEnableResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *PatronEnableResponse) String() string { return maskMessage(m) }

func (m *PatronEnableResponse) decodeFixed(r *fixedReader) {
	m.PatronStatus = PatronStatus(r.flags("patron status", 14))
	m.Language = r.str("language", 3)
	m.TransactionDate = r.time("transaction date")
}

func (m *PatronEnableResponse) appendFixed(w *fixedWriter) {
	w.flags(uint32(m.PatronStatus), 14)
	w.str("language", m.Language, 3, "000")
	w.time(m.TransactionDate)
}

func (m *PatronEnableResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AE":
		m.PersonalName = v
	case "BL":
		m.ValidPatron = r.flag(id, v)
	case "CQ":
		m.ValidPatronPassword = r.flag(id, v)
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *PatronEnableResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AE", m.PersonalName)
	w.flag("BL", m.ValidPatron)
	w.flag("CQ", m.ValidPatronPassword)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// EndPatronSessionRequest is message 35, telling the ACS the patron is done.
type EndPatronSessionRequest struct {
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	PatronID         string // AA
	TerminalPassword string // AC
	PatronPassword   string // AD
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdEndPatronSession.
func (*EndPatronSessionRequest) Command() Command { return CmdEndPatronSession }

func (m *EndPatronSessionRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *EndPatronSessionRequest) String() string { return maskMessage(m) }

func (m *EndPatronSessionRequest) decodeFixed(r *fixedReader) {
	m.TransactionDate = r.time("transaction date")
}

func (m *EndPatronSessionRequest) appendFixed(w *fixedWriter) {
	w.time(m.TransactionDate)
}

func (m *EndPatronSessionRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AC":
		m.TerminalPassword = v
	case "AD":
		m.PatronPassword = v
	default:
		return false
	}
	return true
}

func (m *EndPatronSessionRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.add("AC", m.TerminalPassword)
	w.add("AD", m.PatronPassword)
}

// EndPatronSessionResponse is message 36, the ACS's answer to EndPatronSessionRequest.
type EndPatronSessionResponse struct {
	EndSession      bool     // fixed: end session
	TransactionDate Time     // fixed: transaction date
	InstitutionID   string   // AO
	PatronID        string   // AA
	ScreenMessage   []string // AF, repeatable
	PrintLine       []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdEndPatronSessionResponse.
func (*EndPatronSessionResponse) Command() Command { return CmdEndPatronSessionResponse }

func (m *EndPatronSessionResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *EndPatronSessionResponse) String() string { return maskMessage(m) }

func (m *EndPatronSessionResponse) decodeFixed(r *fixedReader) {
	m.EndSession = r.flag("end session")
	m.TransactionDate = r.time("transaction date")
}

func (m *EndPatronSessionResponse) appendFixed(w *fixedWriter) {
	w.flag(m.EndSession)
	w.time(m.TransactionDate)
}

func (m *EndPatronSessionResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AA":
		m.PatronID = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *EndPatronSessionResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AA", m.PatronID)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}
