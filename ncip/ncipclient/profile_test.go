package ncipclient_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

const (
	reqTypeScheme = "http://www.niso.org/ncip/v1_0/imp1/schemes/requesttype/requesttype.scm"
	itemIDScheme  = "http://www.niso.org/ncip/v1_0/schemes/visibleitemidentifiertype/visibleitemidentifiertype.scm"
)

// recorder is a responder that keeps every request it receives, keyed by
// the FromAgencyId of its header, and answers each with an empty response
// of the right service.
type recorder struct {
	mu  sync.Mutex
	got map[string][]*ncip.Message
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	m, err := ncip.Unmarshal(b)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	from := ""
	_, body := m.Body()
	if h, ok := reflect.ValueOf(body).Elem().FieldByName("InitiationHeader").Interface().(*ncip.InitiationHeader); ok && h != nil {
		from = h.FromAgencyID.AgencyID.Value
	}
	rec.mu.Lock()
	rec.got[from] = append(rec.got[from], m)
	rec.mu.Unlock()
	fmt.Fprintf(w, `<NCIPMessage xmlns="%s" version="v2"><%sResponse><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId></%[2]sResponse></NCIPMessage>`, ncip.Namespace, m.Service())
}

func newRecorder(t *testing.T) (*recorder, string) {
	rec := &recorder{got: map[string][]*ncip.Message{}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// profileA and profileB differ in everything a profile sets.
var (
	profileA = ncipclient.Profile{
		FromAgency: "ILL-A", ToAgency: "LIB-A", ApplicationProfileType: "PARTNER-A",
		Schemes: map[string]string{"RequestType": reqTypeScheme, "ItemIdentifierType": itemIDScheme},
		Values:  map[string]map[string]string{"RequestScopeType": {"item": "Bibliographic Item"}, "ItemElementType": {"circulation status": "Circ Status A"}},
	}
	profileB = ncipclient.Profile{
		FromAgency: "ILL-B", ToAgency: "LIB-B", ApplicationProfileType: "PARTNER-B",
		Values: map[string]map[string]string{"RequestType": {"page": "Hold"}, "ItemElementType": {"circulation status": "Circ Status B"}},
	}
)

// richRequest has SchemeValues at every depth a profile reaches: in the
// body, behind a pointer, in a slice of structs and in a slice of values.
func richRequest() *ncip.RequestItem {
	return &ncip.RequestItem{
		UserID:           &ncip.UserID{UserIdentifierValue: "U1", UserIdentifierType: ncip.SV("Barcode")},
		ItemID:           []ncip.ItemID{{ItemIdentifierValue: "I1", ItemIdentifierType: ncip.SV("Barcode")}, {ItemIdentifierValue: "I2"}},
		RequestType:      ncip.SV("Page"),
		RequestScopeType: ncip.SV("Item"),
		ItemElementType:  []ncip.SchemeValue{ncip.SV("Bibliographic Description"), ncip.SV("Circulation Status")},
	}
}

// checkProfile fails unless m, as received, carries everything profile p
// (profileA or profileB) sets.
func checkProfile(t *testing.T, name string, m *ncip.Message, p ncipclient.Profile) {
	t.Helper()
	r := m.RequestItem
	if r == nil || r.InitiationHeader == nil {
		t.Fatalf("%s: received %+v, want a RequestItem with a header", name, r)
	}
	h := r.InitiationHeader
	if h.FromAgencyID.AgencyID.Value != p.FromAgency || h.ToAgencyID.AgencyID.Value != p.ToAgency || h.ApplicationProfileType.Value != p.ApplicationProfileType {
		t.Errorf("%s: header %+v, want the profile's agencies %s→%s and %s", name, h, p.FromAgency, p.ToAgency, p.ApplicationProfileType)
	}
	wantType, wantTypeScheme, wantScope, wantItemScheme, wantElem := "Page", reqTypeScheme, "Bibliographic Item", itemIDScheme, "Circ Status A"
	if p.FromAgency == profileB.FromAgency {
		wantType, wantTypeScheme, wantScope, wantItemScheme, wantElem = "Hold", "", "Item", "", "Circ Status B"
	}
	if r.RequestType != (ncip.SchemeValue{Scheme: wantTypeScheme, Value: wantType}) || r.RequestScopeType.Value != wantScope {
		t.Errorf("%s: RequestType %+v RequestScopeType %+v, want %q (scheme %q) and %q", name, r.RequestType, r.RequestScopeType, wantType, wantTypeScheme, wantScope)
	}
	if len(r.ItemID) != 2 || r.ItemID[0].ItemIdentifierType.Scheme != wantItemScheme || r.ItemID[1].ItemIdentifierType.Scheme != "" {
		t.Errorf("%s: ItemId %+v, want the first type with scheme %q", name, r.ItemID, wantItemScheme)
	}
	if len(r.ItemElementType) != 2 || r.ItemElementType[0].Value != "Bibliographic Description" || r.ItemElementType[1].Value != wantElem {
		t.Errorf("%s: ItemElementType %+v, want the second translated to %q", name, r.ItemElementType, wantElem)
	}
}

// TestSendLeavesRequestUnchanged: the profile changes what is sent, never
// the caller's request, whether the profile adds a header, schemes or
// translations.
func TestSendLeavesRequestUnchanged(t *testing.T) {
	rec, url := newRecorder(t)
	c := ncipclient.New(url, ncipclient.Options{Profile: profileA, Retries: -1})
	req := richRequest()
	if _, err := c.RequestItem(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if want := richRequest(); !reflect.DeepEqual(req, want) {
		t.Errorf("request changed by the send:\n got %+v\nwant %+v", req, want)
	}
	// The profile did apply, to what was sent.
	if n := len(rec.got["ILL-A"]); n != 1 {
		t.Fatalf("received %d requests from ILL-A, want 1 (got %v)", n, rec.got)
	}
	checkProfile(t, "first send", rec.got["ILL-A"][0], profileA)

	// The same value sent again is sent the same way.
	if _, err := c.RequestItem(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	checkProfile(t, "second send", rec.got["ILL-A"][1], profileA)

	// A caller's own header is kept as it is, and not changed either.
	own := richRequest()
	own.InitiationHeader = &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("OWN")}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("LIB")}}
	if _, err := c.Send(t.Context(), &ncip.Message{RequestItem: own}, false); err != nil {
		t.Fatal(err)
	}
	if len(rec.got["OWN"]) != 1 || rec.got["OWN"][0].RequestItem.InitiationHeader.ApplicationProfileType.Value != "" {
		t.Errorf("own header not sent as given: %v", rec.got["OWN"])
	}
	want := richRequest()
	want.InitiationHeader = &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("OWN")}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("LIB")}}
	if !reflect.DeepEqual(own, want) {
		t.Errorf("request with its own header changed by the send:\n got %+v\nwant %+v", own, want)
	}
}

// TestSendTwoProfiles: one request value sent to two partners carries
// each partner's profile, whatever the order, and however often.
func TestSendTwoProfiles(t *testing.T) {
	rec, url := newRecorder(t)
	a := ncipclient.New(url, ncipclient.Options{Profile: profileA, Retries: -1})
	b := ncipclient.New(url, ncipclient.Options{Profile: profileB, Retries: -1})
	req := richRequest()
	for _, c := range []*ncipclient.Client{a, b, a, b} {
		if _, err := c.RequestItem(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.got["ILL-A"]) != 2 || len(rec.got["ILL-B"]) != 2 {
		t.Fatalf("received %d from ILL-A and %d from ILL-B, want 2 each", len(rec.got["ILL-A"]), len(rec.got["ILL-B"]))
	}
	for i := range 2 {
		checkProfile(t, fmt.Sprintf("A #%d", i+1), rec.got["ILL-A"][i], profileA)
		checkProfile(t, fmt.Sprintf("B #%d", i+1), rec.got["ILL-B"][i], profileB)
	}
	if !reflect.DeepEqual(req, richRequest()) {
		t.Errorf("request changed by the sends: %+v", req)
	}
}

// TestSendSharedRequestConcurrently: goroutines may send one request value
// at once through clients with different profiles (the race detector
// would see any write to it).
func TestSendSharedRequestConcurrently(t *testing.T) {
	rec, url := newRecorder(t)
	clients := map[string]*ncipclient.Client{
		"ILL-A": ncipclient.New(url, ncipclient.Options{Profile: profileA, Retries: -1}),
		"ILL-B": ncipclient.New(url, ncipclient.Options{Profile: profileB, Retries: -1}),
	}
	m := &ncip.Message{RequestItem: richRequest()}
	const each = 8
	var wg sync.WaitGroup
	for _, c := range clients {
		for range each {
			wg.Go(func() {
				if _, err := c.Send(t.Context(), m, false); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	for from, p := range map[string]ncipclient.Profile{"ILL-A": profileA, "ILL-B": profileB} {
		if len(rec.got[from]) != each {
			t.Fatalf("received %d requests from %s, want %d", len(rec.got[from]), from, each)
		}
		for i, got := range rec.got[from] {
			checkProfile(t, fmt.Sprintf("%s #%d", from, i+1), got, p)
		}
	}
	if !reflect.DeepEqual(m, &ncip.Message{RequestItem: richRequest()}) {
		t.Errorf("request changed by the sends: %+v", m.RequestItem)
	}
}
