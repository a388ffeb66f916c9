// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).

package sip2

// LoginRequest is message 93, sent by the SC to log in to the ACS with the SIP account's user ID and password.
type LoginRequest struct {
	UIDAlgorithm  string // fixed, 1 chars: UID algorithm (empty means "0")
	PWDAlgorithm  string // fixed, 1 chars: PWD algorithm (empty means "0")
	LoginUserID   string // CN
	LoginPassword string // CO
	LocationCode  string // CP, optional
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdLogin.
func (*LoginRequest) Command() Command { return CmdLogin }

func (m *LoginRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *LoginRequest) String() string { return maskMessage(m) }

func (m *LoginRequest) decodeFixed(r *fixedReader) {
	m.UIDAlgorithm = r.str("UID algorithm", 1)
	m.PWDAlgorithm = r.str("PWD algorithm", 1)
}

func (m *LoginRequest) appendFixed(w *fixedWriter) {
	w.str("UID algorithm", m.UIDAlgorithm, 1, "0")
	w.str("PWD algorithm", m.PWDAlgorithm, 1, "0")
}

func (m *LoginRequest) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "CN":
		m.LoginUserID = v
	case "CO":
		m.LoginPassword = v
	case "CP":
		m.LocationCode = v
	default:
		return false
	}
	return true
}

func (m *LoginRequest) encodeFields(w *fieldWriter) {
	w.add("CN", m.LoginUserID)
	w.add("CO", m.LoginPassword)
	w.opt("CP", m.LocationCode)
}

// LoginResponse is message 94, the ACS's answer to a LoginRequest.
type LoginResponse struct {
	OK bool // fixed: ok
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdLoginResponse.
func (*LoginResponse) Command() Command { return CmdLoginResponse }

func (m *LoginResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *LoginResponse) String() string { return maskMessage(m) }

func (m *LoginResponse) decodeFixed(r *fixedReader) {
	m.OK = r.flag("ok")
}

func (m *LoginResponse) appendFixed(w *fixedWriter) {
	w.ok(m.OK)
}

func (m *LoginResponse) decodeField(r *fieldReader, id, v string) bool {
	return false
}

func (m *LoginResponse) encodeFields(w *fieldWriter) {
}

// SCStatusRequest is message 99, sent by the SC after login and periodically as a keep-alive.
type SCStatusRequest struct {
	StatusCode      string // fixed, 1 chars: status code (empty means "0")
	MaxPrintWidth   int    // fixed: max print width
	ProtocolVersion string // fixed, 4 chars: protocol version (empty means "2.00")
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdSCStatus.
func (*SCStatusRequest) Command() Command { return CmdSCStatus }

func (m *SCStatusRequest) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *SCStatusRequest) String() string { return maskMessage(m) }

func (m *SCStatusRequest) decodeFixed(r *fixedReader) {
	m.StatusCode = r.str("status code", 1)
	m.MaxPrintWidth = r.count("max print width", 3)
	m.ProtocolVersion = r.str("protocol version", 4)
}

func (m *SCStatusRequest) appendFixed(w *fixedWriter) {
	w.str("status code", m.StatusCode, 1, "0")
	w.count("max print width", m.MaxPrintWidth, 3)
	w.str("protocol version", m.ProtocolVersion, 4, "2.00")
}

func (m *SCStatusRequest) decodeField(r *fieldReader, id, v string) bool {
	return false
}

func (m *SCStatusRequest) encodeFields(w *fieldWriter) {
}

// ACSStatusResponse is message 98, the ACS's answer to an SCStatusRequest: what it supports and its timeouts.
type ACSStatusResponse struct {
	OnlineStatus      bool              // fixed: on-line status
	CheckinOK         bool              // fixed: checkin ok
	CheckoutOK        bool              // fixed: checkout ok
	ACSRenewalPolicy  bool              // fixed: ACS renewal policy
	StatusUpdateOK    bool              // fixed: status update ok
	OfflineOK         bool              // fixed: off-line ok
	TimeoutPeriod     int               // fixed: timeout period
	RetriesAllowed    int               // fixed: retries allowed
	DateTimeSync      Time              // fixed: date/time sync
	ProtocolVersion   string            // fixed, 4 chars: protocol version (empty means "2.00")
	InstitutionID     string            // AO
	LibraryName       string            // AM, optional
	SupportedMessages SupportedMessages // BX
	TerminalLocation  string            // AN, optional
	ScreenMessage     []string          // AF, repeatable
	PrintLine         []string          // AG, repeatable
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdACSStatus.
func (*ACSStatusResponse) Command() Command { return CmdACSStatus }

func (m *ACSStatusResponse) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *ACSStatusResponse) String() string { return maskMessage(m) }

func (m *ACSStatusResponse) decodeFixed(r *fixedReader) {
	m.OnlineStatus = r.flag("on-line status")
	m.CheckinOK = r.flag("checkin ok")
	m.CheckoutOK = r.flag("checkout ok")
	m.ACSRenewalPolicy = r.flag("ACS renewal policy")
	m.StatusUpdateOK = r.flag("status update ok")
	m.OfflineOK = r.flag("off-line ok")
	m.TimeoutPeriod = r.count("timeout period", 3)
	m.RetriesAllowed = r.count("retries allowed", 3)
	m.DateTimeSync = r.time("date/time sync")
	m.ProtocolVersion = r.str("protocol version", 4)
}

func (m *ACSStatusResponse) appendFixed(w *fixedWriter) {
	w.flag(m.OnlineStatus)
	w.flag(m.CheckinOK)
	w.flag(m.CheckoutOK)
	w.flag(m.ACSRenewalPolicy)
	w.flag(m.StatusUpdateOK)
	w.flag(m.OfflineOK)
	w.count("timeout period", m.TimeoutPeriod, 3)
	w.count("retries allowed", m.RetriesAllowed, 3)
	w.time(m.DateTimeSync)
	w.str("protocol version", m.ProtocolVersion, 4, "2.00")
}

func (m *ACSStatusResponse) decodeField(r *fieldReader, id, v string) bool {
	switch id {
	case "AO":
		m.InstitutionID = v
	case "AM":
		m.LibraryName = v
	case "BX":
		m.SupportedMessages = SupportedMessages(parseFlags(v))
	case "AN":
		m.TerminalLocation = v
	case "AF":
		m.ScreenMessage = append(m.ScreenMessage, v)
	case "AG":
		m.PrintLine = append(m.PrintLine, v)
	default:
		return false
	}
	return true
}

func (m *ACSStatusResponse) encodeFields(w *fieldWriter) {
	w.add("AO", m.InstitutionID)
	w.opt("AM", m.LibraryName)
	w.bx("BX", m.SupportedMessages)
	w.opt("AN", m.TerminalLocation)
	w.list("AF", m.ScreenMessage)
	w.list("AG", m.PrintLine)
}

// RequestSCResend is message 96, sent by the ACS when it could not use the SC's last message; it has no fields and, with error detection, no AY ("96AZFEF6").
type RequestSCResend struct {
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdRequestSCResend.
func (*RequestSCResend) Command() Command { return CmdRequestSCResend }

func (m *RequestSCResend) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *RequestSCResend) String() string { return maskMessage(m) }

func (m *RequestSCResend) decodeFixed(r *fixedReader) {
}

func (m *RequestSCResend) appendFixed(w *fixedWriter) {
}

func (m *RequestSCResend) decodeField(r *fieldReader, id, v string) bool {
	return false
}

func (m *RequestSCResend) encodeFields(w *fieldWriter) {
}

// RequestACSResend is message 97, sent by the SC when it could not use the ACS's last response; it has no fields and, with error detection, no AY ("97AZFEF5").
type RequestACSResend struct {
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// Command returns CmdRequestACSResend.
func (*RequestACSResend) Command() Command { return CmdRequestACSResend }

func (m *RequestACSResend) extraFields() *[]Field { return &m.Extra }

// String renders the message in wire form with PINs and passwords masked.
func (m *RequestACSResend) String() string { return maskMessage(m) }

func (m *RequestACSResend) decodeFixed(r *fixedReader) {
}

func (m *RequestACSResend) appendFixed(w *fixedWriter) {
}

func (m *RequestACSResend) decodeField(r *fieldReader, id, v string) bool {
	return false
}

func (m *RequestACSResend) encodeFields(w *fieldWriter) {
}
