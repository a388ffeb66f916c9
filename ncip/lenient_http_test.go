package ncip_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

// withDoctype inserts a harmless DOCTYPE after the BOM and XML
// declaration, which sends the document down the encoding/xml path.
func withDoctype(doc []byte) []byte {
	i := 0
	if bytes.HasPrefix(doc, []byte("\xEF\xBB\xBF")) {
		i = 3
	}
	if bytes.HasPrefix(doc[i:], []byte("<?xml")) {
		i += bytes.Index(doc[i:], []byte("?>")) + 2
	}
	return append(append(append([]byte{}, doc[:i]...), "<!DOCTYPE NCIPMessage>"...), doc[i:]...)
}

// usesFastPath reports whether Unmarshal takes doc with the fast decoder.
func usesFastPath(doc []byte) bool {
	d, err := ncip.ToUTF8(doc)
	if err != nil {
		return false
	}
	_, ok := ncip.FastUnmarshal(d)
	return ok
}

// TestLenientThroughHandler: every lenient input form of the issue,
// posted over HTTP to the Handler, is served, once through the fast
// decoder (where it takes the form) and once through encoding/xml (the
// same document with a DOCTYPE). The due date asked for comes back, which
// proves the date was read.
func TestLenientThroughHandler(t *testing.T) {
	const (
		ns   = `xmlns="http://www.niso.org/2008/ncip"`
		body = `<CheckOutItem><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId><DesiredDateDue>%DATE%</DesiredDateDue></CheckOutItem>`
	)
	want := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	doc := func(open, date, close string) string {
		return open + strings.Replace(body, "%DATE%", date, 1) + close
	}
	tests := []struct {
		name, doc, contentType string
		form, fast             bool
	}{
		{"qualified, application/xml", doc(`<NCIPMessage `+ns+` xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd">`, "2026-11-05T00:00:00Z", `</NCIPMessage>`), "application/xml", false, true},
		{"bare version, text/xml", doc(`<NCIPMessage `+ns+` version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd">`, "2026-11-05T00:00:00Z", `</NCIPMessage>`), "text/xml; charset=UTF-8", false, true},
		{"no namespace, no version", doc(`<NCIPMessage>`, "2026-11-05T00:00:00Z", `</NCIPMessage>`), "application/xml", false, true},
		{"ns1 prefixes", strings.NewReplacer("</", "</ns1:", "<", "<ns1:").Replace(doc(`<NCIPMessage xmlns:ns1="http://www.niso.org/2008/ncip" ns1:version="v2">`, "2026-11-05T00:00:00Z", `</NCIPMessage>`)), "application/xml", false, true},
		{"BOM", "\xEF\xBB\xBF" + doc(`<NCIPMessage `+ns+`>`, "2026-11-05T00:00:00Z", `</NCIPMessage>`), "application/xml", false, true},
		{"ISO-8859-1 prolog on UTF-8 bytes", `<?xml version="1.0" encoding="ISO-8859-1"?>` + doc(`<NCIPMessage `+ns+`>`, "2026-11-05T00:00:00Z", `</NCIPMessage>`), "text/xml", false, true},
		{"ISO-8859-1 prolog on Latin-1 bytes", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage " + ns + "><CheckOutItem><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId><ShippingInformation><ShippingInstructions>Caf\xe9</ShippingInstructions></ShippingInformation><DesiredDateDue>2026-11-05T00:00:00Z</DesiredDateDue></CheckOutItem></NCIPMessage>", "application/xml", false, false},
		{"form field xml", doc(`<NCIPMessage `+ns+`>`, "2026-11-05T00:00:00Z", `</NCIPMessage>`), "application/x-www-form-urlencoded", true, true},
		{"date only", doc(`<NCIPMessage `+ns+`>`, "2026-11-05", `</NCIPMessage>`), "application/xml", false, true},
		{"offset date", doc(`<NCIPMessage `+ns+`>`, "2026-11-05T02:00:00+02:00", `</NCIPMessage>`), "application/xml", false, true},
		{"v1 Scheme/Value children", `<NCIPMessage ` + ns + `><CheckOutItem><UserId><UserIdentifierType><Scheme>http://example.org/s</Scheme><Value>Barcode</Value></UserIdentifierType><UserIdentifierValue>U1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId><DesiredDateDue>2026-11-05T00:00:00Z</DesiredDateDue></CheckOutItem></NCIPMessage>`, "application/xml", false, false},
	}
	for _, tt := range tests {
		for _, variant := range []string{"as sent", "with DOCTYPE"} {
			t.Run(tt.name+"/"+variant, func(t *testing.T) {
				xmlDoc := []byte(tt.doc)
				wantFast := tt.fast
				if variant == "with DOCTYPE" {
					xmlDoc, wantFast = withDoctype(xmlDoc), false
				}
				if got := usesFastPath(xmlDoc); got != wantFast {
					t.Fatalf("fast decoder takes it = %v, want %v", got, wantFast)
				}
				payload := xmlDoc
				if tt.form {
					payload = []byte(url.Values{"xml": {string(xmlDoc)}}.Encode())
				}
				mem := nciptest.NewDemo()
				mem.Now = func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }
				r := httptest.NewRequest(http.MethodPost, "/ncip", bytes.NewReader(payload))
				r.Header.Set("Content-Type", tt.contentType)
				w := httptest.NewRecorder()
				(&ncip.Handler{Backend: mem}).ServeHTTP(w, r)
				m, err := ncip.Unmarshal(w.Body.Bytes())
				if err != nil || w.Code != 200 {
					t.Fatalf("status %d, response not NCIP (%v): %s", w.Code, err, w.Body)
				}
				resp := m.CheckOutItemResponse
				if resp == nil || m.Problem() != nil || resp.ItemID == nil || resp.ItemID.ItemIdentifierValue != "I1" {
					t.Fatalf("response %s", w.Body)
				}
				if !resp.DateDue.Equal(want) {
					t.Errorf("DateDue = %v, want %v (the DesiredDateDue sent)", resp.DateDue, want)
				}
			})
		}
	}
}

// TestHostileDoctypeThroughHandler: an external entity and a "billion
// laughs" document posted over HTTP get "Invalid Message Syntax Error",
// quickly, without reading the file or expanding anything.
func TestHostileDoctypeThroughHandler(t *testing.T) {
	secret := t.TempDir() + "/secret.txt"
	if err := writeFile(secret, "TOPSECRET"); err != nil {
		t.Fatal(err)
	}
	var laughs strings.Builder
	laughs.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + string(rune('0'+i))
		laughs.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	laughs.WriteString(`]><NCIPMessage><LookupUser><UserId><UserIdentifierValue>&lol9;</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`)
	docs := map[string]string{
		"XXE":            `<?xml version="1.0"?><!DOCTYPE NCIPMessage [<!ENTITY xxe SYSTEM "file://` + secret + `">]><NCIPMessage><LookupUser><UserId><UserIdentifierValue>&xxe;</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`,
		"billion laughs": laughs.String(),
	}
	for name, d := range docs {
		for _, ct := range []string{"application/xml", "application/x-www-form-urlencoded"} {
			payload := d
			if ct != "application/xml" {
				payload = url.Values{"xml": {d}}.Encode()
			}
			r := httptest.NewRequest(http.MethodPost, "/ncip", strings.NewReader(payload))
			r.Header.Set("Content-Type", ct)
			w := httptest.NewRecorder()
			(&ncip.Handler{Backend: nciptest.NewDemo()}).ServeHTTP(w, r)
			m, err := ncip.Unmarshal(w.Body.Bytes())
			if err != nil {
				t.Fatalf("%s (%s): response not NCIP: %v", name, ct, err)
			}
			if p := m.Problem(); p == nil || !p.Type.Is("Invalid Message Syntax Error") || m.LookupUserResponse != nil {
				t.Errorf("%s (%s): %s, want a top-level Invalid Message Syntax Error", name, ct, w.Body)
			}
			if strings.Contains(w.Body.String(), "TOPSECRET") || strings.Contains(w.Body.String(), "lollollol") {
				t.Errorf("%s (%s): an entity was expanded: %s", name, ct, w.Body)
			}
		}
	}
}

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }
