package ncip_test

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
)

const checkout = `<NCIPMessage %s><CheckOutItem><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId><DesiredDateDue>%s</DesiredDateDue></CheckOutItem></NCIPMessage>`

func TestUnmarshalLenient(t *testing.T) {
	due := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, doc string
		wantDue   time.Time
	}{
		{"qualified version", `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="v2"><CheckOutItem><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId><DesiredDateDue>2026-11-05T00:00:00Z</DesiredDateDue></CheckOutItem></NCIPMessage>`, due},
		{"bare version, no namespace, date only", strings.Replace(strings.Replace(checkout, "%s", `version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd"`, 1), "%s", "2026-11-05", 1), due},
		{"ns1 prefix, offset date", `<ns1:NCIPMessage xmlns:ns1="http://www.niso.org/2008/ncip" ns1:version="x"><ns1:CheckOutItem><ns1:UserId><ns1:UserIdentifierValue>U1</ns1:UserIdentifierValue></ns1:UserId><ns1:ItemId><ns1:ItemIdentifierValue>I1</ns1:ItemIdentifierValue></ns1:ItemId><ns1:DesiredDateDue>2026-11-05T02:00:00+02:00</ns1:DesiredDateDue></ns1:CheckOutItem></ns1:NCIPMessage>`, due},
		{"BOM, no zone", "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + strings.Replace(strings.Replace(checkout, "%s", "", 1), "%s", "2026-11-05T00:00:00", 1), due},
		{"ISO-8859-1 prolog with Latin-1 bytes", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + strings.Replace(strings.Replace(checkout, "%s", "", 1), "%s", "2026-11-05T00:00:00.000Z", 1), due},
		{"empty date", strings.Replace(strings.Replace(checkout, "%s", "", 1), "%s", "", 1), time.Time{}},
		{"zero date", strings.Replace(strings.Replace(checkout, "%s", "", 1), "%s", "0001-01-01T00:00:00Z", 1), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ncip.Unmarshal([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Unmarshal(%q) = %v", tt.doc, err)
			}
			c := m.CheckOutItem
			if c == nil || c.UserID.UserIdentifierValue != "U1" || c.ItemID.ItemIdentifierValue != "I1" {
				t.Fatalf("Unmarshal(%q) = %+v, want CheckOutItem U1/I1", tt.doc, c)
			}
			if !c.DesiredDateDue.Equal(tt.wantDue) {
				t.Errorf("DesiredDateDue = %v, want %v", c.DesiredDateDue, tt.wantDue)
			}
		})
	}
}

func TestUnmarshalCharsets(t *testing.T) {
	// "Mélanie" in Latin-1, declared as such.
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage><LookupUser><UserId><UserIdentifierValue>M\xe9lanie</UserIdentifierValue></UserId></LookupUser></NCIPMessage>")
	// The same declared as ISO-8859-1 but sent as UTF-8, as ILLiad does.
	liar := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage><LookupUser><UserId><UserIdentifierValue>Mélanie</UserIdentifierValue></UserId></LookupUser></NCIPMessage>")
	for name, doc := range map[string][]byte{"latin1": latin1, "utf8 declared latin1": liar} {
		m, err := ncip.Unmarshal(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := m.LookupUser.UserID.UserIdentifierValue; got != "Mélanie" {
			t.Errorf("%s: UserIdentifierValue = %q, want Mélanie", name, got)
		}
	}
}

func TestUnmarshalV1SchemeValue(t *testing.T) {
	doc := `<NCIPMessage version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd"><LookupUser><UserId><UserIdentifierType><Scheme>http://example.org/s</Scheme><Value>Barcode</Value></UserIdentifierType><UserIdentifierValue>U1</UserIdentifierValue></UserId><UserElementType Scheme="bare">Name Information</UserElementType></LookupUser></NCIPMessage>`
	m, err := ncip.Unmarshal([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.LookupUser.UserID.UserIdentifierType, (ncip.SchemeValue{Scheme: "http://example.org/s", Value: "Barcode"}); got != want {
		t.Errorf("v1 children: got %+v, want %+v", got, want)
	}
	if got, want := m.LookupUser.UserElementType[0], (ncip.SchemeValue{Scheme: "bare", Value: "Name Information"}); got != want {
		t.Errorf("bare Scheme attribute: got %+v, want %+v", got, want)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name, doc, wantType, wantInDetail string
	}{
		{"not xml", "hello", "Invalid Message Syntax Error", "NCIPMessage"},
		{"empty", "", "Invalid Message Syntax Error", "no NCIPMessage"},
		{"wrong root", "<html><body>It works!</body></html>", "Invalid Message Syntax Error", `"html"`},
		{"truncated", "<NCIPMessage><LookupUser><UserId>", "Invalid Message Syntax Error", "line 1: unexpected EOF"},
		{"bad date", strings.Replace(strings.Replace(checkout, "%s", "", 1), "%s", "next tuesday", 1), "Invalid Date", "next tuesday"},
		{"two services", "<NCIPMessage><DeleteItem/><CheckInItem/></NCIPMessage>", "Invalid Message Syntax Error", "more than one"},
		{"bad int", "<NCIPMessage><CheckOutItemResponse><RenewalCount>two</RenewalCount></CheckOutItemResponse></NCIPMessage>", "Invalid Message Syntax Error", "CheckOutItemResponse"},
		{"unknown encoding", `<?xml version="1.0" encoding="klingon"?><NCIPMessage/>`, "Invalid Message Syntax Error", "klingon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ncip.Unmarshal([]byte(tt.doc))
			var p *ncip.Problem
			if !errors.As(err, &p) {
				t.Fatalf("Unmarshal(%q) error = %v, want a *Problem", tt.doc, err)
			}
			if !p.Type.Is(tt.wantType) || !strings.Contains(p.Error(), tt.wantInDetail) {
				t.Errorf("Unmarshal(%q) = %v, want type %q mentioning %q", tt.doc, p, tt.wantType, tt.wantInDetail)
			}
		})
	}
}

// TestNoXXE: an external entity naming a local file is never read.
func TestNoXXE(t *testing.T) {
	secret := t.TempDir() + "/secret.txt"
	os.WriteFile(secret, []byte("TOPSECRET"), 0o600)
	doc := `<?xml version="1.0"?><!DOCTYPE NCIPMessage [<!ENTITY xxe SYSTEM "file://` + secret + `">]><NCIPMessage><LookupUser><UserId><UserIdentifierValue>&xxe;</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`
	m, err := ncip.Unmarshal([]byte(doc))
	if err == nil {
		b, _ := ncip.Marshal(m)
		if bytes.Contains(b, []byte("TOPSECRET")) {
			t.Fatalf("external entity was expanded: %s", b)
		}
		t.Fatalf("Unmarshal accepted an undefined entity: %+v", m.LookupUser)
	}
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Fatalf("error reveals the file: %v", err)
	}
	// The handler answers it with a syntax Problem.
	out := (&ncip.Handler{}).Serve(t.Context(), []byte(doc))
	if p := out.Problem(); p == nil || !p.Type.Is("Invalid Message Syntax Error") {
		t.Errorf("Serve(XXE) problem = %v, want Invalid Message Syntax Error", p)
	}
}

// TestNoBillionLaughs: nested entity definitions are refused quickly and
// without growing memory.
func TestNoBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + string(rune('0'+i))
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><NCIPMessage><LookupUser><UserId><UserIdentifierValue>&lol9;</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := ncip.Unmarshal([]byte(b.String()))
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("billion laughs document was accepted")
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 10<<20 {
		t.Errorf("decoding allocated %d bytes, want < 10 MiB", grown)
	}
	if elapsed > 2*time.Second { // generous: the real figure is microseconds
		t.Errorf("refusal took %v", elapsed)
	}
}

func TestProblemErrorsIs(t *testing.T) {
	var err error = &ncip.Problem{Type: ncip.SV("unknown user"), Detail: "no such user"}
	if !errors.Is(err, ncip.ProblemTypeUnknownUser) {
		t.Errorf("errors.Is(%v, ProblemTypeUnknownUser) = false", err)
	}
	if errors.Is(err, ncip.ProblemTypeUnknownItem) {
		t.Errorf("errors.Is(%v, ProblemTypeUnknownItem) = true", err)
	}
	if got, want := err.Error(), "ncip: unknown user: no such user"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
