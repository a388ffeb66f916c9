package ncipdoor_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/ncipdoor"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

const (
	illiadToken  = "tok-illiad-5e3f9c"
	reshareToken = "tok-reshare-91ab7d"
)

// berlin is a partner's zone for zoneless dates (fixed, so the test needs
// no tzdata).
var berlin = time.FixedZone("CEST", 2*3600)

// illiad authenticates by header, speaks its own vocabulary, reads dates
// in Berlin time, and has an ILS behind it when up is set.
func illiad(up ncipdoor.Upstream) ncipdoor.Partner {
	return ncipdoor.Partner{
		Agency: "ILLIAD", Auth: ncipdoor.AuthHeader, Token: illiadToken,
		PickupLocations: map[string]string{"Lockers East": "EAST-LOCKERS"},
		Values:          map[string]map[string]string{"RequestedActionType": {"Hold For Pickup And Notify": "Hold For Pickup"}},
		TimeZone:        berlin,
		Upstream:        up,
	}
}

// reshare authenticates in the message, uses the request id as the
// barcode, and checks in strictly.
func reshare(up ncipdoor.Upstream) ncipdoor.Partner {
	return ncipdoor.Partner{
		Agency: "ReShare", Auth: ncipdoor.AuthMessage, Token: reshareToken,
		ItemID: ncipdoor.ItemIDRequest, StrictCheckIn: true, Upstream: up,
	}
}

func open(up ncipdoor.Upstream) ncipdoor.Partner {
	return ncipdoor.Partner{Agency: "OPEN", Auth: ncipdoor.AuthNone, Upstream: up}
}

var bearer = []string{"Authorization", "Bearer " + illiadToken}

func accept(agency, request, item, patron, location string) *ncip.Message {
	a := &ncip.AcceptItem{
		InitiationHeader:    hdr(agency),
		RequestID:           ncip.RequestID{AgencyID: ncip.SV(agency), RequestIdentifierValue: request},
		RequestedActionType: ncip.SV("Hold For Pickup"),
		UserID:              &ncip.UserID{UserIdentifierValue: patron},
		DateForReturn:       ncip.At(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)),
		ItemOptionalFields:  &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: "Der Zauberberg"}},
		UserOptionalFields: &ncip.UserOptionalFields{NameInformation: &ncip.NameInformation{PersonalNameInformation: &ncip.PersonalNameInformation{
			StructuredPersonalUserName: &ncip.StructuredPersonalUserName{GivenName: "Ada", Surname: "Lovelace"}}}},
		PickupLocation: ncip.SV(location),
	}
	if patron == "" {
		a.UserID = nil
	}
	if item != "" {
		a.ItemID = &ncip.ItemID{ItemIdentifierType: ncip.SV("Barcode"), ItemIdentifierValue: item}
	}
	return &ncip.Message{AcceptItem: a}
}

func TestAcceptItem(t *testing.T) {
	h := newHarness(t, illiad(nil), reshare(nil))
	withTok := func(m *ncip.Message) *ncip.Message {
		m.AcceptItem.InitiationHeader.FromAgencyAuthentication = reshareToken
		return m
	}
	tests := []struct {
		name      string
		msg       *ncip.Message
		headers   []string
		problem   string // "" for success
		element   string
		wantItem  string // answered ItemId
		wantBank  string // PickupLocation given to the gateway
		wantCalls []string
		hidden    string // must not be in the answer
	}{
		{name: "locker by bank id", msg: accept("ILLIAD", "R1", "ILL-0001", "P1", "B1"), headers: bearer,
			wantItem: "ILL-0001", wantBank: "B1", wantCalls: []string{"AcceptILL R1 ILL-0001"}},
		{name: "repeat answers the same", msg: accept("ILLIAD", "R1", "ILL-0001", "P1", "B1"), headers: bearer,
			wantItem: "ILL-0001", wantBank: "B1", wantCalls: []string{"AcceptILL R1 ILL-0001"}},
		{name: "partner's location name mapped", msg: accept("ILLIAD", "R2", "ILL-0002", "P1", "Lockers East"), headers: bearer,
			wantItem: "ILL-0002", wantBank: "EAST-LOCKERS", wantCalls: []string{"AcceptILL R2 ILL-0002"}},
		{name: "location name mapped case-insensitively", msg: accept("ILLIAD", "R3", "ILL-0003", "P1", "LOCKERS EAST"), headers: bearer,
			wantItem: "ILL-0003", wantBank: "EAST-LOCKERS", wantCalls: []string{"AcceptILL R3 ILL-0003"}},
		{name: "no ItemId: the request id is the barcode", msg: accept("ILLIAD", "R4", "", "P1", "B1"), headers: bearer,
			wantItem: "R4", wantBank: "B1", wantCalls: []string{"AcceptILL R4 R4"}},
		{name: "ItemID request: the request id even with an ItemId", msg: withTok(accept("ReShare", "RS-9", "LENDER-BC-9", "P2", "B1")),
			wantItem: "RS-9", wantBank: "B1", wantCalls: []string{"AcceptILL RS-9 RS-9"}},
		{name: "not a bank, no ILS", msg: accept("ILLIAD", "R5", "ILL-0005", "P1", "Main Desk"), headers: bearer,
			problem: "Cannot Accept Item", element: "PickupLocation", wantBank: "Main Desk", wantCalls: []string{"AcceptILL R5 ILL-0005"}},
		{name: "no patron", msg: accept("ILLIAD", "R6", "ILL-0006", "", "B1"), headers: bearer,
			problem: "Needed Data Missing", element: "UserId", wantBank: "B1", wantCalls: []string{"AcceptILL R6 ILL-0006"}},
		{name: "same request, other item", msg: accept("ILLIAD", "R1", "ILL-9999", "P1", "B1"), headers: bearer,
			problem: "Duplicate Request", element: "RequestId", wantBank: "B1", wantCalls: []string{"AcceptILL R1 ILL-9999", "ILLRequest R1"}},
		{name: "other request, same item", msg: accept("ILLIAD", "R7", "ILL-0001", "P9", "B1"), headers: bearer,
			problem: "Duplicate Item", element: "ItemId", wantBank: "B1", wantCalls: []string{"AcceptILL R7 ILL-0001", "ILLRequest R7"}, hidden: "R1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.gw.Calls())
			out := h.send(tc.msg, true, tc.headers...)
			if got := h.gw.Calls()[before:]; !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("gateway calls %q, want %q", got, tc.wantCalls)
			}
			if got := h.gw.accepts[len(h.gw.accepts)-1].PickupLocation; got != tc.wantBank {
				t.Errorf("PickupLocation given %q, want %q", got, tc.wantBank)
			}
			r := out.AcceptItemResponse
			if r == nil {
				t.Fatalf("no AcceptItemResponse: %+v", out)
			}
			if r.ResponseHeader == nil || r.ResponseHeader.ToAgencyID.AgencyID.Value != tc.msg.AcceptItem.InitiationHeader.FromAgencyID.AgencyID.Value {
				t.Errorf("ResponseHeader %+v does not answer the sender", r.ResponseHeader)
			}
			if tc.problem != "" {
				if len(r.Problems) != 1 || r.Problems[0].Type.Value != tc.problem || r.Problems[0].Element != tc.element {
					t.Fatalf("problems %+v, want %s on %s", r.Problems, tc.problem, tc.element)
				}
				if p := r.Problems[0]; tc.hidden != "" && strings.Contains(p.Detail+p.Value, tc.hidden) {
					t.Errorf("problem names %q: %+v", tc.hidden, p)
				}
				return
			}
			if len(r.Problems) > 0 {
				t.Fatalf("problems %+v", r.Problems)
			}
			if r.RequestID == nil || r.RequestID.RequestIdentifierValue != tc.msg.AcceptItem.RequestID.RequestIdentifierValue {
				t.Errorf("RequestId %+v", r.RequestID)
			}
			if r.ItemID == nil || r.ItemID.ItemIdentifierValue != tc.wantItem {
				t.Errorf("ItemId %+v, want %s", r.ItemID, tc.wantItem)
			}
		})
	}
	a := h.gw.accepts[0]
	want := gateway.ILLAccept{RequestID: "R1", Partner: "ILLIAD", PickupLocation: "B1", Patron: "P1", PatronName: "Ada Lovelace",
		Item: "ILL-0001", Title: "Der Zauberberg", Due: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), Actor: "ncip:ILLIAD"}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("AcceptILL got\n%+v, want\n%+v", a, want)
	}
}

// TestAcceptItemVocabularyAndDates: the partner's RequestedActionType is
// translated, and its zoneless dates are read in its zone (zoned ones are
// kept); another partner's zoneless dates stay UTC.
func TestAcceptItemVocabularyAndDates(t *testing.T) {
	h := newHarness(t, illiad(nil), open(nil))
	doc := func(agency, request, action, due, expiry string) []byte {
		return []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>
<NCIPMessage version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd">
<AcceptItem><InitiationHeader><FromAgencyId><AgencyId>` + agency + `</AgencyId></FromAgencyId><ToAgencyId><AgencyId>LG</AgencyId></ToAgencyId></InitiationHeader>
<RequestId><RequestIdentifierValue>` + request + `</RequestIdentifierValue></RequestId>
<RequestedActionType>` + action + `</RequestedActionType>
<UserId><UserIdentifierValue>P1</UserIdentifierValue></UserId>
<ItemId><ItemIdentifierValue>IT-` + request + `</ItemIdentifierValue></ItemId>
<DateForReturn>` + due + `</DateForReturn>
<PickupLocation>B1</PickupLocation>
<PickupExpiryDate>` + expiry + `</PickupExpiryDate>
</AcceptItem></NCIPMessage>`)
	}
	tests := []struct {
		name, agency, action, due, expiry string
		wantDue, wantExpiry               time.Time
	}{
		{"zoneless in Berlin", "ILLIAD", "Hold For Pickup", "2026-06-01T23:59:00", "2026-05-10T18:00", time.Date(2026, 6, 1, 21, 59, 0, 0, time.UTC), time.Date(2026, 5, 10, 16, 0, 0, 0, time.UTC)},
		{"date alone is midnight in Berlin", "ILLIAD", "hold for pickup and notify", "2026-06-01", "2026-05-10", time.Date(2026, 5, 31, 22, 0, 0, 0, time.UTC), time.Date(2026, 5, 9, 22, 0, 0, 0, time.UTC)},
		{"zoned dates kept", "ILLIAD", "HOLD FOR PICKUP", "2026-06-01T23:59:00Z", "2026-05-10T18:00:00+05:00", time.Date(2026, 6, 1, 23, 59, 0, 0, time.UTC), time.Date(2026, 5, 10, 13, 0, 0, 0, time.UTC)},
		{"no TimeZone: UTC", "OPEN", "Hold For Pickup", "2026-06-01T23:59:00", "2026-05-10", time.Date(2026, 6, 1, 23, 59, 0, 0, time.UTC), time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := "V" + string(rune('0'+i))
			out := h.sendRaw(doc(tc.agency, req, tc.action, tc.due, tc.expiry), true, bearer...)
			if p := problemOf(out); p != "" {
				t.Fatalf("problem %s: %+v", p, out.Problem())
			}
			a := h.gw.accepts[len(h.gw.accepts)-1]
			if !a.Due.Equal(tc.wantDue) || !a.PickupExpires.Equal(tc.wantExpiry) {
				t.Errorf("due %v expires %v, want %v and %v", a.Due, a.PickupExpires, tc.wantDue, tc.wantExpiry)
			}
		})
	}
	// Not translated by a partner without the vocabulary: passed on, and
	// with no ILS refused naming the element.
	out := h.sendRaw(doc("OPEN", "V9", "Hold For Pickup And Notify", "2026-06-01", "2026-05-10"), true)
	if p := out.Problem(); p == nil || p.Type.Value != "Cannot Accept Item" || p.Element != "RequestedActionType" {
		t.Errorf("untranslated action: %+v", p)
	}
}

const ilsAnswer = `<?xml version="1.0" encoding="UTF-8"?>
<ns1:NCIPMessage xmlns:ns1="http://www.niso.org/2008/ncip" ns1:version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"><ns1:LookupUserResponse><ns1:UserId><ns1:UserIdentifierValue>ILS-ANSWER</ns1:UserIdentifierValue></ns1:UserId></ns1:LookupUserResponse></ns1:NCIPMessage>`

// TestPassThrough: what the gateway does not handle goes to the ILS
// byte for byte, and the ILS's answer comes back.
func TestPassThrough(t *testing.T) {
	ils := newFakeILS(t, ilsAnswer)
	h := newHarness(t, illiad(ils.client()))
	h.gw.put(gateway.ILLRequest{ID: "R-other", Partner: "ILLIAD", Item: "HELD", Patron: "P1", State: gateway.ILLArrived})
	lookup := []byte("\ufeff<?xml version=\"1.0\"?>\n<NCIPMessage version=\"2.02\"><LookupUser><InitiationHeader><FromAgencyId><AgencyId>illiad</AgencyId></FromAgencyId><ToAgencyId><AgencyId>X</AgencyId></ToAgencyId></InitiationHeader>" +
		"<AuthenticationInput><AuthenticationInputData>patron-pin-4711</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>PIN</AuthenticationInputType></AuthenticationInput></LookupUser></NCIPMessage>\n")
	enc := func(m *ncip.Message) []byte {
		b, err := ncip.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	circulate := accept("ILLIAD", "R1", "I1", "P1", "B1")
	circulate.AcceptItem.RequestedActionType = ncip.SV("Circulate")
	tests := []struct {
		name      string
		body      []byte
		wantCalls []string
	}{
		{"LookupUser", lookup, nil},
		{"RenewItem", enc(&ncip.Message{RenewItem: &ncip.RenewItem{InitiationHeader: hdr("ILLIAD"), UserID: &ncip.UserID{UserIdentifierValue: "P"}, ItemID: ncip.ItemID{ItemIdentifierValue: "I"}}}), nil},
		{"AcceptItem not for a bank", enc(accept("ILLIAD", "R2", "I2", "P1", "Main Desk")), []string{"AcceptILL R2 I2"}},
		{"AcceptItem not Hold For Pickup", enc(circulate), nil},
		{"AcceptItem without PickupLocation", enc(accept("ILLIAD", "R3", "I3", "P1", "")), nil},
		{"CheckInItem of another item", enc(&ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr("ILLIAD"), ItemID: ncip.ItemID{ItemIdentifierValue: "NOT-ILL"}}}), []string{"CheckInILL NOT-ILL ncip:ILLIAD"}},
		{"CheckOutItem of another item", enc(&ncip.Message{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: hdr("ILLIAD"), UserID: &ncip.UserID{UserIdentifierValue: "P"}, ItemID: ncip.ItemID{ItemIdentifierValue: "NOT-ILL"}}}), nil},
		{"DeleteItem of another item", enc(&ncip.Message{DeleteItem: &ncip.DeleteItem{InitiationHeader: hdr("ILLIAD"), ItemID: ncip.ItemID{ItemIdentifierValue: "NOT-ILL"}}}), []string{"DeleteILL NOT-ILL ncip:ILLIAD"}},
		{"CancelRequestItem of another request", enc(&ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: hdr("ILLIAD"), UserID: &ncip.UserID{UserIdentifierValue: "P"}, RequestID: &ncip.RequestID{RequestIdentifierValue: "NOT-OURS"}, RequestType: ncip.SV("Hold")}}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, sent := len(h.gw.Calls()), len(ils.Bodies())
			status, b := h.post(tc.body, bearer...)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, b)
			}
			bodies := ils.Bodies()
			if len(bodies) != sent+1 || !bytes.Equal(bodies[sent], tc.body) {
				t.Fatalf("the ILS did not get the body byte for byte: %d bodies, last %q", len(bodies)-sent, bodies[len(bodies)-1])
			}
			out, err := ncip.Unmarshal(b)
			if err != nil || out.LookupUserResponse == nil || out.LookupUserResponse.UserID.UserIdentifierValue != "ILS-ANSWER" {
				t.Fatalf("not the ILS's answer (%v): %s", err, b)
			}
			if got := sideEffects(h.gw.Calls()[before:]); !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("gateway changes %q, want %q", got, tc.wantCalls)
			}
		})
	}
	// A form-encoded document goes on as the document it wraps.
	form := url.Values{"xml": {string(lookup)}}.Encode()
	sent := len(ils.Bodies())
	if status, b := h.post([]byte(form), "Content-Type", "application/x-www-form-urlencoded", "Authorization", illiadToken); status != http.StatusOK || !bytes.Contains(b, []byte("ILS-ANSWER")) {
		t.Fatalf("form post: %d %s", status, b)
	}
	if got := ils.Bodies()[sent]; !bytes.Equal(got, lookup) {
		t.Errorf("form post sent %q", got)
	}
	if s := h.log.String(); strings.Contains(s, "patron-pin-4711") || strings.Contains(s, illiadToken) {
		t.Errorf("log holds a secret:\n%s", s)
	}
}

// TestPassThroughAnswers: the ILS's Problem is passed back as it is; an
// ILS that does not answer gives "Temporary Processing Failure"; with no
// ILS the answer says what is unsupported or unknown.
func TestPassThroughAnswers(t *testing.T) {
	problem := `<NCIPMessage version="2"><LookupUserResponse><Problem><ProblemType>Unknown User</ProblemType><ProblemDetail>ILS says no</ProblemDetail></Problem></LookupUserResponse></NCIPMessage>`
	ils := newFakeILS(t, problem)
	down := newFakeILS(t, "")
	down.srv.Close()
	lookup := &ncip.Message{LookupUser: &ncip.LookupUser{UserID: &ncip.UserID{UserIdentifierValue: "P"}}}
	item := func(name string) *ncip.Message {
		id := ncip.ItemID{ItemIdentifierValue: "X-1"}
		switch name {
		case "CheckInItem":
			return &ncip.Message{CheckInItem: &ncip.CheckInItem{ItemID: id}}
		case "CheckOutItem":
			return &ncip.Message{CheckOutItem: &ncip.CheckOutItem{UserID: &ncip.UserID{UserIdentifierValue: "P"}, ItemID: id}}
		case "DeleteItem":
			return &ncip.Message{DeleteItem: &ncip.DeleteItem{ItemID: id}}
		case "CancelRequestItem":
			return &ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{UserID: &ncip.UserID{UserIdentifierValue: "P"}, RequestID: &ncip.RequestID{RequestIdentifierValue: "X-1"}, RequestType: ncip.SV("Hold")}}
		}
		return lookup
	}
	tests := []struct {
		name     string
		up       ncipdoor.Upstream
		msg      *ncip.Message
		want     string
		detail   string
		validate bool
	}{
		{"ILS Problem passed back", ils.client(), lookup, "Unknown User", "ILS says no", false},
		{"ILS down", down.client(), lookup, "Temporary Processing Failure", "library system did not answer", true},
		{"no ILS: LookupUser", nil, lookup, "Unsupported Service", "no library system", true},
		{"no ILS: CheckInItem", nil, item("CheckInItem"), "Unknown Item", "X-1", true},
		{"no ILS: CheckOutItem", nil, item("CheckOutItem"), "Unknown Item", "X-1", true},
		{"no ILS: DeleteItem", nil, item("DeleteItem"), "Unknown Item", "X-1", true},
		{"no ILS: CancelRequestItem", nil, item("CancelRequestItem"), "Unknown Request", "X-1", true},
		{"no ILS: LookupVersion", nil, &ncip.Message{LookupVersion: &ncip.LookupVersion{}}, "Unsupported Service", "no library system", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, open(tc.up))
			m := tc.msg
			_, body := m.Body()
			reflect.ValueOf(body).Elem().FieldByName("InitiationHeader").Set(reflect.ValueOf(hdr("OPEN")))
			out := h.send(m, tc.validate)
			p := out.Problem()
			if p == nil || p.Type.Value != tc.want || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("problem %+v, want %s with %q", p, tc.want, tc.detail)
			}
		})
	}
}

// TestLifecycle: cancel, check-in, checkout and delete of ILL items the
// gateway holds, repeats included.
func TestLifecycle(t *testing.T) {
	h := newHarness(t, illiad(nil), reshare(nil))
	due := time.Date(2026, 6, 1, 21, 59, 0, 0, time.UTC)
	for _, r := range []gateway.ILLRequest{
		{ID: "A", Partner: "ILLIAD", Item: "IA", Patron: "PA", State: gateway.ILLAwaited},
		{ID: "B", Partner: "ILLIAD", Item: "IB", Patron: "PB", State: gateway.ILLArrived},
		{ID: "C", Partner: "ILLIAD", Item: "IC", Patron: "PC", State: gateway.ILLCollected, Due: due},
		{ID: "D", Partner: "ILLIAD", Item: "ID", Patron: "PD", State: gateway.ILLCollected},
		{ID: "E", Partner: "ReShare", Item: "IE", Patron: "PE", State: gateway.ILLArrived},
		{ID: "F", Partner: "ReShare", Item: "IF", Patron: "PF", State: gateway.ILLCollected},
		{ID: "H", Partner: "ILLIAD", Item: "IH", Patron: "PH", State: gateway.ILLArrived},
		{ID: "J", Partner: "ILLIAD", Item: "IJ", Patron: "PJ", State: gateway.ILLAwaited},
		{ID: "K", Partner: "ILLIAD", Item: "IK", Patron: "PK", State: gateway.ILLCancelled},
		{ID: "G", Partner: "ReShare", Item: "IG", Patron: "PG", State: gateway.ILLCancelled},
	} {
		h.gw.put(r)
	}
	ih := hdr("ILLIAD")
	rsh := hdr("ReShare")
	rsh.FromAgencyAuthentication = reshareToken
	user := &ncip.UserID{UserIdentifierValue: "PA"}
	cancel := func(ih *ncip.InitiationHeader, id string) *ncip.Message {
		return &ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: ih, UserID: user, RequestID: &ncip.RequestID{RequestIdentifierValue: id}, RequestType: ncip.SV("Hold")}}
	}
	cancelByItem := func(ih *ncip.InitiationHeader, item string) *ncip.Message {
		return &ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: ih, UserID: user, ItemID: &ncip.ItemID{ItemIdentifierValue: item}, RequestType: ncip.SV("Hold")}}
	}
	checkIn := func(ih *ncip.InitiationHeader, item string) *ncip.Message {
		return &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: ih, ItemID: ncip.ItemID{ItemIdentifierValue: item}}}
	}
	checkOut := func(ih *ncip.InitiationHeader, item, patron string) *ncip.Message {
		return &ncip.Message{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: ih, UserID: &ncip.UserID{UserIdentifierValue: patron}, ItemID: ncip.ItemID{ItemIdentifierValue: item}}}
	}
	del := func(ih *ncip.InitiationHeader, item string) *ncip.Message {
		return &ncip.Message{DeleteItem: &ncip.DeleteItem{InitiationHeader: ih, ItemID: ncip.ItemID{ItemIdentifierValue: item}}}
	}
	tests := []struct {
		name      string
		msg       *ncip.Message
		problem   string
		detail    string
		changes   []string
		request   string
		wantState gateway.ILLState
		check     func(t *testing.T, out *ncip.Message)
	}{
		{name: "cancel awaited", msg: cancel(ih, "A"), changes: []string{"CancelILL A ncip:ILLIAD"}, request: "A", wantState: gateway.ILLCancelled,
			check: func(t *testing.T, out *ncip.Message) {
				r := out.CancelRequestItemResponse
				if r.RequestID.RequestIdentifierValue != "A" || r.ItemID.ItemIdentifierValue != "IA" || r.UserID.UserIdentifierValue != "PA" {
					t.Errorf("answer %+v %+v %+v", r.RequestID, r.ItemID, r.UserID)
				}
			}},
		{name: "cancel repeat", msg: cancel(ih, "A"), changes: []string{"CancelILL A ncip:ILLIAD"}, request: "A", wantState: gateway.ILLCancelled},
		{name: "cancel arrived by item", msg: cancelByItem(ih, "IB"), changes: []string{"CancelILL B ncip:ILLIAD"}, request: "B", wantState: gateway.ILLWithdrawn},
		{name: "cancel collected", msg: cancel(ih, "C"), problem: "Request Already Processed", detail: "already collected", changes: []string{"CancelILL C ncip:ILLIAD"}, request: "C", wantState: gateway.ILLCollected},
		{name: "cancel another partner's", msg: cancel(ih, "E"), problem: "Unknown Request", request: "E", wantState: gateway.ILLArrived},
		{name: "checkout collected", msg: checkOut(ih, "IC", "PC"), request: "C", wantState: gateway.ILLCollected,
			check: func(t *testing.T, out *ncip.Message) {
				r := out.CheckOutItemResponse
				if !r.DateDue.Equal(due) || r.UserID.UserIdentifierValue != "PC" || r.ItemID.ItemIdentifierValue != "IC" {
					t.Errorf("answer %+v", r)
				}
			}},
		{name: "checkout collected, no due date", msg: checkOut(ih, "ID", "PD"), request: "D", wantState: gateway.ILLCollected,
			check: func(t *testing.T, out *ncip.Message) {
				if r := out.CheckOutItemResponse; !bool(r.IndeterminateLoanPeriodFlag) || !r.DateDue.IsZero() {
					t.Errorf("answer %+v", r)
				}
			}},
		{name: "checkout to another patron", msg: checkOut(ih, "IC", "SOMEONE"), problem: "User Ineligible To Check Out This Item", request: "C", wantState: gateway.ILLCollected},
		{name: "checkout waiting in a locker", msg: checkOut(ih, "IH", "PH"), problem: "Resource Cannot Be Provided", detail: "waits in a locker", request: "H", wantState: gateway.ILLArrived},
		{name: "checkout on its way", msg: checkOut(ih, "IJ", "PJ"), problem: "Resource Cannot Be Provided", detail: "on its way to a locker", request: "J", wantState: gateway.ILLAwaited},
		{name: "checkout withdrawn", msg: checkOut(ih, "IB", "PB"), problem: "Resource Cannot Be Provided", detail: "withdrawn", request: "B", wantState: gateway.ILLWithdrawn},
		{name: "checkout another partner's", msg: checkOut(ih, "IE", "PE"), problem: "Unknown Item", request: "E", wantState: gateway.ILLArrived},
		{name: "checkin collected", msg: checkIn(ih, "IC"), changes: []string{"CheckInILL IC ncip:ILLIAD"}, request: "C", wantState: gateway.ILLReturned,
			check: func(t *testing.T, out *ncip.Message) {
				if r := out.CheckInItemResponse; r.ItemID.ItemIdentifierValue != "IC" || r.UserID.UserIdentifierValue != "PC" {
					t.Errorf("answer %+v", r)
				}
			}},
		{name: "checkin repeat", msg: checkIn(ih, "IC"), changes: []string{"CheckInILL IC ncip:ILLIAD"}, request: "C", wantState: gateway.ILLReturned},
		{name: "checkin never collected, lenient", msg: checkIn(ih, "IB"), changes: []string{"CheckInILL IB ncip:ILLIAD"}, request: "B", wantState: gateway.ILLWithdrawn},
		{name: "checkin never collected, strict", msg: checkIn(rsh, "IE"), problem: "Item Not Checked Out", changes: []string{"CheckInILL IE ncip:ReShare"}, request: "E", wantState: gateway.ILLArrived},
		{name: "checkin collected, strict", msg: checkIn(rsh, "IF"), changes: []string{"CheckInILL IF ncip:ReShare"}, request: "F", wantState: gateway.ILLReturned},
		{name: "checkin another partner's", msg: checkIn(ih, "IF"), problem: "Unknown Item", request: "F", wantState: gateway.ILLReturned},
		{name: "checkout returned", msg: checkOut(ih, "IC", "PC"), request: "C", wantState: gateway.ILLReturned},
		{name: "delete", msg: del(ih, "IC"), changes: []string{"DeleteILL IC ncip:ILLIAD"}, request: "C", wantState: gateway.ILLDeleted,
			check: func(t *testing.T, out *ncip.Message) {
				if r := out.DeleteItemResponse; r.ItemID.ItemIdentifierValue != "IC" {
					t.Errorf("answer %+v", r)
				}
			}},
		{name: "delete repeat", msg: del(ih, "IC"), changes: []string{"DeleteILL IC ncip:ILLIAD"}, request: "C", wantState: gateway.ILLDeleted},
		{name: "checkin after delete", msg: checkIn(ih, "IC"), changes: []string{"CheckInILL IC ncip:ILLIAD"}, request: "C", wantState: gateway.ILLDeleted},
		{name: "delete another partner's", msg: del(ih, "IF"), problem: "Unknown Item", request: "F", wantState: gateway.ILLReturned},
		// A cancelled request's temporary item stays in the ILS until a
		// DeleteItem, which only the request's partner may send.
		{name: "delete cancelled", msg: del(ih, "IK"), changes: []string{"DeleteILL IK ncip:ILLIAD"}, request: "K", wantState: gateway.ILLDeleted},
		{name: "delete another partner's cancelled", msg: del(ih, "IG"), problem: "Unknown Item", request: "G", wantState: gateway.ILLCancelled},
		{name: "checkin another partner's cancelled", msg: checkIn(ih, "IG"), problem: "Unknown Item", request: "G", wantState: gateway.ILLCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.gw.Calls())
			out := h.send(tc.msg, true, bearer...)
			if got := sideEffects(h.gw.Calls()[before:]); !reflect.DeepEqual(got, tc.changes) {
				t.Errorf("gateway changes %q, want %q", got, tc.changes)
			}
			if got := h.gw.state(tc.request); got != tc.wantState {
				t.Errorf("request %s is %s, want %s", tc.request, got, tc.wantState)
			}
			p := out.Problem()
			switch {
			case tc.problem == "" && p != nil:
				t.Fatalf("problem %+v", p)
			case tc.problem != "" && (p == nil || p.Type.Value != tc.problem || !strings.Contains(p.Detail, tc.detail)):
				t.Fatalf("problem %+v, want %s with %q", p, tc.problem, tc.detail)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// TestCheckInItemExtras: ILLiad-to-Alma style CheckInItem with UserId and
// RequestId, which the schema does not have, is served.
func TestCheckInItemExtras(t *testing.T) {
	h := newHarness(t, illiad(nil))
	h.gw.put(gateway.ILLRequest{ID: "R1", Partner: "ILLIAD", Item: "I1", Patron: "P1", State: gateway.ILLCollected})
	doc := `<?xml version="1.0"?><NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="http://www.niso.org/schemas/ncip/v2_0/imp1/xsd/ncip_v2_0.xsd"><CheckInItem>
<InitiationHeader><FromAgencyId><AgencyId>ILLIAD</AgencyId></FromAgencyId><ToAgencyId><AgencyId>LG</AgencyId></ToAgencyId></InitiationHeader>
<UserId><UserIdentifierValue>P1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId>
<RequestId><RequestIdentifierValue>R1</RequestIdentifierValue></RequestId></CheckInItem></NCIPMessage>`
	out := h.sendRaw([]byte(doc), true, bearer...)
	if p := out.Problem(); p != nil || out.CheckInItemResponse == nil {
		t.Fatalf("problem %+v", p)
	}
	if h.gw.state("R1") != gateway.ILLReturned {
		t.Errorf("state %s", h.gw.state("R1"))
	}
}

// TestGatewayFailures: the gateway's failures become Problems that say
// what the partner can do, and never quote internals.
func TestGatewayFailures(t *testing.T) {
	internal := gateway.WrapError(gateway.EINTERNAL, errors.New("pq: connection reset at 10.0.0.3"), "store failed")
	tests := []struct {
		name, method string
		err          error
		msg          *ncip.Message
		want         string
		detail       string
	}{
		{"accept: ILS unavailable", "AcceptILL", gateway.Errorf(gateway.EUNAVAILABLE, "the locker bank does not answer"), accept("ILLIAD", "R1", "I1", "P1", "B1"), "Temporary Processing Failure", "the locker bank does not answer; try again later"},
		{"accept: internal", "AcceptILL", internal, accept("ILLIAD", "R1", "I1", "P1", "B1"), "Temporary Processing Failure", "try again later"},
		{"accept: plain error", "AcceptILL", errors.New("boom"), accept("ILLIAD", "R1", "I1", "P1", "B1"), "Temporary Processing Failure", "try again later"},
		{"accept: refused", "AcceptILL", gateway.Errorf(gateway.EFORBIDDEN, "patron blocked"), accept("ILLIAD", "R1", "I1", "P1", "B1"), "Cannot Accept Item", "patron blocked"},
		{"checkin: lookup fails", "ILLRequestForItem", internal, &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr("ILLIAD"), ItemID: ncip.ItemID{ItemIdentifierValue: "I1"}}}, "Temporary Processing Failure", "try again later"},
		{"cancel: lookup fails", "ILLRequest", internal, &ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: hdr("ILLIAD"), UserID: &ncip.UserID{UserIdentifierValue: "P"}, RequestID: &ncip.RequestID{RequestIdentifierValue: "R1"}, RequestType: ncip.SV("Hold")}}, "Temporary Processing Failure", "try again later"},
	}
	// The gateway's EINVALID names the input at fault (Error.Field), and
	// the answer the element it came from; the words of the message do
	// not matter.
	for _, c := range []struct{ field, req, item, msg, element string }{
		{gateway.FieldRequest, "R1", "I1", "the request is not right", "RequestId"},
		{gateway.FieldPatron, "R1", "I1", "the item's request is not right", "UserId"},
		{gateway.FieldItem, "R1", "I1", "the patron's request is not right", "ItemId"},
		{gateway.FieldItem, "R1", "", "the item is not right", "RequestId"}, // no ItemId: the request id was taken for the item
		{gateway.FieldPickupLocation, "R1", "I1", "the item is not right", "PickupLocation"},
		{gateway.FieldPartner, "R1", "I1", "the item is not right", "FromAgencyId"},
		{gateway.FieldTitle, "R1", "I1", "the patron name is not right", "ItemOptionalFields"},
		{gateway.FieldPatronName, "R1", "I1", "the title is not right", "UserOptionalFields"},
		{"", "R1", "I1", "the item, patron and title are not right", "AcceptItem"},
	} {
		msg := accept("ILLIAD", c.req, c.item, "P1", "B1")
		if c.item == "" {
			msg.AcceptItem.ItemID = nil
		}
		tests = append(tests, struct {
			name, method string
			err          error
			msg          *ncip.Message
			want         string
			detail       string
		}{"accept: invalid " + c.field + " " + c.element, "AcceptILL", &gateway.Error{Code: gateway.EINVALID, Field: c.field, Message: c.msg}, msg, "Needed Data Missing", c.element})
	}
	tests = append(tests, []struct {
		name, method string
		err          error
		msg          *ncip.Message
		want         string
		detail       string
	}{
		{"checkin: invalid id of an ILL item", "CheckInILL", gateway.Errorf(gateway.EINVALID, "bad item"), &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr("ILLIAD"), ItemID: ncip.ItemID{ItemIdentifierValue: "HELD"}}}, "Needed Data Missing", "ItemId"},
		{"checkin: invalid id of another item", "CheckInILL", gateway.Errorf(gateway.EINVALID, "bad item"), &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr("ILLIAD"), ItemID: ncip.ItemID{ItemIdentifierValue: "OTHER"}}}, "Unknown Item", "OTHER"},
		{"delete: unavailable", "DeleteILL", gateway.Errorf(gateway.EUNAVAILABLE, "store busy"), &ncip.Message{DeleteItem: &ncip.DeleteItem{InitiationHeader: hdr("ILLIAD"), ItemID: ncip.ItemID{ItemIdentifierValue: "HELD"}}}, "Temporary Processing Failure", "store busy"},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, illiad(nil))
			h.gw.put(gateway.ILLRequest{ID: "RH", Partner: "ILLIAD", Item: "HELD", Patron: "P1", State: gateway.ILLCollected})
			h.gw.fail[tc.method] = tc.err
			out := h.send(tc.msg, true, bearer...)
			p := out.Problem()
			if p == nil || p.Type.Value != tc.want || !(strings.Contains(p.Detail, tc.detail) || p.Element == tc.detail) {
				t.Fatalf("problem %+v, want %s with %q", p, tc.want, tc.detail)
			}
			b, _ := ncip.Marshal(out)
			if bytes.Contains(b, []byte("10.0.0.3")) || bytes.Contains(b, []byte("boom")) {
				t.Errorf("answer quotes internals: %s", b)
			}
		})
	}
}

// TestAgencyAndAuth: unknown agencies and failed authentication are
// refused before any gateway call or pass-through, with the same answer
// whatever the agency, and the tokens never appear in logs or answers.
func TestAgencyAndAuth(t *testing.T) {
	ils := newFakeILS(t, ilsAnswer)
	xkey := ncipdoor.Partner{Agency: "Relais", Auth: ncipdoor.AuthHeader, Header: "x-api-key", Token: "tok-relais-00aa", Upstream: ils.client()}
	h := newHarness(t, illiad(ils.client()), reshare(ils.client()), xkey)
	const wrong = "wrong-token-3141"
	lookup := func(ih *ncip.InitiationHeader, ai ...ncip.AuthenticationInput) *ncip.Message {
		m := &ncip.LookupUser{InitiationHeader: ih, AuthenticationInput: ai}
		if len(ai) == 0 {
			m.UserID = &ncip.UserID{UserIdentifierValue: "P1"}
		}
		return &ncip.Message{LookupUser: m}
	}
	withAuth := func(agency, agencyAuth, systemAuth string) *ncip.InitiationHeader {
		ih := hdr(agency)
		ih.FromAgencyAuthentication, ih.FromSystemAuthentication = agencyAuth, systemAuth
		return ih
	}
	input := func(typ, data string) ncip.AuthenticationInput {
		return ncip.AuthenticationInput{AuthenticationInputData: data, AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV(typ)}
	}
	tests := []struct {
		name    string
		msg     *ncip.Message
		headers []string
		want    string // "" = passed through
		element string
	}{
		{"header: bearer", lookup(hdr("ILLIAD")), []string{"Authorization", "Bearer " + illiadToken}, "", ""},
		{"header: bearer lower-case", lookup(hdr("ILLIAD")), []string{"Authorization", "bearer " + illiadToken}, "", ""},
		{"header: bare token", lookup(hdr("ILLIAD")), []string{"Authorization", illiadToken}, "", ""},
		{"header: agency in other case", lookup(hdr(" illiad ")), []string{"Authorization", illiadToken}, "", ""},
		{"header: custom header", lookup(hdr("Relais")), []string{"X-Api-Key", "tok-relais-00aa"}, "", ""},
		{"header: wrong token", lookup(hdr("ILLIAD")), []string{"Authorization", "Bearer " + wrong}, "Agency Authentication Failed", "InitiationHeader"},
		{"header: token of another partner", lookup(hdr("ILLIAD")), []string{"Authorization", "Bearer tok-relais-00aa"}, "Agency Authentication Failed", "InitiationHeader"},
		{"header: missing", lookup(hdr("ILLIAD")), nil, "Agency Authentication Failed", "InitiationHeader"},
		{"header: token in the message only", lookup(withAuth("ILLIAD", illiadToken, "")), nil, "Agency Authentication Failed", "InitiationHeader"},
		{"header: prefix of the token", lookup(hdr("ILLIAD")), []string{"Authorization", illiadToken[:8]}, "Agency Authentication Failed", "InitiationHeader"},
		{"message: FromAgencyAuthentication", lookup(withAuth("ReShare", reshareToken, "")), nil, "", ""},
		{"message: FromSystemAuthentication", lookup(withAuth("ReShare", "", reshareToken)), nil, "", ""},
		{"message: AuthenticationInput", lookup(hdr("ReShare"), input("Barcode Id", "P1"), input("Password", reshareToken)), nil, "", ""},
		{"message: AuthenticationInput of an identifier type", lookup(hdr("ReShare"), input("User Id", reshareToken)), nil, "Agency Authentication Failed", "FromAgencyAuthentication"},
		{"message: wrong", lookup(withAuth("ReShare", wrong, "")), nil, "Agency Authentication Failed", "FromAgencyAuthentication"},
		{"message: token in the header only", lookup(hdr("ReShare")), []string{"Authorization", "Bearer " + reshareToken}, "Agency Authentication Failed", "FromAgencyAuthentication"},
		{"unknown agency", lookup(withAuth("NOBODY", reshareToken, "")), []string{"Authorization", "Bearer " + illiadToken}, "Unknown Agency", "FromAgencyId"},
		{"no header", lookup(nil), []string{"Authorization", "Bearer " + illiadToken}, "Unknown Agency", "FromAgencyId"},
		{"empty agency", lookup(hdr("")), nil, "Unknown Agency", "FromAgencyId"},
	}
	var unknownAnswers [][]byte
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, sent := len(h.gw.Calls()), len(ils.Bodies())
			b, err := ncip.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			status, ans := h.post(b, tc.headers...)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			out, err := ncip.Unmarshal(ans)
			if err != nil {
				t.Fatal(err)
			}
			passed := len(ils.Bodies()) - sent
			if tc.want == "" {
				if passed != 1 || out.LookupUserResponse == nil || out.LookupUserResponse.UserID.UserIdentifierValue != "ILS-ANSWER" {
					t.Fatalf("not passed through (%d sent): %s", passed, ans)
				}
				return
			}
			mustValid(t, ans)
			if passed != 0 || len(h.gw.Calls()) != before {
				t.Errorf("refused request had effects: %d passed through, calls %q", passed, h.gw.Calls()[before:])
			}
			p := out.Problem()
			if p == nil || p.Type.Value != tc.want || p.Element != tc.element || p.Type.Scheme != ncip.SchemeGeneralProcessingError {
				t.Fatalf("problem %+v, want %s on %s", p, tc.want, tc.element)
			}
			for _, s := range []string{illiadToken, reshareToken, wrong, "tok-relais", "ILLIAD", "ReShare", "Relais"} {
				if strings.Contains(p.Detail+p.Value, s) {
					t.Errorf("problem quotes %q: %+v", s, p)
				}
			}
			if tc.want == "Unknown Agency" {
				unknownAnswers = append(unknownAnswers, []byte(p.Detail+"|"+p.Element))
			}
		})
	}
	for _, a := range unknownAnswers[1:] {
		if !bytes.Equal(a, unknownAnswers[0]) {
			t.Errorf("Unknown Agency answers differ: %q vs %q", a, unknownAnswers[0])
		}
	}
	logs := h.log.String()
	for _, s := range []string{illiadToken, reshareToken, wrong, "tok-relais-00aa", illiadToken[:8]} {
		if strings.Contains(logs, s) {
			t.Errorf("log holds secret %q:\n%s", s, logs)
		}
	}
	if !strings.Contains(logs, "agency authentication failed") || !strings.Contains(logs, "unknown agency") {
		t.Errorf("refusals not logged:\n%s", logs)
	}
}

// TestSecretsInProblems: a gateway message or an echoed value that
// quotes a credential of the request is redacted on the wire and in the
// log.
func TestSecretsInProblems(t *testing.T) {
	h := newHarness(t, reshare(nil))
	const pin = "patron-pin-8086"
	h.gw.fail["ILLRequestForItem"] = gateway.Errorf(gateway.EINTERNAL, "lookup of %s with %s failed", pin, reshareToken)
	h.gw.fail["ILLRequest"] = gateway.Errorf(gateway.EINVALID, "request %s wrong for %s", pin, reshareToken)
	ih := hdr("ReShare")
	ih.FromAgencyAuthentication = reshareToken
	msgs := []*ncip.Message{
		{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: ih, ItemID: ncip.ItemID{ItemIdentifierValue: "I" + pin},
			AuthenticationInput: []ncip.AuthenticationInput{{AuthenticationInputData: pin, AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("PIN")}}}},
		{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: ih, RequestID: &ncip.RequestID{RequestIdentifierValue: pin}, RequestType: ncip.SV("Hold"),
			AuthenticationInput: []ncip.AuthenticationInput{{AuthenticationInputData: pin, AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("PIN")}}}},
	}
	for _, m := range msgs {
		b, _ := ncip.Marshal(m)
		_, ans := h.post(b)
		mustValid(t, ans)
		if bytes.Contains(ans, []byte(pin)) || bytes.Contains(ans, []byte(reshareToken)) {
			t.Errorf("answer holds a secret: %s", ans)
		}
	}
	if s := h.log.String(); strings.Contains(s, pin) || strings.Contains(s, reshareToken) {
		t.Errorf("log holds a secret:\n%s", s)
	}
}

// TestTransport: methods, sizes and unreadable documents get NCIP
// Problems with the right statuses.
func TestTransport(t *testing.T) {
	h := newHarness(t, open(nil))
	tests := []struct {
		name   string
		method string
		body   []byte
		status int
		want   string
	}{
		{"GET", http.MethodGet, nil, http.StatusMethodNotAllowed, "Protocol Error"},
		{"too large", http.MethodPost, bytes.Repeat([]byte("<a>"), ncip.DefaultMaxBodyBytes/3+10), http.StatusRequestEntityTooLarge, "Invalid Message Syntax Error"},
		{"not XML", http.MethodPost, []byte("It works!"), http.StatusOK, "Invalid Message Syntax Error"},
		{"empty", http.MethodPost, nil, http.StatusOK, "Invalid Message Syntax Error"},
		{"no service", http.MethodPost, []byte(`<NCIPMessage version="2"/>`), http.StatusOK, "Invalid Message Syntax Error"},
		{"a response", http.MethodPost, []byte(`<NCIPMessage version="2"><LookupUserResponse/></NCIPMessage>`), http.StatusOK, "Unsupported Service"},
		{"unmodelled service", http.MethodPost, []byte(`<NCIPMessage version="2"><LookupItemSet><InitiationHeader><FromAgencyId><AgencyId>OPEN</AgencyId></FromAgencyId></InitiationHeader></LookupItemSet></NCIPMessage>`), http.StatusOK, "Unsupported Service"},
		{"NCIP 1", http.MethodPost, []byte(`<NCIPMessage version="http://www.niso.org/ncip/v1_0/imp1/dtd/ncip_v1_0.dtd"><LookupUser/></NCIPMessage>`), http.StatusOK, "Invalid Message Syntax Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, h.url, bytes.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			mustValid(t, buf.Bytes())
			out, err := ncip.Unmarshal(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if p := out.Problem(); p == nil || p.Type.Value != tc.want {
				t.Errorf("problem %+v, want %s", p, tc.want)
			}
		})
	}
	if len(h.gw.Calls()) != 0 {
		t.Errorf("gateway called: %q", h.gw.Calls())
	}
}

// TestNeededData: requests missing what the gateway needs are refused
// naming the element, before any gateway call.
func TestNeededData(t *testing.T) {
	h := newHarness(t, open(nil))
	noAction := accept("OPEN", "R1", "I1", "P1", "B1")
	noAction.AcceptItem.RequestedActionType = ncip.SchemeValue{}
	noRequest := accept("OPEN", "", "I1", "P1", "B1")
	tests := []struct {
		name    string
		msg     *ncip.Message
		element string
	}{
		{"AcceptItem without RequestId", noRequest, "RequestId"},
		{"AcceptItem without RequestedActionType", noAction, "RequestedActionType"},
		{"CancelRequestItem without request or item", &ncip.Message{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "P"}, RequestType: ncip.SV("Hold")}}, "RequestId"},
		{"CheckInItem without item", &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr("OPEN")}}, "ItemId"},
		{"CheckOutItem without item", &ncip.Message{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "P"}}}, "ItemId"},
		{"DeleteItem without item", &ncip.Message{DeleteItem: &ncip.DeleteItem{InitiationHeader: hdr("OPEN")}}, "ItemId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := h.send(tc.msg, true)
			if p := out.Problem(); p == nil || p.Type.Value != "Needed Data Missing" || p.Element != tc.element {
				t.Fatalf("problem %+v, want Needed Data Missing on %s", p, tc.element)
			}
		})
	}
	if len(h.gw.Calls()) != 0 {
		t.Errorf("gateway called: %q", h.gw.Calls())
	}
}

// TestResponseHeader: the answer carries a ResponseHeader only when the
// request's header names both agencies (the schema requires both), and
// echoes the initiator's version.
func TestResponseHeader(t *testing.T) {
	h := newHarness(t, open(nil))
	ih := hdr("OPEN")
	ih.ToAgencyID = ncip.AgencyRef{}
	for _, tc := range []struct {
		name string
		ih   *ncip.InitiationHeader
		want bool
	}{{"both agencies", hdr("OPEN"), true}, {"no ToAgencyId", ih, false}} {
		t.Run(tc.name, func(t *testing.T) {
			out := h.send(&ncip.Message{Version: "http://www.niso.org/schemas/ncip/v2_0/imp1/xsd/ncip_v2_0.xsd",
				LookupUser: &ncip.LookupUser{InitiationHeader: tc.ih, UserID: &ncip.UserID{UserIdentifierValue: "P"}}}, true)
			r := out.LookupUserResponse
			if r == nil || (r.ResponseHeader != nil) != tc.want {
				t.Fatalf("answer %+v", r)
			}
			if tc.want && (r.ResponseHeader.ToAgencyID.AgencyID.Value != "OPEN" || r.ResponseHeader.FromAgencyID.AgencyID.Value != "LOCKERGATE") {
				t.Errorf("ResponseHeader %+v", r.ResponseHeader)
			}
			if out.Version != "http://www.niso.org/schemas/ncip/v2_0/imp1/xsd/ncip_v2_0.xsd" {
				t.Errorf("version %q", out.Version)
			}
		})
	}
}

func TestNew(t *testing.T) {
	gw := newFakeGateway()
	ok := ncipdoor.Partner{Agency: "A", Auth: ncipdoor.AuthNone}
	tests := []struct {
		name string
		cfg  ncipdoor.Config
		want string // "" = accepted
	}{
		{"ok", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{ok}}, ""},
		{"no gateway", ncipdoor.Config{Partners: []ncipdoor.Partner{ok}}, "Gateway is nil"},
		{"no partners", ncipdoor.Config{Gateway: gw}, "Partners is empty"},
		{"negative timeout", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{ok}, Timeout: -time.Second}, "Timeout is negative"},
		{"empty agency", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: " ", Auth: ncipdoor.AuthNone}}}, "partner 1: Agency is empty"},
		{"duplicate agency", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{ok, {Agency: "a", Auth: ncipdoor.AuthNone}}}, `partner 2 (agency "a"): same agency as partner 1`},
		{"empty auth", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A"}}}, "Auth is empty"},
		{"unknown auth", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: "basic"}}}, `unknown Auth "basic"`},
		{"header without token", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: ncipdoor.AuthHeader}}}, `Auth "header" needs a Token`},
		{"message without token", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: ncipdoor.AuthMessage}}}, `Auth "message" needs a Token`},
		{"none with token", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: ncipdoor.AuthNone, Token: "s3cr3t-none"}}}, `with a Token set`},
		{"unknown ItemID", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: ncipdoor.AuthNone, ItemID: "barcode"}}}, `unknown ItemID "barcode"`},
		{"empty value", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: ncipdoor.AuthNone, Values: map[string]map[string]string{"RequestType": {"Hold": ""}}}}}, `Values["RequestType"] maps "Hold" to ""`},
		{"empty pickup location", ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{{Agency: "A", Auth: ncipdoor.AuthNone, PickupLocations: map[string]string{"": "B1"}}}}, `PickupLocations maps "" to "B1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ncipdoor.New(tc.cfg)
			if tc.want == "" {
				if err != nil || r == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}
}

// TestPassThroughRetriesLookupsOnly: a lookup is retried when the ILS
// fails with a 5xx; a service that changes something is sent once.
func TestPassThroughRetriesLookupsOnly(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	ils := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls%2 == 1
		mu.Unlock()
		if first {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(ilsAnswer))
	}))
	defer ils.Close()
	up := ncipclient.New(ils.URL, ncipclient.Options{Timeout: 10 * time.Second, Retries: 2})
	h := newHarness(t, open(up))
	tests := []struct {
		name      string
		msg       *ncip.Message
		wantCalls int
		want      string
	}{
		{"LookupUser retried", &ncip.Message{LookupUser: &ncip.LookupUser{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "P"}}}, 2, ""},
		{"RenewItem sent once", &ncip.Message{RenewItem: &ncip.RenewItem{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "P"}, ItemID: ncip.ItemID{ItemIdentifierValue: "I"}}}, 1, "Temporary Processing Failure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			calls = 0
			mu.Unlock()
			out := h.send(tc.msg, tc.want != "")
			mu.Lock()
			got := calls
			mu.Unlock()
			if got != tc.wantCalls {
				t.Errorf("the ILS got %d requests, want %d", got, tc.wantCalls)
			}
			if problemOf(out) != tc.want {
				t.Errorf("problem %+v, want %q", out.Problem(), tc.want)
			}
		})
	}
}

// TestTimeout: Config.Timeout bounds the gateway's work and the ILS's
// answer; the partner gets "Temporary Processing Failure".
func TestTimeout(t *testing.T) {
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop) // before Close, which waits for the handler
	up := ncipclient.New(hang.URL, ncipclient.Options{Timeout: time.Minute, Retries: -1})
	gw := newFakeGateway()
	gw.block["AcceptILL"] = true
	r, err := ncipdoor.New(ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{open(up)}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	tests := []struct {
		name   string
		msg    *ncip.Message
		detail string
	}{
		{"gateway", accept("OPEN", "R1", "I1", "P1", "B1"), "the gateway timed out"},
		{"ILS", &ncip.Message{LookupUser: &ncip.LookupUser{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "P"}}}, "did not answer in time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := ncip.Marshal(tc.msg)
			resp, err := http.Post(srv.URL, "application/xml", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			mustValid(t, buf.Bytes())
			out, _ := ncip.Unmarshal(buf.Bytes())
			if p := out.Problem(); p == nil || p.Type.Value != "Temporary Processing Failure" || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("problem %+v, want Temporary Processing Failure with %q", p, tc.detail)
			}
		})
	}
}
