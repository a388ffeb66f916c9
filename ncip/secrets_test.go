package ncip_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

// leakyBackend quotes the request's credentials in every way a careless
// backend could: an error, a Problem, a panic.
type leakyBackend struct{}

func pinOf(req *ncip.LookupUser) string {
	for _, a := range req.AuthenticationInput {
		if a.AuthenticationInputType.Is("PIN") || a.AuthenticationInputType.Is("Password") {
			return a.AuthenticationInputData
		}
	}
	return ""
}

func (leakyBackend) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	pin := pinOf(req)
	switch {
	case strings.HasPrefix(pin, "err"):
		return nil, fmt.Errorf("ils rejected pin %s for agency %s", pin, req.InitiationHeader.FromAgencyAuthentication)
	case strings.HasPrefix(pin, "prob"):
		p := ncip.NewProblem(ncip.ProblemTypeUserAuthenticationFailed, "AuthenticationInputData", "pin "+pin+" is wrong")
		p.Value = pin
		return nil, p
	default:
		panic(errors.New("cannot hash " + pin))
	}
}

func lookupWithPIN(pin, inputType, agencyAuth string) string {
	return `<NCIPMessage><LookupUser><InitiationHeader><FromAgencyId><AgencyId>ILL</AgencyId></FromAgencyId><FromAgencyAuthentication>` + agencyAuth +
		`</FromAgencyAuthentication><ToAgencyId><AgencyId>LIB</AgencyId></ToAgencyId></InitiationHeader>` +
		`<AuthenticationInput><AuthenticationInputData>U1</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>Barcode Id</AuthenticationInputType></AuthenticationInput>` +
		`<AuthenticationInput><AuthenticationInputData>` + pin + `</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>` + inputType + `</AuthenticationInputType></AuthenticationInput></LookupUser></NCIPMessage>`
}

// TestSecretsNeverLeak: a patron's PIN or password and the agency's
// shared secret never reach the response, the log or an error, whether
// the backend quotes them (error, Problem, panic) or the XML around them
// is broken so that the decoder's error would quote them.
func TestSecretsNeverLeak(t *testing.T) {
	const agencyAuth = "agency-shared-secret"
	tests := []struct {
		name, pin, typ, secret string
		wantType               string
	}{
		{"backend error quotes PIN", "err-pin-1234", "PIN", "err-pin-1234", "Temporary Processing Failure"},
		{"backend Problem quotes password", "prob-pass-5678", "Password", "prob-pass-5678", "User Authentication Failed"},
		{"backend panic quotes PIN", "panic-pin-9012", "PIN", "panic-pin-9012", "Temporary Processing Failure"},
		{"unescaped entity in PIN", "&sec4567;", "PIN", "sec4567", "Invalid Message Syntax Error"},
		{"unescaped ampersand in password", "pw&x1234", "Password", "x1234", "Invalid Message Syntax Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &recLogger{}
			h := &ncip.Handler{Backend: leakyBackend{}, Logger: log}
			doc := lookupWithPIN(tt.pin, tt.typ, agencyAuth)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/ncip", strings.NewReader(doc)))
			m, err := ncip.Unmarshal(w.Body.Bytes())
			if err != nil {
				t.Fatalf("response is not NCIP: %v", err)
			}
			if p := m.Problem(); p == nil || !p.Type.Is(tt.wantType) {
				t.Fatalf("problem %+v, want %q", p, tt.wantType)
			}
			_, uerr := ncip.Unmarshal([]byte(doc))
			for _, where := range []struct{ what, text string }{{"response", w.Body.String()}, {"log", log.String()}, {"Unmarshal error", fmt.Sprint(uerr)}} {
				for _, s := range []string{tt.secret, agencyAuth} {
					if strings.Contains(where.text, s) {
						t.Errorf("%s shows %q: %s", where.what, s, where.text)
					}
				}
			}
			if tt.wantType == "Temporary Processing Failure" && !strings.Contains(log.String(), "[redacted]") {
				t.Errorf("log %q: want the backend's message logged with the secret redacted", log.String())
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	req := &ncip.CheckOutItem{AuthenticationInput: []ncip.AuthenticationInput{
		{AuthenticationInputData: "U1", AuthenticationInputType: ncip.SV("barcode id")},
		{AuthenticationInputData: "1234", AuthenticationInputType: ncip.SV("PIN")},
		{AuthenticationInputData: "token-x", AuthenticationInputType: ncip.SV("Vendor Token")},
	}}
	got := ncip.Credentials(req, &ncip.InitiationHeader{FromAgencyAuthentication: "agency"})
	want := []string{"agency", "", "1234", "token-x"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Credentials = %q, want %q", got, want)
	}
	if got := ncip.Credentials(&ncip.DeleteItem{}, nil); len(got) != 0 {
		t.Errorf("Credentials(DeleteItem) = %q, want none", got)
	}
}
