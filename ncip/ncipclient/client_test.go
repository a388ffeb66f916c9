package ncipclient_test

import (
	"context"
	"errors"
	"fmt"
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
	// A generous timeout: the retry count below must not depend on how
	// fast the machine is (the server answers at once).
	opts := ncipclient.Options{Token: token, Timeout: 10 * time.Second, Retries: 2}

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

// TestClientAuthenticationInput: patron credentials travel in the
// message's AuthenticationInput; a wrong PIN comes back as a typed
// Problem that does not quote the PIN.
func TestClientAuthenticationInput(t *testing.T) {
	srv := nciptest.NewServer(t, nciptest.NewDemo())
	c := ncipclient.New(srv.URL, ncipclient.Options{})
	creds := func(pin string) []ncip.AuthenticationInput {
		return []ncip.AuthenticationInput{
			{AuthenticationInputData: "U1", AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("Barcode Id")},
			{AuthenticationInputData: pin, AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("PIN")},
		}
	}
	lu, err := c.LookupUser(t.Context(), &ncip.LookupUser{AuthenticationInput: creds("1234")})
	if err != nil || lu.UserID == nil || lu.UserID.UserIdentifierValue != "U1" {
		t.Fatalf("LookupUser with the right PIN = %+v, %v", lu, err)
	}
	_, err = c.LookupUser(t.Context(), &ncip.LookupUser{AuthenticationInput: creds("9876-wrong")})
	if !errors.Is(err, ncip.ProblemTypeUserAuthenticationFailed) {
		t.Fatalf("LookupUser with a wrong PIN: %v, want User Authentication Failed", err)
	}
	if strings.Contains(err.Error(), "9876-wrong") {
		t.Errorf("error quotes the PIN: %v", err)
	}
}

// TestClientTransportErrorRedacts: a peer whose error page echoes the
// request and its headers gets quoted without the token, the basic-auth
// credentials, the patron's PIN or the agency authentication, even when
// a secret straddles the point where the quote is cut.
func TestClientTransportErrorRedacts(t *testing.T) {
	const (
		token   = "tok-0123456789abcdef"
		pin     = "pin-4711-x"
		agency  = "agency-secret-77"
		basicPW = "basic-pw-99"
	)
	echo := func(pad int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			m, err := ncip.Unmarshal(b)
			if err != nil || m.LookupUser == nil || len(m.LookupUser.AuthenticationInput) != 2 {
				t.Errorf("echo server: request %v %s", err, b)
				return
			}
			lu := m.LookupUser
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprintf(w, "%s%s %s pin=%s agency=%s", strings.Repeat("x", pad), r.Header.Get("Authorization"), r.Header.Get("X-Token"),
				lu.AuthenticationInput[1].AuthenticationInputData, lu.InitiationHeader.FromAgencyAuthentication)
		}
	}
	req := &ncip.LookupUser{
		InitiationHeader: &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("ILL")}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("LIB")}, FromAgencyAuthentication: agency},
		AuthenticationInput: []ncip.AuthenticationInput{
			{AuthenticationInputData: "U1", AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("Barcode Id")},
			{AuthenticationInputData: pin, AuthenticationDataFormatType: ncip.SV("text"), AuthenticationInputType: ncip.SV("PIN")},
		},
	}
	// pad 0 quotes everything; the others place the Authorization value
	// across the 200-byte cut.
	for _, pad := range []int{0, 185, 195} {
		srv := httptest.NewServer(echo(pad))
		for _, opts := range []ncipclient.Options{
			{Token: token, TokenHeader: "X-Token", BasicUser: "ill", BasicPassword: basicPW, Retries: -1},
			{Token: token, Retries: -1},
		} {
			_, err := ncipclient.New(srv.URL, opts).LookupUser(t.Context(), req)
			var te *ncipclient.TransportError
			if !errors.As(err, &te) || te.Status != 502 {
				t.Fatalf("pad %d: %v, want a TransportError with status 502", pad, err)
			}
			msg := err.Error()
			for _, secret := range []string{token, token[:6], pin, agency, basicPW, "aWxsOmJhc2ljLXB3LTk5"} {
				if strings.Contains(msg, secret) {
					t.Errorf("pad %d: error shows %q: %s", pad, secret, msg)
				}
			}
			if pad == 0 && (!strings.Contains(msg, "pin=[redacted] agency=[redacted]") || !strings.Contains(msg, " [redacted] ")) {
				t.Errorf("pad 0: want the body quoted with [redacted] in place of secrets: %s", msg)
			}
		}
		srv.Close()
	}
}

// TestClientResponseLimit: an endless answer is cut at MaxResponseBytes
// and reported, not read into memory without bound.
func TestClientResponseLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<NCIPMessage><LookupUserResponse><UserId><UserIdentifierValue>")
		chunk := []byte(strings.Repeat("a", 64<<10))
		for n := 0; n <= ncipclient.MaxResponseBytes; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	_, err := ncipclient.New(srv.URL, ncipclient.Options{Retries: -1}).LookupUser(t.Context(), &ncip.LookupUser{UserID: &ncip.UserID{UserIdentifierValue: "U1"}})
	var te *ncipclient.TransportError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "larger than") || len(te.Start) > 210 {
		t.Fatalf("oversized answer: %v", err)
	}
}

// TestClientWrongService: an answer holding another service than the one
// asked for is an error naming both, not a nil response with a nil error.
func TestClientWrongService(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="v2"><CheckInItemResponse><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId></CheckInItemResponse></NCIPMessage>`)
	}))
	defer srv.Close()
	c := ncipclient.New(srv.URL, ncipclient.Options{})
	lu, err := c.LookupUser(t.Context(), &ncip.LookupUser{UserID: &ncip.UserID{UserIdentifierValue: "U1"}})
	if lu != nil || err == nil || !strings.Contains(err.Error(), `asked LookupUser, the answer holds "CheckInItemResponse"`) {
		t.Errorf("LookupUser = %+v, %v; want an error naming LookupUser and CheckInItemResponse", lu, err)
	}
	ci, err := c.CheckInItem(t.Context(), &ncip.CheckInItem{ItemID: ncip.ItemID{ItemIdentifierValue: "I1"}})
	if err != nil || ci == nil || ci.ItemID.ItemIdentifierValue != "I1" {
		t.Errorf("CheckInItem = %+v, %v; want the response", ci, err)
	}
}
