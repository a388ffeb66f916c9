package sip2

// Field is one variable-length SIP2 field: a two-character identifier and
// its value, as text (already converted from the peer's charset).
type Field struct {
	ID    string // "AO", "AA", ...
	Value string
}

// Standard SIP2 2.00 field identifiers, plus the 3M extension fields used by
// sorters and lockers in Checkin Response.
const (
	FieldPatronID             = "AA"
	FieldItemID               = "AB"
	FieldTerminalPassword     = "AC"
	FieldPatronPassword       = "AD"
	FieldPersonalName         = "AE"
	FieldScreenMessage        = "AF"
	FieldPrintLine            = "AG"
	FieldDueDate              = "AH"
	FieldTitleID              = "AJ"
	FieldBlockedCardMessage   = "AL"
	FieldLibraryName          = "AM"
	FieldTerminalLocation     = "AN"
	FieldInstitutionID        = "AO"
	FieldCurrentLocation      = "AP"
	FieldPermanentLocation    = "AQ"
	FieldHoldItems            = "AS"
	FieldOverdueItems         = "AT"
	FieldChargedItems         = "AU"
	FieldFineItems            = "AV"
	FieldSequenceNumber       = "AY"
	FieldChecksum             = "AZ"
	FieldHomeAddress          = "BD"
	FieldEmailAddress         = "BE"
	FieldHomePhoneNumber      = "BF"
	FieldOwner                = "BG"
	FieldCurrencyType         = "BH"
	FieldCancel               = "BI"
	FieldTransactionID        = "BK"
	FieldValidPatron          = "BL"
	FieldRenewedItems         = "BM"
	FieldUnrenewedItems       = "BN"
	FieldFeeAcknowledged      = "BO"
	FieldStartItem            = "BP"
	FieldEndItem              = "BQ"
	FieldQueuePosition        = "BR"
	FieldPickupLocation       = "BS"
	FieldFeeType              = "BT"
	FieldRecallItems          = "BU"
	FieldFeeAmount            = "BV"
	FieldExpirationDate       = "BW"
	FieldSupportedMessages    = "BX"
	FieldHoldType             = "BY"
	FieldHoldItemsLimit       = "BZ"
	FieldOverdueItemsLimit    = "CA"
	FieldChargedItemsLimit    = "CB"
	FieldFeeLimit             = "CC"
	FieldUnavailableHoldItems = "CD"
	FieldHoldQueueLength      = "CF"
	FieldFeeIdentifier        = "CG"
	FieldItemProperties       = "CH"
	FieldSecurityInhibit      = "CI"
	FieldRecallDate           = "CJ"
	FieldMediaType            = "CK"
	FieldSortBin              = "CL"
	FieldHoldPickupDate       = "CM"
	FieldLoginUserID          = "CN"
	FieldLoginPassword        = "CO"
	FieldLocationCode         = "CP"
	FieldValidPatronPassword  = "CQ"
	FieldCollectionCode       = "CR" // 3M extension
	FieldCallNumber           = "CS" // 3M extension
	FieldDestinationLocation  = "CT" // 3M extension
	FieldAlertType            = "CV" // 3M extension
	FieldHoldPatronID         = "CY" // 3M extension
	FieldHoldPatronName       = "DA" // 3M extension
)

var fieldNames = map[string]string{
	"AA": "patron identifier", "AB": "item identifier", "AC": "terminal password",
	"AD": "patron password", "AE": "personal name", "AF": "screen message",
	"AG": "print line", "AH": "due date", "AJ": "title identifier",
	"AL": "blocked card msg", "AM": "library name", "AN": "terminal location",
	"AO": "institution id", "AP": "current location", "AQ": "permanent location",
	"AS": "hold items", "AT": "overdue items", "AU": "charged items",
	"AV": "fine items", "AY": "sequence number", "AZ": "checksum",
	"BD": "home address", "BE": "e-mail address", "BF": "home phone number",
	"BG": "owner", "BH": "currency type", "BI": "cancel", "BK": "transaction id",
	"BL": "valid patron", "BM": "renewed items", "BN": "unrenewed items",
	"BO": "fee acknowledged", "BP": "start item", "BQ": "end item",
	"BR": "queue position", "BS": "pickup location", "BT": "fee type",
	"BU": "recall items", "BV": "fee amount", "BW": "expiration date",
	"BX": "supported messages", "BY": "hold type", "BZ": "hold items limit",
	"CA": "overdue items limit", "CB": "charged items limit", "CC": "fee limit",
	"CD": "unavailable hold items", "CF": "hold queue length", "CG": "fee identifier",
	"CH": "item properties", "CI": "security inhibit", "CJ": "recall date",
	"CK": "media type", "CL": "sort bin", "CM": "hold pickup date",
	"CN": "login user id", "CO": "login password", "CP": "location code",
	"CQ": "valid patron password",
	"CR": "collection code (3M ext.)", "CS": "call number (3M ext.)",
	"CT": "destination location (3M ext.)", "CV": "alert type (3M ext.)",
	"CY": "hold patron id (3M ext.)", "DA": "hold patron name (3M ext.)",
}

// FieldName returns the specification's name for a field ID ("patron
// identifier" for "AA"), or "" for IDs outside SIP2 2.00 and the 3M
// extensions.
func FieldName(id string) string { return fieldNames[id] }

// IsSecretField reports whether values of the field must never be shown in
// logs or error messages: AD (patron password/PIN), CO (login password) and
// AC (terminal password).
func IsSecretField(id string) bool {
	return id == FieldPatronPassword || id == FieldLoginPassword || id == FieldTerminalPassword
}

// Get returns the value of the first field with the given ID.
func (f *Frame) Get(id string) (string, bool) {
	for _, fl := range f.Fields {
		if fl.ID == id {
			return fl.Value, true
		}
	}
	return "", false
}

// All returns the values of every field with the given ID, in wire order.
func (f *Frame) All(id string) []string {
	var out []string
	for _, fl := range f.Fields {
		if fl.ID == id {
			out = append(out, fl.Value)
		}
	}
	return out
}
