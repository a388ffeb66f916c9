// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).

package sip2

// ItemInformationRequest is message 17, asking for an item's status.
type ItemInformationRequest struct {
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	ItemID           string // AB
	TerminalPassword string // AC, optional
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdItemInformation.
func (*ItemInformationRequest) Command() Command { return CmdItemInformation }

func (m *ItemInformationRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *ItemInformationRequest) String() string { return maskMessage(m) }

func (m *ItemInformationRequest) decodeFixed(r *fixedReader) {
	m.TransactionDate = r.time("transaction date")
}

func (m *ItemInformationRequest) appendFixed(w *fixedWriter) {
	w.time(m.TransactionDate)
}

func (m *ItemInformationRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AB":
		m.ItemID = v
	case "AC":
		m.TerminalPassword = v
	default:
		return false
	}
	return true
}

func (m *ItemInformationRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AB", m.ItemID)
	w.opt("AC", m.TerminalPassword)
}

// ItemInformationResponse is message 18, the ACS's answer to ItemInformationRequest.
type ItemInformationResponse struct {
	CirculationStatus string   // fixed, 2 chars: circulation status (empty means "01")
	SecurityMarker    string   // fixed, 2 chars: security marker (empty means "00")
	FeeType           string   // fixed, 2 chars: fee type (empty means "01")
	TransactionDate   Time     // fixed: transaction date
	ItemID            string   // AB
	TitleID           string   // AJ
	HoldQueueLength   string   // CF, optional
	DueDate           string   // AH, optional
	RecallDate        Time     // CJ, optional date
	HoldPickupDate    Time     // CM, optional date
	Owner             string   // BG, optional
	CurrencyType      string   // BH, optional
	FeeAmount         string   // BV, optional
	MediaType         string   // CK, optional
	PermanentLocation string   // AQ, optional
	CurrentLocation   string   // AP, optional
	ItemProperties    string   // CH, optional
	ScreenMessage     []string // AF, repeatable
	PrintLine         []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdItemInformationResponse.
func (*ItemInformationResponse) Command() Command { return CmdItemInformationResponse }

func (m *ItemInformationResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *ItemInformationResponse) String() string { return maskMessage(m) }

func (m *ItemInformationResponse) decodeFixed(r *fixedReader) {
	m.CirculationStatus = r.str("circulation status", 2)
	m.SecurityMarker = r.str("security marker", 2)
	m.FeeType = r.str("fee type", 2)
	m.TransactionDate = r.time("transaction date")
}

func (m *ItemInformationResponse) appendFixed(w *fixedWriter) {
	w.str("circulation status", m.CirculationStatus, 2, "01")
	w.str("security marker", m.SecurityMarker, 2, "00")
	w.str("fee type", m.FeeType, 2, "01")
	w.time(m.TransactionDate)
}

func (m *ItemInformationResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "CF":
		m.HoldQueueLength = v
	case "AH":
		m.DueDate = v
	case "CJ":
		m.RecallDate = r.time(id, v)
	case "CM":
		m.HoldPickupDate = r.time(id, v)
	case "BG":
		m.Owner = v
	case "BH":
		m.CurrencyType = v
	case "BV":
		m.FeeAmount = v
	case "CK":
		m.MediaType = v
	case "AQ":
		m.PermanentLocation = v
	case "AP":
		m.CurrentLocation = v
	case "CH":
		m.ItemProperties = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *ItemInformationResponse) encodeFields(w *fieldWriter) {
	w.add("AB", m.ItemID)
	w.add("AJ", m.TitleID)
	w.opt("CF", m.HoldQueueLength)
	w.opt("AH", m.DueDate)
	w.time("CJ", m.RecallDate)
	w.time("CM", m.HoldPickupDate)
	w.opt("BG", m.Owner)
	w.opt("BH", m.CurrencyType)
	w.opt("BV", m.FeeAmount)
	w.opt("CK", m.MediaType)
	w.opt("AQ", m.PermanentLocation)
	w.opt("AP", m.CurrentLocation)
	w.opt("CH", m.ItemProperties)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// ItemStatusUpdateRequest is message 19, asking the ACS to store new item properties.
type ItemStatusUpdateRequest struct {
	TransactionDate  Time   // fixed: transaction date
	InstitutionID    string // AO
	ItemID           string // AB
	TerminalPassword string // AC, optional
	ItemProperties   string // CH
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdItemStatusUpdate.
func (*ItemStatusUpdateRequest) Command() Command { return CmdItemStatusUpdate }

func (m *ItemStatusUpdateRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *ItemStatusUpdateRequest) String() string { return maskMessage(m) }

func (m *ItemStatusUpdateRequest) decodeFixed(r *fixedReader) {
	m.TransactionDate = r.time("transaction date")
}

func (m *ItemStatusUpdateRequest) appendFixed(w *fixedWriter) {
	w.time(m.TransactionDate)
}

func (m *ItemStatusUpdateRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AB":
		m.ItemID = v
	case "AC":
		m.TerminalPassword = v
	case "CH":
		m.ItemProperties = v
	default:
		return false
	}
	return true
}

func (m *ItemStatusUpdateRequest) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.add("AB", m.ItemID)
	w.opt("AC", m.TerminalPassword)
	w.add("CH", m.ItemProperties)
}

// ItemStatusUpdateResponse is message 20, the ACS's answer to ItemStatusUpdateRequest.
type ItemStatusUpdateResponse struct {
	ItemPropertiesOK bool     // fixed: item properties ok
	TransactionDate  Time     // fixed: transaction date
	ItemID           string   // AB
	TitleID          string   // AJ, optional
	ItemProperties   string   // CH, optional
	ScreenMessage    []string // AF, repeatable
	PrintLine        []string // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdItemStatusUpdateResponse.
func (*ItemStatusUpdateResponse) Command() Command { return CmdItemStatusUpdateResponse }

func (m *ItemStatusUpdateResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *ItemStatusUpdateResponse) String() string { return maskMessage(m) }

func (m *ItemStatusUpdateResponse) decodeFixed(r *fixedReader) {
	m.ItemPropertiesOK = r.flag("item properties ok")
	m.TransactionDate = r.time("transaction date")
}

func (m *ItemStatusUpdateResponse) appendFixed(w *fixedWriter) {
	w.ok(m.ItemPropertiesOK)
	w.time(m.TransactionDate)
}

func (m *ItemStatusUpdateResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AB":
		m.ItemID = v
	case "AJ":
		m.TitleID = v
	case "CH":
		m.ItemProperties = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *ItemStatusUpdateResponse) encodeFields(w *fieldWriter) {
	w.add("AB", m.ItemID)
	w.opt("AJ", m.TitleID)
	w.opt("CH", m.ItemProperties)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}
