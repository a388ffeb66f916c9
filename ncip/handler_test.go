package ncip_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
	"github.com/lockergate/lockergate/ncip/schema"
)

type recLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *recLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, v...))
}

func (l *recLogger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// post sends body to h and returns the status, content type and decoded
// response.
func post(t *testing.T, h http.Handler, contentType, body string) (int, string, *ncip.Message) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/ncip", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	m, err := ncip.Unmarshal(w.Body.Bytes())
	if err != nil {
		t.Fatalf("response is not NCIP: %v\n%s", err, w.Body.String())
	}
	// Every answer, Problems included, is schema-valid (LookupVersion is
	// not in the schema).
	if m.LookupVersionResponse == nil {
		if err := schema.NCIP().ValidateBytes(w.Body.Bytes()); err != nil {
			t.Errorf("response is not schema-valid: %v\n%s", err, w.Body.String())
		}
	}
	return w.Code, w.Header().Get("Content-Type"), m
}

const lookupU1 = `<NCIPMessage version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd" xmlns="http://www.niso.org/2008/ncip"><LookupUser><InitiationHeader><FromAgencyId><AgencyId>ILL</AgencyId></FromAgencyId><ToAgencyId><AgencyId>LIB</AgencyId></ToAgencyId></InitiationHeader><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><UserElementType>Name Information</UserElementType></LookupUser></NCIPMessage>`

func TestHandlerLookupUser(t *testing.T) {
	h := &ncip.Handler{Backend: nciptest.NewDemo()}
	for _, ct := range []string{"application/xml", "text/xml; charset=UTF-8", ""} {
		code, gotCT, m := post(t, h, ct, lookupU1)
		if code != 200 || gotCT != "application/xml; charset=utf-8" {
			t.Errorf("%q: status %d, Content-Type %q", ct, code, gotCT)
		}
		r := m.LookupUserResponse
		if r == nil || r.UserID.UserIdentifierValue != "U1" || r.UserOptionalFields.NameInformation.PersonalNameInformation.UnstructuredPersonalUserName != "Ada Lovelace" {
			t.Fatalf("%q: response %+v", ct, m)
		}
		if m.Version != "http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd" {
			t.Errorf("version %q not echoed", m.Version)
		}
		if r.ResponseHeader == nil || r.ResponseHeader.FromAgencyID.AgencyID.Value != "LIB" || r.ResponseHeader.ToAgencyID.AgencyID.Value != "ILL" {
			t.Errorf("ResponseHeader = %+v, want From LIB To ILL", r.ResponseHeader)
		}
	}
}

func TestHandlerFormField(t *testing.T) {
	h := &ncip.Handler{Backend: nciptest.NewDemo()}
	for _, field := range []string{"NCIPMessage", "xml", "XForms:Model"} {
		body := url.Values{field: {lookupU1}}.Encode()
		_, _, m := post(t, h, "application/x-www-form-urlencoded", body)
		if m.LookupUserResponse == nil || m.LookupUserResponse.UserID == nil {
			t.Errorf("form field %s: response %+v", field, m)
		}
	}
	// Without a form content type, "NCIPMessage=" is still recognised.
	_, _, m := post(t, h, "", "NCIPMessage="+url.QueryEscape(lookupU1))
	if m.LookupUserResponse == nil || m.LookupUserResponse.UserID == nil {
		t.Errorf("untyped form: response %+v", m)
	}
}

type panicky struct{}

func (panicky) CheckInItem(ctx context.Context, r *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	panic("boom")
}

func (panicky) DeleteItem(ctx context.Context, r *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	return nil, fmt.Errorf("database is down")
}

func TestHandlerProblems(t *testing.T) {
	log := &recLogger{}
	h := &ncip.Handler{Backend: nciptest.NewDemo(), Logger: log, MaxBodyBytes: 4096}
	hp := &ncip.Handler{Backend: panicky{}, Logger: log}
	tests := []struct {
		name        string
		h           http.Handler
		body        string
		wantStatus  int
		wantType    string
		wantElement string
		topLevel    bool
	}{
		{"unknown service", h, `<NCIPMessage><LookupItemSet/></NCIPMessage>`, 200, "Unsupported Service", "LookupItemSet", true},
		{"unimplemented service", hp, lookupU1, 200, "Unsupported Service", "LookupUser", true},
		{"response sent as request", h, `<NCIPMessage><LookupUserResponse/></NCIPMessage>`, 200, "Unsupported Service", "LookupUserResponse", true},
		{"syntax", h, `<NCIPMessage><LookupUser>`, 200, "Invalid Message Syntax Error", "LookupUser", true},
		{"html", h, `<html>It works!</html>`, 200, "Invalid Message Syntax Error", "NCIPMessage", true},
		{"empty", h, `<NCIPMessage/>`, 200, "Invalid Message Syntax Error", "NCIPMessage", true},
		{"needed data", h, `<NCIPMessage><LookupUser/></NCIPMessage>`, 200, "Needed Data Missing", "UserId", false},
		{"needed item", h, `<NCIPMessage><CheckOutItem><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId></CheckOutItem></NCIPMessage>`, 200, "Needed Data Missing", "ItemId", false},
		{"unknown user", h, `<NCIPMessage><LookupUser><UserId><UserIdentifierValue>nobody</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, 200, "Unknown User", "UserIdentifierValue", false},
		{"blocked", h, `<NCIPMessage><CheckOutItem><UserId><UserIdentifierValue>U2</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId></CheckOutItem></NCIPMessage>`, 200, "User Blocked", "UserId", false},
		{"panic", hp, `<NCIPMessage><CheckInItem><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId></CheckInItem></NCIPMessage>`, 200, "Temporary Processing Failure", "CheckInItem", false},
		{"backend error", hp, `<NCIPMessage><DeleteItem><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId></DeleteItem></NCIPMessage>`, 200, "Temporary Processing Failure", "DeleteItem", false},
		{"too large", h, `<NCIPMessage><LookupUser>` + strings.Repeat(" ", 5000) + `</LookupUser></NCIPMessage>`, 413, "Invalid Message Syntax Error", "NCIPMessage", true},
		{"v1", h, `<NCIPMessage version="http://www.niso.org/ncip/v1_0/imp1/dtd/ncip_v1_0.dtd"><LookupUser/></NCIPMessage>`, 200, "Invalid Message Syntax Error", "NCIPMessage", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, m := post(t, tt.h, "application/xml", tt.body)
			if code != tt.wantStatus {
				t.Errorf("status %d, want %d", code, tt.wantStatus)
			}
			p := m.Problem()
			if p == nil || !p.Type.Is(tt.wantType) || p.Element != tt.wantElement || p.Type.Scheme == "" {
				t.Fatalf("problem %+v, want type %q element %q with a scheme", p, tt.wantType, tt.wantElement)
			}
			if tt.topLevel != (len(m.Problems) > 0) {
				t.Errorf("top-level = %v, want %v (%+v)", len(m.Problems) > 0, tt.topLevel, m)
			}
		})
	}
	if l := log.String(); !strings.Contains(l, "panic in CheckInItem backend: boom") || !strings.Contains(l, "database is down") {
		t.Errorf("log = %q, want the panic and the backend error", l)
	}
}

func TestHandlerMethod(t *testing.T) {
	w := httptest.NewRecorder()
	(&ncip.Handler{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != 405 || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET: status %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
	if _, err := ncip.Unmarshal(w.Body.Bytes()); err != nil {
		t.Errorf("405 body is not NCIP: %v", err)
	}
}

// TestHandlerNoSecrets: a failed PIN check says so without echoing the PIN
// in the response or the log.
func TestHandlerNoSecrets(t *testing.T) {
	log := &recLogger{}
	h := &ncip.Handler{Backend: nciptest.NewDemo(), Logger: log}
	body := `<NCIPMessage><LookupUser><AuthenticationInput><AuthenticationInputData>U1</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>Barcode Id</AuthenticationInputType></AuthenticationInput><AuthenticationInput><AuthenticationInputData>s3cr3tPIN</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>PIN</AuthenticationInputType></AuthenticationInput></LookupUser></NCIPMessage>`
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	out, _ := io.ReadAll(w.Body)
	if !strings.Contains(string(out), "User Authentication Failed") {
		t.Fatalf("want User Authentication Failed, got %s", out)
	}
	if strings.Contains(string(out), "s3cr3tPIN") || strings.Contains(log.String(), "s3cr3tPIN") {
		t.Errorf("PIN leaked: response %s log %q", out, log.String())
	}
}

func TestHandlerLookupVersionDefault(t *testing.T) {
	_, _, m := post(t, &ncip.Handler{Backend: panicky{}}, "", `<NCIPMessage><LookupVersion><FromAgencyId><AgencyId>A</AgencyId></FromAgencyId><ToAgencyId><AgencyId>B</AgencyId></ToAgencyId></LookupVersion></NCIPMessage>`)
	r := m.LookupVersionResponse
	if r == nil || len(r.VersionSupported) != 3 || r.ToAgencyID.AgencyID.Value != "A" {
		t.Errorf("LookupVersionResponse = %+v", r)
	}
}
