package ncipclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

func TestClientAgainstMemory(t *testing.T) {
	srv := nciptest.NewServer(t, nciptest.NewDemo())
	c := ncipclient.New(srv.URL, ncipclient.Options{Profile: ncipclient.Profile{FromAgency: "ILL", ToAgency: "LIB"}})
	ctx := t.Context()
	lu, err := c.LookupUser(ctx, &ncip.LookupUser{UserID: &ncip.UserID{UserIdentifierValue: "U1"}})
	if err != nil || lu.UserID.UserIdentifierValue != "U1" {
		t.Fatalf("LookupUser = %+v, %v", lu, err)
	}
	if lu.ResponseHeader == nil || lu.ResponseHeader.ToAgencyID.AgencyID.Value != "ILL" {
		t.Errorf("profile header not sent/echoed: %+v", lu.ResponseHeader)
	}
	co, err := c.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: &ncip.UserID{UserIdentifierValue: "U1"}, ItemID: ncip.ItemID{ItemIdentifierValue: "I1"}})
	if err != nil || co.DateDue.IsZero() {
		t.Fatalf("CheckOutItem = %+v, %v", co, err)
	}
	// A Problem comes back typed, with the response.
	co, err = c.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: &ncip.UserID{UserIdentifierValue: "U2"}, ItemID: ncip.ItemID{ItemIdentifierValue: "I2"}})
	var p *ncip.Problem
	if !errors.As(err, &p) || !errors.Is(err, ncip.ProblemTypeUserBlocked) || co == nil || len(co.Problems) != 1 {
		t.Fatalf("blocked CheckOutItem = %+v, %v; want a User Blocked Problem and the response", co, err)
	}
	ci, err := c.CheckInItem(ctx, &ncip.CheckInItem{ItemID: ncip.ItemID{ItemIdentifierValue: "I1"}})
	if err != nil || ci.UserID == nil || ci.UserID.UserIdentifierValue != "U1" {
		t.Fatalf("CheckInItem = %+v, %v", ci, err)
	}
}

func TestClientTransportErrors(t *testing.T) {
	var calls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/html500", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(500)
		io.WriteString(w, "<html><body><h1>Internal Server Error</h1>token was "+r.Header.Get("Authorization")+"</body></html>")
	})
	mux.HandleFunc("/itworks", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "It works!") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	mux.HandleFunc("/problem500", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		io.WriteString(w, `<NCIPMessage><Problem><ProblemType>Temporary Processing Failure</ProblemType></Problem></NCIPMessage>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := t.Context()
	const token = "tok-SECRET-123"
	opts := ncipclient.Options{Token: token, Timeout: 300 * time.Millisecond, Retries: 2}

	c := ncipclient.New(srv.URL+"/html500", opts)
	_, err := c.CheckInItem(ctx, &ncip.CheckInItem{ItemID: ncip.ItemID{ItemIdentifierValue: "I1"}})
	var te *ncipclient.TransportError
	if !errors.As(err, &te) || te.Status != 500 || !strings.Contains(err.Error(), "Internal Server Error") || !errors.Is(err, ncipclient.ErrNotNCIP) {
		t.Fatalf("HTML 500: %v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("token leaked in error: %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("CheckInItem was sent %d times, want 1 (no retries for updates)", n)
	}
	calls.Store(0)
	c.LookupItem(ctx, &ncip.LookupItem{ItemID: &ncip.ItemID{ItemIdentifierValue: "I1"}})
	if n := calls.Load(); n != 3 {
		t.Errorf("LookupItem was sent %d times, want 3 (1 + 2 retries)", n)
	}

	_, err = ncipclient.New(srv.URL+"/itworks", opts).LookupUser(ctx, &ncip.LookupUser{})
	if !errors.As(err, &te) || te.Status != 200 || !strings.Contains(err.Error(), "It works!") {
		t.Errorf("It works!: %v", err)
	}

	start := time.Now()
	_, err = ncipclient.New(srv.URL+"/slow", ncipclient.Options{Timeout: 200 * time.Millisecond, Retries: -1}).DeleteItem(ctx, &ncip.DeleteItem{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("slow: %v after %v, want a deadline error quickly", err, time.Since(start))
	}

	_, err = ncipclient.New(srv.URL+"/problem500", opts).DeleteItem(ctx, &ncip.DeleteItem{})
	if !errors.Is(err, ncip.ProblemTypeTemporaryProcessingFailure) {
		t.Errorf("Problem with 500: %v, want the Problem", err)
	}
}

func TestClientProfileAndAuth(t *testing.T) {
	var got *ncip.Message
	var gotAuth, gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, _ = ncip.Unmarshal(b)
		gotAuth, gotKey = r.Header.Get("Authorization"), r.Header.Get("X-Api-Key")
		io.WriteString(w, `<NCIPMessage><RequestItemResponse><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId></RequestItemResponse></NCIPMessage>`)
	}))
	defer srv.Close()
	c := ncipclient.New(srv.URL, ncipclient.Options{Token: "k1", TokenHeader: "X-Api-Key", BasicUser: "u", BasicPassword: "pw", Profile: ncipclient.Profile{
		FromAgency: "ILL", ToAgency: "LIB", ApplicationProfileType: "PARTNER",
		Schemes: map[string]string{"RequestType": "http://www.niso.org/ncip/v1_0/imp1/schemes/requesttype/requesttype.scm"},
		Values:  map[string]map[string]string{"RequestScopeType": {"item": "Bibliographic Item"}},
	}})
	_, err := c.RequestItem(t.Context(), &ncip.RequestItem{UserID: &ncip.UserID{UserIdentifierValue: "U1"}, ItemID: []ncip.ItemID{{ItemIdentifierValue: "I1"}}, RequestType: ncip.SV("Page"), RequestScopeType: ncip.SV("Item")})
	if err != nil {
		t.Fatal(err)
	}
	r := got.RequestItem
	if r.InitiationHeader == nil || r.InitiationHeader.ApplicationProfileType.Value != "PARTNER" || r.InitiationHeader.FromAgencyID.AgencyID.Value != "ILL" {
		t.Errorf("header = %+v", r.InitiationHeader)
	}
	if r.RequestType.Scheme == "" || r.RequestScopeType.Value != "Bibliographic Item" {
		t.Errorf("profile not applied: %+v %+v", r.RequestType, r.RequestScopeType)
	}
	if gotKey != "k1" || !strings.HasPrefix(gotAuth, "Basic ") {
		t.Errorf("auth headers: X-Api-Key %q Authorization %q", gotKey, gotAuth)
	}
}
