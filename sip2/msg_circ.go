// Code written from the tables of docs/sip2.md §2.2–2.4 (fixed offsets, field IDs).
// The sip2 tags drive the methods generated into zmsg.go (go generate; tag
// grammar in internal/msggen). After changing a tag, run go generate ./sip2.

package sip2

// CheckoutRequest is message 11, sent by the SC to check out an item to a patron.
//
//sip2:message CmdCheckout
type CheckoutRequest struct {
	SCRenewalPolicy  bool   `sip2:"fixed,flag,name=SC renewal policy"`
	NoBlock          bool   `sip2:"fixed,flag,name=no block"`
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	NBDueDate        Time   `sip2:"fixed,time,name=nb due date"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	ItemID           string `sip2:"AB"`
	TerminalPassword string `sip2:"AC"`
	ItemProperties   string `sip2:"CH,opt"`
	PatronPassword   string `sip2:"AD,opt"`
	FeeAcknowledged  Flag   `sip2:"BO,opt,flag"`
	Cancel           Flag   `sip2:"BI,opt,flag"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// CheckoutResponse is message 12, the ACS's answer to CheckoutRequest. A refusal is OK == false with reasons in ScreenMessage.
//
//sip2:message CmdCheckoutResponse
type CheckoutResponse struct {
	OK              bool     `sip2:"fixed,ok,name=ok"`
	RenewalOK       bool     `sip2:"fixed,flag,name=renewal ok"`
	MagneticMedia   Ternary  `sip2:"fixed,ternary,name=magnetic media"`
	Desensitize     Ternary  `sip2:"fixed,ternary,name=desensitize"`
	TransactionDate Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID   string   `sip2:"AO"`
	PatronID        string   `sip2:"AA"`
	ItemID          string   `sip2:"AB"`
	TitleID         string   `sip2:"AJ"`
	DueDate         string   `sip2:"AH"`
	FeeType         string   `sip2:"BT,opt"`
	SecurityInhibit Flag     `sip2:"CI,opt,flag"`
	CurrencyType    string   `sip2:"BH,opt"`
	FeeAmount       string   `sip2:"BV,opt"`
	MediaType       string   `sip2:"CK,opt"`
	ItemProperties  string   `sip2:"CH,opt"`
	TransactionID   string   `sip2:"BK,opt"`
	ScreenMessage   []string `sip2:"AF,repeat"`
	PrintLine       []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// CheckinRequest is message 09, sent by the SC to check in (return) an item.
//
//sip2:message CmdCheckin
type CheckinRequest struct {
	NoBlock          bool   `sip2:"fixed,flag,name=no block"`
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	ReturnDate       Time   `sip2:"fixed,time,name=return date"`
	CurrentLocation  string `sip2:"AP"`
	InstitutionID    string `sip2:"AO"`
	ItemID           string `sip2:"AB"`
	TerminalPassword string `sip2:"AC"`
	ItemProperties   string `sip2:"CH,opt"`
	Cancel           Flag   `sip2:"BI,opt,flag"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// CheckinResponse is message 10, the ACS's answer to CheckinRequest, including the 3M sorting extensions (CR, CS, CT, CV, CY, DA) lockers and sorters route by.
//
//sip2:message CmdCheckinResponse
type CheckinResponse struct {
	OK                  bool     `sip2:"fixed,ok,name=ok"`
	Resensitize         bool     `sip2:"fixed,flag,name=resensitize"`
	MagneticMedia       Ternary  `sip2:"fixed,ternary,name=magnetic media"`
	Alert               bool     `sip2:"fixed,flag,name=alert"`
	TransactionDate     Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID       string   `sip2:"AO"`
	ItemID              string   `sip2:"AB"`
	PermanentLocation   string   `sip2:"AQ"`
	TitleID             string   `sip2:"AJ,opt"`
	SortBin             string   `sip2:"CL,opt"`
	PatronID            string   `sip2:"AA,opt"`
	MediaType           string   `sip2:"CK,opt"`
	ItemProperties      string   `sip2:"CH,opt"`
	CollectionCode      string   `sip2:"CR,opt"`
	CallNumber          string   `sip2:"CS,opt"`
	DestinationLocation string   `sip2:"CT,opt"`
	AlertType           string   `sip2:"CV,opt"`
	HoldPatronID        string   `sip2:"CY,opt"`
	HoldPatronName      string   `sip2:"DA,opt"`
	ScreenMessage       []string `sip2:"AF,repeat"`
	PrintLine           []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// HoldRequest is message 15, asking the ACS to add ("+"), delete ("-") or change ("*") a hold.
//
//sip2:message CmdHold
type HoldRequest struct {
	HoldMode         string `sip2:"fixed,str,len=1,default=+,name=hold mode"`
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	ExpirationDate   Time   `sip2:"BW,opt,time"`
	PickupLocation   string `sip2:"BS,opt"`
	HoldType         string `sip2:"BY,opt"`
	PatronPassword   string `sip2:"AD,opt"`
	ItemID           string `sip2:"AB,opt"`
	TitleID          string `sip2:"AJ,opt"`
	TerminalPassword string `sip2:"AC,opt"`
	FeeAcknowledged  Flag   `sip2:"BO,opt,flag"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// HoldResponse is message 16, the ACS's answer to HoldRequest.
//
//sip2:message CmdHoldResponse
type HoldResponse struct {
	OK              bool     `sip2:"fixed,ok,name=ok"`
	Available       bool     `sip2:"fixed,flag,name=available"`
	TransactionDate Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID   string   `sip2:"AO"`
	PatronID        string   `sip2:"AA"`
	ExpirationDate  Time     `sip2:"BW,opt,time"`
	QueuePosition   string   `sip2:"BR,opt"`
	PickupLocation  string   `sip2:"BS,opt"`
	ItemID          string   `sip2:"AB,opt"`
	TitleID         string   `sip2:"AJ,opt"`
	ScreenMessage   []string `sip2:"AF,repeat"`
	PrintLine       []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// RenewRequest is message 29, asking the ACS to renew one item.
//
//sip2:message CmdRenew
type RenewRequest struct {
	ThirdPartyAllowed bool   `sip2:"fixed,flag,name=third party allowed"`
	NoBlock           bool   `sip2:"fixed,flag,name=no block"`
	TransactionDate   Time   `sip2:"fixed,time,name=transaction date"`
	NBDueDate         Time   `sip2:"fixed,time,name=nb due date"`
	InstitutionID     string `sip2:"AO"`
	PatronID          string `sip2:"AA"`
	PatronPassword    string `sip2:"AD,opt"`
	ItemID            string `sip2:"AB,opt"`
	TitleID           string `sip2:"AJ,opt"`
	TerminalPassword  string `sip2:"AC,opt"`
	ItemProperties    string `sip2:"CH,opt"`
	FeeAcknowledged   Flag   `sip2:"BO,opt,flag"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// RenewResponse is message 30, the ACS's answer to RenewRequest; its layout is that of CheckoutResponse.
//
//sip2:message CmdRenewResponse
type RenewResponse struct {
	OK              bool     `sip2:"fixed,ok,name=ok"`
	RenewalOK       bool     `sip2:"fixed,flag,name=renewal ok"`
	MagneticMedia   Ternary  `sip2:"fixed,ternary,name=magnetic media"`
	Desensitize     Ternary  `sip2:"fixed,ternary,name=desensitize"`
	TransactionDate Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID   string   `sip2:"AO"`
	PatronID        string   `sip2:"AA"`
	ItemID          string   `sip2:"AB"`
	TitleID         string   `sip2:"AJ"`
	DueDate         string   `sip2:"AH"`
	FeeType         string   `sip2:"BT,opt"`
	SecurityInhibit Flag     `sip2:"CI,opt,flag"`
	CurrencyType    string   `sip2:"BH,opt"`
	FeeAmount       string   `sip2:"BV,opt"`
	MediaType       string   `sip2:"CK,opt"`
	ItemProperties  string   `sip2:"CH,opt"`
	TransactionID   string   `sip2:"BK,opt"`
	ScreenMessage   []string `sip2:"AF,repeat"`
	PrintLine       []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// RenewAllRequest is message 65, asking the ACS to renew every item the patron has.
//
//sip2:message CmdRenewAll
type RenewAllRequest struct {
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	PatronPassword   string `sip2:"AD,opt"`
	TerminalPassword string `sip2:"AC,opt"`
	FeeAcknowledged  Flag   `sip2:"BO,opt,flag"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// RenewAllResponse is message 66, the ACS's answer to RenewAllRequest.
//
//sip2:message CmdRenewAllResponse
type RenewAllResponse struct {
	OK              bool     `sip2:"fixed,ok,name=ok"`
	RenewedCount    int      `sip2:"fixed,count,len=4,name=renewed count"`
	UnrenewedCount  int      `sip2:"fixed,count,len=4,name=unrenewed count"`
	TransactionDate Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID   string   `sip2:"AO"`
	RenewedItems    []string `sip2:"BM,repeat"`
	UnrenewedItems  []string `sip2:"BN,repeat"`
	ScreenMessage   []string `sip2:"AF,repeat"`
	PrintLine       []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// FeePaidRequest is message 37, telling the ACS a fee was paid at the SC.
//
//sip2:message CmdFeePaid
type FeePaidRequest struct {
	TransactionDate  Time   `sip2:"fixed,time,name=transaction date"`
	FeeType          string `sip2:"fixed,str,len=2,default=01,name=fee type"`
	PaymentType      string `sip2:"fixed,str,len=2,default=00,name=payment type"`
	CurrencyType     string `sip2:"fixed,str,len=3,name=currency type"`
	FeeAmount        string `sip2:"BV"`
	InstitutionID    string `sip2:"AO"`
	PatronID         string `sip2:"AA"`
	TerminalPassword string `sip2:"AC,opt"`
	PatronPassword   string `sip2:"AD,opt"`
	FeeIdentifier    string `sip2:"CG,opt"`
	TransactionID    string `sip2:"BK,opt"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}

// FeePaidResponse is message 38, the ACS's answer to FeePaidRequest.
//
//sip2:message CmdFeePaidResponse
type FeePaidResponse struct {
	PaymentAccepted bool     `sip2:"fixed,flag,name=payment accepted"`
	TransactionDate Time     `sip2:"fixed,time,name=transaction date"`
	InstitutionID   string   `sip2:"AO"`
	PatronID        string   `sip2:"AA"`
	TransactionID   string   `sip2:"BK,opt"`
	ScreenMessage   []string `sip2:"AF,repeat"`
	PrintLine       []string `sip2:"AG,repeat"`
	// Extra holds fields this type does not interpret, in wire order.
	Extra []Field
	wire
}
