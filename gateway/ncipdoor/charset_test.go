package ncipdoor_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// strictILS is an ILS's NCIP responder that records what it is sent, with
// its Content-Type.
type strictILS struct {
	mu     sync.Mutex
	bodies [][]byte
	types  []string
	srv    *httptest.Server
}

func newStrictILS(t *testing.T) *strictILS {
	s := &strictILS{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies, s.types = append(s.bodies, b), append(s.types, r.Header.Get("Content-Type"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		io.WriteString(w, ilsAnswer)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *strictILS) last(t *testing.T) (body []byte, contentType string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == 0 {
		t.Fatal("the ILS was sent nothing")
	}
	return s.bodies[len(s.bodies)-1], s.types[len(s.types)-1]
}

func (s *strictILS) client() *ncipclient.Client {
	return ncipclient.New(s.srv.URL, ncipclient.Options{Timeout: 5 * time.Second, Retries: -1})
}

// userIDByDeclaration reads the UserIdentifierValue of doc as a strict XML
// parser does: in the encoding its declaration names (UTF-8 when none),
// with no leniency for a Latin-1 label on UTF-8 bytes.
func userIDByDeclaration(doc []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(r), nil
	}
	var v struct {
		ID string `xml:"LookupUser>UserId>UserIdentifierValue"`
	}
	err := d.Decode(&v)
	return v.ID, err
}

func latin1(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lookupDoc is a LookupUser of user from OPEN after prolog.
func lookupDoc(prolog, user string) string {
	return prolog + `<NCIPMessage version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"><LookupUser><InitiationHeader>` +
		`<FromAgencyId><AgencyId>OPEN</AgencyId></FromAgencyId><ToAgencyId><AgencyId>ILS</AgencyId></ToAgencyId></InitiationHeader>` +
		`<UserId><UserIdentifierValue>` + user + `</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`
}

// TestPassThroughEncodings: a document passed through reaches the ILS in
// UTF-8, as ncipclient labels it, with an XML declaration that agrees, so
// that an ILS reading either the label or the declaration reads the
// partner's characters. Latin-1 bytes declared in the prolog or by the
// Content-Type's charset are transcoded; UTF-8 that says so (or nothing)
// goes byte for byte, whatever the Content-Type claims; ILLiad's Latin-1
// declaration on UTF-8 bytes keeps its bytes with the declaration set
// right.
func TestPassThroughEncodings(t *testing.T) {
	const name = "Müller-Ångström" // all in ISO-8859-1
	decl := func(enc string) string { return `<?xml version="1.0" encoding="` + enc + `"?>` + "\n" }
	tests := []struct {
		name        string
		body        []byte
		contentType string
		form        bool   // posted as a form field
		want        []byte // what the ILS must get exactly (nil: transcoded, checked by reading)
	}{
		{name: "Latin-1 declared in the prolog", body: latin1(t, lookupDoc(decl("ISO-8859-1"), name)), contentType: "text/xml"},
		{name: "windows-1252 declared in single quotes", body: latin1(t, lookupDoc(`<?xml version='1.0' encoding='windows-1252'?>`, name)), contentType: "application/xml"},
		{name: "Latin-1 declared by the Content-Type", body: latin1(t, lookupDoc(`<?xml version="1.0"?>`, name)), contentType: "text/xml; charset=ISO-8859-1"},
		{name: "Latin-1 by the Content-Type, no declaration", body: latin1(t, lookupDoc("", name)), contentType: `application/xml; charset="latin1"`},
		{name: "Latin-1 by the Content-Type over a UTF-8 declaration the bytes belie", body: latin1(t, lookupDoc(decl("UTF-8"), name)), contentType: "text/xml; charset=iso-8859-1"},
		{name: "Latin-1 in a form field", body: latin1(t, lookupDoc(decl("ISO-8859-1"), name)), contentType: "application/x-www-form-urlencoded; charset=ISO-8859-1", form: true},
		{name: "ILLiad: Latin-1 declared, UTF-8 sent", body: []byte(lookupDoc(decl("ISO-8859-1"), name)), contentType: "text/xml; charset=UTF-8",
			want: []byte(lookupDoc(decl("UTF-8"), name))},
		{name: "UTF-8 declared", body: []byte(lookupDoc(decl("UTF-8"), name)), contentType: "application/xml; charset=utf-8",
			want: []byte(lookupDoc(decl("UTF-8"), name))},
		{name: "UTF-8, no declaration, a Latin-1 Content-Type", body: []byte(lookupDoc("", name)), contentType: "text/xml; charset=ISO-8859-1",
			want: []byte(lookupDoc("", name))},
		{name: "UTF-8 with a byte-order mark", body: []byte("\ufeff" + lookupDoc(decl("utf-8"), name)), contentType: "application/xml",
			want: []byte("\ufeff" + lookupDoc(decl("utf-8"), name))},
		{name: "ASCII declared Latin-1", body: []byte(lookupDoc(decl("ISO-8859-1"), "Mueller")), contentType: "text/xml",
			want: []byte(lookupDoc(decl("ISO-8859-1"), "Mueller"))},
	}
	ils := newStrictILS(t)
	h := newHarness(t, open(ils.client()))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			user := name
			if tc.want != nil && !bytes.Contains(tc.want, []byte(name)) {
				user = "Mueller"
			}
			body := tc.body
			if tc.form {
				body = []byte(url.Values{"xml": {string(tc.body)}}.Encode())
			}
			status, answer := h.post(body, "Content-Type", tc.contentType)
			if status != http.StatusOK || !bytes.Contains(answer, []byte("ILS-ANSWER")) {
				t.Fatalf("not passed through: %d %s", status, answer)
			}
			got, ct := ils.last(t)
			if ct != "application/xml; charset=utf-8" {
				t.Fatalf("labelled %q", ct)
			}
			if tc.want != nil && !bytes.Equal(got, tc.want) {
				t.Fatalf("the ILS got\n%q\nwant\n%q", got, tc.want)
			}
			// Read as labelled: UTF-8.
			if !utf8.Valid(got) || !bytes.Contains(got, []byte(user)) {
				t.Fatalf("read as UTF-8, the ILS does not find %q in\n%q", user, got)
			}
			// Read as declared, strictly.
			if id, err := userIDByDeclaration(got); err != nil || id != user {
				t.Fatalf("read as its declaration says: %q (%v), want %q, in\n%q", id, err, user, got)
			}
			// And by the ncip package, as the gateway reads it.
			if m, err := ncip.Unmarshal(got); err != nil || m.LookupUser == nil || m.LookupUser.UserID.UserIdentifierValue != user {
				t.Fatalf("ncip reads %+v (%v)", m, err)
			}
		})
	}
}

// TestAcceptItemEncodings: what the gateway reads itself is the same text:
// an AcceptItem in Latin-1 that only its Content-Type declares (unreadable
// before: its bytes are not UTF-8) carries its title and patron name.
func TestAcceptItemEncodings(t *testing.T) {
	h := newHarness(t, illiad(nil))
	doc := func(prolog string) string {
		return prolog + `<NCIPMessage version="2.02"><AcceptItem><InitiationHeader><FromAgencyId><AgencyId>ILLIAD</AgencyId></FromAgencyId><ToAgencyId><AgencyId>LG</AgencyId></ToAgencyId></InitiationHeader>` +
			`<RequestId><RequestIdentifierValue>RQ-1</RequestIdentifierValue></RequestId><RequestedActionType>Hold For Pickup</RequestedActionType>` +
			`<UserId><UserIdentifierValue>P1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>ILL-1</ItemIdentifierValue></ItemId>` +
			`<ItemOptionalFields><BibliographicDescription><Title>Über Bücher</Title></BibliographicDescription></ItemOptionalFields>` +
			`<UserOptionalFields><NameInformation><PersonalNameInformation><UnstructuredPersonalUserName>Zoë Ångström</UnstructuredPersonalUserName></PersonalNameInformation></NameInformation></UserOptionalFields>` +
			`<PickupLocation>B1</PickupLocation></AcceptItem></NCIPMessage>`
	}
	tests := []struct {
		name, contentType string
		body              []byte
	}{
		{"declared by the Content-Type", "text/xml; charset=ISO-8859-1", latin1(t, doc(""))},
		{"declared in the prolog", "text/xml", latin1(t, doc(`<?xml version="1.0" encoding="ISO-8859-1"?>`))},
		{"ILLiad's UTF-8 under a Latin-1 prolog", "text/xml; charset=UTF-8", []byte(doc(`<?xml version="1.0" encoding="ISO-8859-1"?>`))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.gw.accepts)
			out := h.sendRaw(tc.body, true, append([]string{"Content-Type", tc.contentType}, bearer...)...)
			if p := out.Problem(); p != nil {
				t.Fatalf("problem %+v", p)
			}
			if len(h.gw.accepts) != before+1 {
				t.Fatalf("no AcceptILL")
			}
			a := h.gw.accepts[before]
			if a.Title != "Über Bücher" || a.PatronName != "Zoë Ångström" {
				t.Errorf("title %q, patron name %q", a.Title, a.PatronName)
			}
		})
	}
}
