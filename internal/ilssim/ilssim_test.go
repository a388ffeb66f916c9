package ilssim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/schema"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// logBuf collects what the Handler logs.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format+"\n", v...)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// responder serves a Backend over lib on 127.0.0.1 and posts messages to
// it: every answer is checked against the NCIP 2.02 schema and decoded.
type responder struct {
	t   *testing.T
	lib *sip2mem.Library
	url string
	log *logBuf
	// raw is the last answer's body, for the tests on secrets.
	raw []byte
}

func newResponder(t *testing.T, lib *sip2mem.Library) *responder {
	t.Helper()
	r := &responder{t: t, lib: lib, log: &logBuf{}}
	h := Handler(lib).(*ncip.Handler)
	h.Logger = r.log
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/ncip"
	return r
}

// send posts m and returns the decoded answer; the answer must be HTTP
// 200 and schema-valid.
func (r *responder) send(m *ncip.Message) *ncip.Message {
	r.t.Helper()
	body, err := ncip.Marshal(m)
	if err != nil {
		r.t.Fatalf("marshal: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("post %s: %v", m.Service(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("read the answer to %s: %v", m.Service(), err)
	}
	r.raw = data
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("%s: HTTP %d\n%s", m.Service(), resp.StatusCode, data)
	}
	if err := schema.NCIP().ValidateBytes(data); err != nil {
		r.t.Fatalf("the answer to %s is not schema-valid: %v\n%s", m.Service(), err, data)
	}
	out, err := ncip.Unmarshal(data)
	if err != nil {
		r.t.Fatalf("decode the answer to %s: %v\n%s", m.Service(), err, data)
	}
	return out
}

// ok sends m and fails the test on a Problem.
func (r *responder) ok(m *ncip.Message) *ncip.Message {
	r.t.Helper()
	out := r.send(m)
	if p := out.Problem(); p != nil {
		r.t.Fatalf("%s: unexpected Problem %v", m.Service(), p)
	}
	return out
}

// problem sends m and wants a Problem of type want.
func (r *responder) problem(m *ncip.Message, want ncip.ProblemType) *ncip.Problem {
	r.t.Helper()
	out := r.send(m)
	p := out.Problem()
	if p == nil {
		r.t.Fatalf("%s: no Problem, want %q", m.Service(), want)
	}
	if !p.Type.Is(string(want)) {
		r.t.Fatalf("%s: Problem %v, want %q", m.Service(), p, want)
	}
	return p
}

func uid(id string) *ncip.UserID { return &ncip.UserID{UserIdentifierValue: id} }
func iid(id string) *ncip.ItemID { return &ncip.ItemID{ItemIdentifierValue: id} }

func acceptMsg(rid, item, user, title, pickup string) *ncip.Message {
	a := &ncip.AcceptItem{RequestID: ncip.RequestID{RequestIdentifierValue: rid}, RequestedActionType: ncip.SV("Hold For Pickup"), PickupLocation: ncip.SV(pickup)}
	if item != "" {
		a.ItemID = iid(item)
	}
	if user != "" {
		a.UserID = uid(user)
	}
	if title != "" {
		a.ItemOptionalFields = &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: title}}
	}
	return &ncip.Message{AcceptItem: a}
}

func checkOutMsg(user, item string) *ncip.Message {
	return &ncip.Message{CheckOutItem: &ncip.CheckOutItem{UserID: uid(user), ItemID: *iid(item)}}
}

func checkInMsg(item string) *ncip.Message {
	return &ncip.Message{CheckInItem: &ncip.CheckInItem{ItemID: *iid(item)}}
}

func deleteMsg(item string) *ncip.Message {
	return &ncip.Message{DeleteItem: &ncip.DeleteItem{ItemID: *iid(item)}}
}

func lookupItemMsg(item string) *ncip.Message {
	return &ncip.Message{LookupItem: &ncip.LookupItem{ItemID: iid(item), CurrentBorrowerDesired: true, CurrentRequestersDesired: true}}
}

func pinInput(user, pin string) []ncip.AuthenticationInput {
	return []ncip.AuthenticationInput{
		{AuthenticationInputData: user, AuthenticationDataFormatType: ncip.SV("text/plain"), AuthenticationInputType: ncip.SV("Barcode Id")},
		{AuthenticationInputData: pin, AuthenticationDataFormatType: ncip.SV("text/plain"), AuthenticationInputType: ncip.SV("PIN")},
	}
}

func status(r *ncip.LookupItemResponse) string {
	if r.ItemOptionalFields == nil {
		return ""
	}
	return r.ItemOptionalFields.CirculationStatus.Value
}

// holdsOf returns the holds of a patron on an item.
func holdsOf(lib *sip2mem.Library, patron, item string) []sip2mem.Hold {
	var out []sip2mem.Hold
	for _, h := range lib.Holds() {
		if h.PatronID == patron && h.ItemID == item {
			out = append(out, h)
		}
	}
	return out
}

// TestILLLoan plays a whole interlibrary loan through the responder, with
// every re-send the ILL systems make, and checks after each step what the
// library (the same one SIP2 serves) recorded.
func TestILLLoan(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	due := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)

	// AcceptItem: the temporary item and the patron's hold.
	acc := acceptMsg("ILL-77", "ILL77", "P0008", "Moby Dick", "LOCKERS-MAIN")
	out := r.ok(acc).AcceptItemResponse
	if out.RequestID.RequestIdentifierValue != "ILL-77" || out.ItemID == nil || out.ItemID.ItemIdentifierValue != "ILL77" {
		t.Fatalf("AcceptItem answered %+v %+v", out.RequestID, out.ItemID)
	}
	it, ok := lib.Item("ILL77")
	if !ok || it.Title != "Moby Dick" || it.PermanentLocation != "LOCKERS-MAIN" || it.ILLRequest != "ILL-77" || it.Status != sip2mem.StatusInTransit {
		t.Fatalf("the library's item: %+v (exists %v)", it, ok)
	}
	hs := holdsOf(lib, "P0008", "ILL77")
	if len(hs) != 1 || hs[0].RequestID != "ILL-77" || hs[0].PickupLocation != "LOCKERS-MAIN" {
		t.Fatalf("holds of P0008 on ILL77: %+v", hs)
	}
	// A re-send: the same answer, nothing new.
	again := r.ok(acc).AcceptItemResponse
	if again.ItemID == nil || again.ItemID.ItemIdentifierValue != "ILL77" || len(holdsOf(lib, "P0008", "ILL77")) != 1 {
		t.Fatalf("repeated AcceptItem: %+v, holds %+v", again.ItemID, holdsOf(lib, "P0008", "ILL77"))
	}
	li := r.ok(lookupItemMsg("ILL77")).LookupItemResponse
	if status(li) != "In Transit Between Library Locations" || li.ItemOptionalFields.HoldQueueLength != 1 ||
		li.ItemTransaction == nil || len(li.ItemTransaction.CurrentRequester) != 1 || li.ItemTransaction.CurrentRequester[0].UserID.UserIdentifierValue != "P0008" {
		t.Fatalf("LookupItem after AcceptItem: %+v %+v", li.ItemOptionalFields, li.ItemTransaction)
	}
	byReq := r.ok(&ncip.Message{LookupItem: &ncip.LookupItem{RequestID: &ncip.RequestID{RequestIdentifierValue: "ILL-77"}}}).LookupItemResponse
	if byReq.ItemID == nil || byReq.ItemID.ItemIdentifierValue != "ILL77" {
		t.Fatalf("LookupItem by RequestId: %+v", byReq.ItemID)
	}

	// The pickup: CheckOutItem with the lender's due date fills the hold.
	co := checkOutMsg("P0008", "ILL77")
	co.CheckOutItem.DesiredDateDue = ncip.At(due)
	co.CheckOutItem.ItemElementType = []ncip.SchemeValue{ncip.SV("Bibliographic Description")}
	cr := r.ok(co).CheckOutItemResponse
	if !cr.DateDue.Equal(due) || cr.UserID.UserIdentifierValue != "P0008" || cr.ItemID.ItemIdentifierValue != "ILL77" {
		t.Fatalf("CheckOutItem answered due %v user %+v item %+v; want due %v", cr.DateDue, cr.UserID, cr.ItemID, due)
	}
	if f := cr.ItemOptionalFields; f == nil || f.BibliographicDescription == nil || f.BibliographicDescription.Title != "Moby Dick" || !f.CirculationStatus.IsZero() {
		t.Errorf("CheckOutItem's item fields, Bibliographic Description asked for: %+v", f)
	}
	if hs := holdsOf(lib, "P0008", "ILL77"); len(hs) != 0 {
		t.Errorf("the hold was not filled by the checkout: %+v", hs)
	}
	// A re-send: the same loan, not a renewal, no second checkout.
	cr2 := r.ok(co).CheckOutItemResponse
	if !cr2.DateDue.Equal(due) || cr2.RenewalCount != 0 {
		t.Errorf("repeated CheckOutItem: due %v renewals %d", cr2.DateDue, cr2.RenewalCount)
	}
	if c := lib.Counts("ILL77"); c != (sip2mem.Counts{Checkouts: 1}) {
		t.Errorf("counts after two CheckOutItems: %+v, want one checkout", c)
	}
	li = r.ok(lookupItemMsg("ILL77")).LookupItemResponse
	if status(li) != "On Loan" || !li.ItemOptionalFields.DateDue.Equal(due) || li.ItemTransaction == nil || li.ItemTransaction.CurrentBorrower == nil || li.ItemTransaction.CurrentBorrower.UserID.UserIdentifierValue != "P0008" {
		t.Fatalf("LookupItem after CheckOutItem: %+v %+v", li.ItemOptionalFields, li.ItemTransaction)
	}
	// The repeat of AcceptItem after the pickup still names the item.
	if again := r.ok(acc).AcceptItemResponse; again.ItemID == nil || again.ItemID.ItemIdentifierValue != "ILL77" {
		t.Errorf("AcceptItem repeated after the checkout: %+v", again.ItemID)
	}

	// DeleteItem while on loan is refused; the item stays.
	r.problem(deleteMsg("ILL77"), ncip.ProblemTypeElementRuleViolated)
	if _, ok := lib.Item("ILL77"); !ok {
		t.Fatal("a refused DeleteItem removed the item")
	}

	// The return, twice.
	cim := checkInMsg("ILL77")
	cim.CheckInItem.ItemElementType = []ncip.SchemeValue{ncip.SV("Bibliographic Description"), ncip.SV("Circulation Status")}
	ci := r.ok(cim).CheckInItemResponse
	if ci.UserID == nil || ci.UserID.UserIdentifierValue != "P0008" {
		t.Errorf("CheckInItem answered user %+v", ci.UserID)
	}
	if f := ci.ItemOptionalFields; f == nil || f.BibliographicDescription == nil || f.BibliographicDescription.Title != "Moby Dick" || f.CirculationStatus.Value != "Available On Shelf" {
		t.Errorf("CheckInItem's item fields: %+v", f)
	}
	ci = r.ok(checkInMsg("ILL77")).CheckInItemResponse
	if ci.UserID != nil || ci.ItemOptionalFields != nil {
		t.Errorf("the repeated CheckInItem names a borrower %+v or item fields not asked for %+v", ci.UserID, ci.ItemOptionalFields)
	}
	if c := lib.Counts("ILL77"); c != (sip2mem.Counts{Checkouts: 1, Checkins: 1}) {
		t.Errorf("counts after two CheckInItems: %+v, want one checkout and one checkin", c)
	}
	if len(lib.Loans()) != 3 { // the demo's three
		t.Errorf("loans: %+v", lib.Loans())
	}
	if li := r.ok(lookupItemMsg("ILL77")).LookupItemResponse; status(li) != "Available On Shelf" || !li.ItemOptionalFields.DateDue.IsZero() {
		t.Errorf("LookupItem after CheckInItem: %+v", li.ItemOptionalFields)
	}

	// DeleteItem, then its repeat: Unknown Item, which initiators take as done.
	if d := r.ok(deleteMsg("ILL77")).DeleteItemResponse; d.ItemID == nil || d.ItemID.ItemIdentifierValue != "ILL77" {
		t.Errorf("DeleteItem answered %+v", d.ItemID)
	}
	if _, ok := lib.Item("ILL77"); ok {
		t.Error("the item survived DeleteItem")
	}
	r.problem(deleteMsg("ILL77"), ncip.ProblemTypeUnknownItem)
	r.problem(lookupItemMsg("ILL77"), ncip.ProblemTypeUnknownItem)
	if c := lib.TotalCounts(); c.Checkouts != 1 || c.Checkins != 1 {
		t.Errorf("the library's totals: %+v", c)
	}
}

// TestAcceptItem covers AcceptItem's other forms and refusals.
func TestAcceptItem(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)

	// No ItemId: the request id is the barcode. No title, no pickup: fine.
	out := r.ok(acceptMsg("R-9", "", "P0001", "", "")).AcceptItemResponse
	if out.ItemID == nil || out.ItemID.ItemIdentifierValue != "R-9" {
		t.Fatalf("AcceptItem without ItemId: %+v", out.ItemID)
	}
	// No user: the item only.
	r.ok(acceptMsg("R-10", "T10", "", "Solo", "MAIN"))
	if _, ok := lib.Item("T10"); !ok {
		t.Error("AcceptItem without a user created no item")
	}
	for _, h := range lib.Holds() {
		if h.ItemID == "T10" {
			t.Errorf("AcceptItem without a user placed a hold: %+v", h)
		}
	}

	tests := []struct {
		name string
		msg  *ncip.Message
		want ncip.ProblemType
	}{
		{"unknown user", acceptMsg("R-1", "T1", "P9999", "x", "MAIN"), ncip.ProblemTypeUnknownUser},
		{"another request, the barcode of a library item", acceptMsg("R-2", "I0001", "P0001", "x", "MAIN"), ncip.ProblemTypeDuplicateItem},
		{"another request, the barcode of an earlier ILL item", acceptMsg("R-3", "R-9", "P0002", "x", "MAIN"), ncip.ProblemTypeDuplicateItem},
		{"a patron whose card is lost", acceptMsg("R-4", "T4", "P0006", "x", "MAIN"), ncip.ProblemTypeUserBlocked},
		{"no RequestId", &ncip.Message{AcceptItem: &ncip.AcceptItem{RequestedActionType: ncip.SV("Hold For Pickup")}}, ncip.ProblemTypeNeededDataMissing},
		{"an empty UserId", &ncip.Message{AcceptItem: &ncip.AcceptItem{RequestID: ncip.RequestID{RequestIdentifierValue: "R-5"}, RequestedActionType: ncip.SV("Hold For Pickup"), UserID: uid("")}}, ncip.ProblemTypeNeededDataMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.t = t
			before := len(lib.Holds())
			r.problem(tt.msg, tt.want)
			if n := len(lib.Holds()); n != before {
				t.Errorf("a refused AcceptItem changed the holds: %d, was %d", n, before)
			}
		})
	}
	for _, id := range []string{"T1", "T4", "R-5"} {
		if _, ok := lib.Item(id); ok {
			t.Errorf("a refused AcceptItem left item %s", id)
		}
	}
	if it, _ := lib.Item("I0001"); it.ILLRequest != "" || it.Title == "x" {
		t.Errorf("a refused AcceptItem changed I0001: %+v", it)
	}
}

// TestDeleteItemAfterDelete checks that a request accepted again after
// its item was deleted creates the item anew (the ILL system resent an
// old AcceptItem, or reused the request).
func TestDeleteItemThenAcceptAgain(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	r.ok(acceptMsg("R-1", "T1", "P0001", "A", "MAIN"))
	r.ok(deleteMsg("T1"))
	if hs := holdsOf(lib, "P0001", "T1"); len(hs) != 0 {
		t.Fatalf("DeleteItem left the hold: %+v", hs)
	}
	r.ok(acceptMsg("R-1", "T1", "P0001", "A", "MAIN"))
	if hs := holdsOf(lib, "P0001", "T1"); len(hs) != 1 {
		t.Fatalf("holds after accepting again: %+v", hs)
	}
}

// TestCirculationProblems checks the Problems the circulation services
// send for the library's refusals, and that a refusal changes nothing.
func TestCirculationProblems(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	withPIN := func(m *ncip.Message, user, pin string) *ncip.Message {
		m.CheckOutItem.UserID = nil
		m.CheckOutItem.AuthenticationInput = pinInput(user, pin)
		return m
	}
	renew := func(user, item string) *ncip.Message {
		return &ncip.Message{RenewItem: &ncip.RenewItem{UserID: uid(user), ItemID: *iid(item)}}
	}
	tests := []struct {
		name string
		msg  *ncip.Message
		want ncip.ProblemType
	}{
		{"checkout, unknown user", checkOutMsg("P9999", "I0001"), ncip.ProblemTypeUnknownUser},
		{"checkout, unknown item", checkOutMsg("P0008", "NOPE"), ncip.ProblemTypeUnknownItem},
		{"checkout, wrong PIN", withPIN(checkOutMsg("", "I0001"), "P0008", "9999"), ncip.ProblemTypeUserAuthenticationFailed},
		{"checkout, a patron without a PIN", withPIN(checkOutMsg("", "I0001"), "P0010", "1234"), ncip.ProblemTypeUserAuthenticationFailed},
		{"checkout, borrowing suspended", checkOutMsg("P0003", "I0001"), ncip.ProblemTypeUserBlocked},
		{"checkout, card lost", checkOutMsg("P0006", "I0001"), ncip.ProblemTypeUserBlocked},
		{"checkout, fines", checkOutMsg("P0009", "I0001"), ncip.ProblemTypeUserBlocked},
		{"checkout, on loan to another", checkOutMsg("P0008", "I0005"), ncip.ProblemTypeResourceCannotBeProvided},
		{"checkout, on the hold shelf for another", checkOutMsg("P0008", "I0010"), ncip.ProblemTypeUserIneligibleToCheckOutThisItem},
		{"checkin, unknown item", checkInMsg("NOPE"), ncip.ProblemTypeUnknownItem},
		{"renew, not on loan to the patron", renew("P0008", "I0005"), ncip.ProblemTypeItemNotCheckedOut},
		{"renew, another patron's hold", renew("P0002", "I0005"), ncip.ProblemTypeRenewalNotAllowedOutstanding},
		{"renew, unknown item", renew("P0002", "NOPE"), ncip.ProblemTypeUnknownItem},
		{"delete, unknown item", deleteMsg("NOPE"), ncip.ProblemTypeUnknownItem},
		{"delete, on loan", deleteMsg("I0005"), ncip.ProblemTypeElementRuleViolated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.t = t
			loans, holds, counts := lib.Loans(), lib.Holds(), lib.TotalCounts()
			r.problem(tt.msg, tt.want)
			if fmt.Sprint(lib.Loans()) != fmt.Sprint(loans) || fmt.Sprint(lib.Holds()) != fmt.Sprint(holds) || lib.TotalCounts() != counts {
				t.Error("a refusal changed the library")
			}
			if strings.Contains(string(r.raw), "9999") && tt.want == ncip.ProblemTypeUserAuthenticationFailed {
				t.Errorf("the answer quotes the PIN:\n%s", r.raw)
			}
		})
	}
}

// TestCheckOutWithPIN: a right PIN lends; the loan is SIP2's too.
func TestCheckOutWithPIN(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	m := checkOutMsg("", "I0012")
	m.CheckOutItem.UserID = nil
	m.CheckOutItem.AuthenticationInput = pinInput("P0007", "1234")
	out := r.ok(m).CheckOutItemResponse
	if out.UserID.UserIdentifierValue != "P0007" || out.DateDue.IsZero() {
		t.Fatalf("answer %+v", out)
	}
	// The library's loan period, as for a SIP2 checkout.
	if d := time.Until(out.DateDue.Time); d < 13*24*time.Hour || d > 15*24*time.Hour {
		t.Errorf("due in %v, want the 14-day loan period", d)
	}
	// P0007's hold on I0012 is filled.
	if hs := holdsOf(lib, "P0007", "I0012"); len(hs) != 0 {
		t.Errorf("P0007's hold survived the checkout: %+v", hs)
	}
	// A desired due date in the past is not honoured.
	past := checkOutMsg("P0008", "I0001")
	past.CheckOutItem.DesiredDateDue = ncip.At(time.Now().Add(-time.Hour))
	if out := r.ok(past).CheckOutItemResponse; out.DateDue.Before(time.Now()) {
		t.Errorf("due %v: in the past", out.DateDue)
	}
}

// TestRenewItem renews a loan made over NCIP, up to the limit.
func TestRenewItem(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	r.ok(checkOutMsg("P0008", "I0001"))
	renew := &ncip.Message{RenewItem: &ncip.RenewItem{UserID: uid("P0008"), ItemID: *iid("I0001")}}
	for n := 1; n <= 3; n++ {
		out := r.ok(renew).RenewItemResponse
		if out.RenewalCount != n || out.DateDue.IsZero() {
			t.Fatalf("renewal %d answered %+v", n, out)
		}
	}
	r.problem(renew, ncip.ProblemTypeMaximumRenewalsExceeded)
	if c := lib.Counts("I0001"); c.Renewals != 3 {
		t.Errorf("counts: %+v", c)
	}
}

// TestRequests covers RequestItem, LookupRequest and CancelRequestItem.
func TestRequests(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	req := func(user, item, rid string) *ncip.Message {
		m := &ncip.RequestItem{UserID: uid(user), ItemID: []ncip.ItemID{*iid(item)}, RequestType: ncip.SV("Hold"), RequestScopeType: ncip.SV("Item"), PickupLocation: ncip.SV("MAIN")}
		if rid != "" {
			m.RequestID = &ncip.RequestID{RequestIdentifierValue: rid}
		}
		return &ncip.Message{RequestItem: m}
	}
	cancel := func(user, item, rid string) *ncip.Message {
		m := &ncip.CancelRequestItem{UserID: uid(user), RequestType: ncip.SV("Hold")}
		if item != "" {
			m.ItemID = iid(item)
		}
		if rid != "" {
			m.RequestID = &ncip.RequestID{RequestIdentifierValue: rid}
		}
		return &ncip.Message{CancelRequestItem: m}
	}

	out := r.ok(req("P0008", "I0001", "LEND-1")).RequestItemResponse
	if out.RequestID.RequestIdentifierValue != "LEND-1" || out.ItemID.ItemIdentifierValue != "I0001" {
		t.Fatalf("RequestItem answered %+v %+v", out.RequestID, out.ItemID)
	}
	if hs := holdsOf(lib, "P0008", "I0001"); len(hs) != 1 || hs[0].RequestID != "LEND-1" {
		t.Fatalf("holds: %+v", hs)
	}
	// Without a RequestId the hold is named by its number.
	gen := r.ok(req("P0011", "I0002", "")).RequestItemResponse
	if !strings.HasPrefix(gen.RequestID.RequestIdentifierValue, "H") {
		t.Fatalf("generated RequestId %q", gen.RequestID.RequestIdentifierValue)
	}
	r.problem(req("P0012", "I0003", gen.RequestID.RequestIdentifierValue), ncip.ProblemTypeDuplicateRequest)
	r.problem(req("P0012", "I0003", "LEND-1"), ncip.ProblemTypeDuplicateRequest)
	r.problem(req("P0008", "I0001", "LEND-2"), ncip.ProblemTypeDuplicateRequest)
	r.problem(req("P9999", "I0001", ""), ncip.ProblemTypeUnknownUser)
	r.problem(req("P0008", "NOPE", ""), ncip.ProblemTypeUnknownItem)
	r.problem(req("P0006", "I0004", ""), ncip.ProblemTypeUserBlocked)

	lr := r.ok(&ncip.Message{LookupRequest: &ncip.LookupRequest{RequestID: &ncip.RequestID{RequestIdentifierValue: "LEND-1"}}}).LookupRequestResponse
	if lr.UserID.UserIdentifierValue != "P0008" || lr.ItemID.ItemIdentifierValue != "I0001" || lr.HoldQueuePosition != 1 || lr.PickupLocation.Value != "MAIN" {
		t.Errorf("LookupRequest: %+v", lr)
	}
	lr = r.ok(&ncip.Message{LookupRequest: &ncip.LookupRequest{UserID: uid("P0001"), ItemID: iid("I0010"), RequestType: ncip.SV("Hold")}}).LookupRequestResponse
	if lr.RequestStatusType.Value != "Available For Pickup" || lr.PickupExpiryDate.IsZero() {
		t.Errorf("LookupRequest of P0001's waiting hold: %+v", lr)
	}

	// Cancelling: another patron's request is unknown to this one.
	r.problem(cancel("P0011", "", "LEND-1"), ncip.ProblemTypeUnknownRequest)
	r.ok(cancel("P0008", "", "LEND-1"))
	r.problem(cancel("P0008", "", "LEND-1"), ncip.ProblemTypeUnknownRequest)
	r.ok(cancel("P0011", "I0002", ""))
	if hs := append(holdsOf(lib, "P0008", "I0001"), holdsOf(lib, "P0011", "I0002")...); len(hs) != 0 {
		t.Errorf("holds left after cancelling: %+v", hs)
	}
	// An ILL request cancelled before the pickup keeps its item.
	r.ok(acceptMsg("ILL-5", "T5", "P0001", "A", "MAIN"))
	r.ok(cancel("P0001", "T5", "ILL-5"))
	if _, ok := lib.Item("T5"); !ok || len(holdsOf(lib, "P0001", "T5")) != 0 {
		t.Errorf("after cancelling ILL-5: item kept %v, holds %+v", ok, holdsOf(lib, "P0001", "T5"))
	}
	r.problem(&ncip.Message{LookupRequest: &ncip.LookupRequest{RequestID: &ncip.RequestID{RequestIdentifierValue: "ILL-5"}}}, ncip.ProblemTypeUnknownRequest)
}

// TestLookupUser reads the demo's patrons through NCIP.
func TestLookupUser(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	all := []ncip.SchemeValue{ncip.SV("Name Information"), ncip.SV("Block Or Trap"), ncip.SV("User Address Information")}

	out := r.ok(&ncip.Message{LookupUser: &ncip.LookupUser{UserID: uid("P0002"), UserElementType: all, LoanedItemsDesired: true, RequestedItemsDesired: true}}).LookupUserResponse
	if out.UserOptionalFields == nil || out.UserOptionalFields.NameInformation.PersonalNameInformation.UnstructuredPersonalUserName != "Grace Hopper" {
		t.Fatalf("name: %+v", out.UserOptionalFields)
	}
	if len(out.UserOptionalFields.BlockOrTrap) != 0 {
		t.Errorf("P0002 has blocks: %+v", out.UserOptionalFields.BlockOrTrap)
	}
	if len(out.UserOptionalFields.UserAddressInformation) != 1 || out.UserOptionalFields.UserAddressInformation[0].ElectronicAddress.ElectronicAddressData != "patron2@example.org" {
		t.Errorf("addresses: %+v", out.UserOptionalFields.UserAddressInformation)
	}
	if len(out.LoanedItem) != 2 || out.LoanedItem[0].ItemID.ItemIdentifierValue != "I0005" || out.LoanedItem[1].ItemID.ItemIdentifierValue != "I0006" || out.LoanedItem[0].DateDue.IsZero() {
		t.Errorf("loans: %+v", out.LoanedItem)
	}
	if len(out.RequestedItem) != 1 || out.RequestedItem[0].ItemID.ItemIdentifierValue != "I0011" || out.RequestedItem[0].RequestStatusType.Value != "Available For Pickup" {
		t.Errorf("requests: %+v", out.RequestedItem)
	}

	for _, tt := range []struct {
		user   string
		blocks string
	}{{"P0003", "[Block Check Out]"}, {"P0006", "[Block Check Out Block Renewal Block Request]"}, {"P0009", "[Block Check Out]"}, {"P0008", "[]"}} {
		out := r.ok(&ncip.Message{LookupUser: &ncip.LookupUser{UserID: uid(tt.user), UserElementType: all[1:2]}}).LookupUserResponse
		var got []string
		if out.UserOptionalFields != nil {
			for _, b := range out.UserOptionalFields.BlockOrTrap {
				got = append(got, b.BlockOrTrapType.Value)
				if b.AgencyID.Value != "DEMO" {
					t.Errorf("%s: block agency %q", tt.user, b.AgencyID.Value)
				}
			}
		}
		if fmt.Sprint(got) != tt.blocks && !(tt.blocks == "[]" && got == nil) {
			t.Errorf("%s: blocks %v, want %s", tt.user, got, tt.blocks)
		}
	}

	// Barcode and PIN.
	byPIN := &ncip.Message{LookupUser: &ncip.LookupUser{AuthenticationInput: pinInput("P0001", "1234")}}
	if out := r.ok(byPIN).LookupUserResponse; out.UserID.UserIdentifierValue != "P0001" {
		t.Errorf("by PIN: %+v", out.UserID)
	}
	for _, pin := range []string{"4321", "12345", ""} {
		r.problem(&ncip.Message{LookupUser: &ncip.LookupUser{AuthenticationInput: pinInput("P0001", pin)}}, ncip.ProblemTypeUserAuthenticationFailed)
		if pin != "" && strings.Contains(string(r.raw), pin) {
			t.Errorf("the answer quotes the PIN %q:\n%s", pin, r.raw)
		}
	}
	r.problem(&ncip.Message{LookupUser: &ncip.LookupUser{AuthenticationInput: pinInput("P9999", "1234")}}, ncip.ProblemTypeUnknownUser)
	// A PIN without an identifier.
	r.problem(&ncip.Message{LookupUser: &ncip.LookupUser{AuthenticationInput: pinInput("P0001", "1234")[1:]}}, ncip.ProblemTypeNeededDataMissing)
	if strings.Contains(r.log.String(), "1234") {
		t.Errorf("the log holds a PIN:\n%s", r.log)
	}
}

// TestLookupItemStates maps the library's circulation states.
func TestLookupItemStates(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	for _, tt := range []struct{ item, status string }{
		{"I0001", "Available On Shelf"},
		{"I0005", "On Loan"},
		{"I0010", "Available For Pickup"},
	} {
		li := r.ok(lookupItemMsg(tt.item)).LookupItemResponse
		if status(li) != tt.status {
			t.Errorf("%s: %q, want %q", tt.item, status(li), tt.status)
		}
		if li.ItemOptionalFields.BibliographicDescription == nil || li.ItemOptionalFields.BibliographicDescription.Title == "" {
			t.Errorf("%s: no title", tt.item)
		}
	}
	li := r.ok(lookupItemMsg("I0010")).LookupItemResponse
	if li.HoldPickupDate.IsZero() {
		t.Error("I0010 waits on the hold shelf without a HoldPickupDate")
	}
	r.problem(&ncip.Message{LookupItem: &ncip.LookupItem{RequestID: &ncip.RequestID{RequestIdentifierValue: "NOPE"}}}, ncip.ProblemTypeUnknownRequest)
	// A SIP2 hold is known to NCIP by its number.
	var h3 string
	for _, h := range lib.Holds() {
		if h.PatronID == "P0004" {
			h3 = requestID(h)
		}
	}
	li = r.ok(&ncip.Message{LookupItem: &ncip.LookupItem{RequestID: &ncip.RequestID{RequestIdentifierValue: h3}}}).LookupItemResponse
	if li.RequestID == nil || li.RequestID.RequestIdentifierValue != h3 || li.ItemID != nil {
		t.Errorf("LookupItem of P0004's title hold %s: %+v %+v", h3, li.RequestID, li.ItemID)
	}
}

// TestBothProtocolsOneLibrary: a checkout made through the library (as
// SIP2 makes it) is on loan for NCIP, and an NCIP checkout is the
// library's loan.
func TestBothProtocolsOneLibrary(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	if _, err := lib.Checkout("P0011", "I0002", "1234", false); err != nil {
		t.Fatal(err)
	}
	li := r.ok(lookupItemMsg("I0002")).LookupItemResponse
	if status(li) != "On Loan" || li.ItemTransaction.CurrentBorrower.UserID.UserIdentifierValue != "P0011" {
		t.Errorf("the SIP2 loan through NCIP: %+v %+v", li.ItemOptionalFields, li.ItemTransaction)
	}
	r.problem(checkOutMsg("P0012", "I0002"), ncip.ProblemTypeResourceCannotBeProvided)
	r.ok(checkOutMsg("P0012", "I0003"))
	info, err := lib.ItemInfo("I0003")
	if err != nil || info.Loan == nil || info.Loan.PatronID != "P0012" || info.Item.Status != sip2mem.StatusCharged {
		t.Errorf("the NCIP loan in the library: %+v %v", info, err)
	}
	if c := lib.TotalCounts(); c.Checkouts != 2 {
		t.Errorf("total checkouts %d, want 2", c.Checkouts)
	}
}

// TestLookupAgency answers for the library's institution only.
func TestLookupAgency(t *testing.T) {
	r := newResponder(t, sip2mem.NewDemo())
	msg := func(a string) *ncip.Message {
		return &ncip.Message{LookupAgency: &ncip.LookupAgency{AgencyID: ncip.SV(a), AgencyElementType: []ncip.SchemeValue{ncip.SV("Organization Name Information")}}}
	}
	if out := r.ok(msg("demo")).LookupAgencyResponse; out.AgencyID.Value != "DEMO" || len(out.OrganizationNameInformation) != 1 {
		t.Errorf("LookupAgency: %+v", out)
	}
	r.problem(msg("ELSEWHERE"), ncip.ProblemTypeUnknownAgency)
}

// TestDown: the library's outage modes take the NCIP side down too.
func TestDown(t *testing.T) {
	lib := sip2mem.NewDemo()
	r := newResponder(t, lib)
	lib.SetDown(sip2mem.Refuse)
	p := r.problem(checkOutMsg("P0008", "I0001"), ncip.ProblemTypeTemporaryProcessingFailure)
	if !strings.Contains(p.Detail, "down") {
		t.Errorf("detail %q", p.Detail)
	}
	if len(lib.Loans()) != 3 {
		t.Error("a checkout went through while the library was down")
	}

	// Silent: the request waits; the Handler's timeout ends it.
	lib.SetDown(sip2mem.Silent)
	h := Handler(lib).(*ncip.Handler)
	h.Timeout = 50 * time.Millisecond
	body, _ := ncip.Marshal(checkOutMsg("P0008", "I0001"))
	out := h.Serve(context.Background(), body)
	if p := out.Problem(); p == nil || !p.Type.Is(string(ncip.ProblemTypeTemporaryProcessingFailure)) {
		t.Errorf("silent library: %+v", out.Problem())
	}
	// Coming back up releases a waiting request, which then runs.
	done := make(chan *ncip.Message, 1)
	go func() {
		h := Handler(lib).(*ncip.Handler)
		done <- h.Serve(context.Background(), body)
	}()
	lib.SetDown(sip2mem.Up)
	select {
	case out := <-done:
		if p := out.Problem(); p != nil {
			t.Errorf("after the outage: %v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request held while silent was not released when the library came up")
	}
	if len(lib.Loans()) != 4 {
		t.Errorf("loans after the outage: %+v", lib.Loans())
	}
}
