package ncip_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

// TestDoctype proves each statement the package documentation makes about
// a DOCTYPE: a DOCTYPE whose entities the document does not use is
// ignored (whatever it declares or names, nothing is fetched or read); a
// reference to any entity other than the five predefined ones fails with
// "Invalid Message Syntax Error", declared or not, in text or in an
// attribute; nothing is ever expanded (here: neither a file's content nor
// an internal entity's text appears anywhere; TestNoBillionLaughs covers
// nested entities).
func TestDoctype(t *testing.T) {
	secret := t.TempDir() + "/secret.txt"
	if err := os.WriteFile(secret, []byte("TOPSECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	const body = `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="v2"><LookupUser><UserId><UserIdentifierValue>%s</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`
	doc := func(doctype, value string) string {
		return `<?xml version="1.0"?>` + doctype + strings.Replace(body, "%s", value, 1)
	}
	tests := []struct {
		name string
		doc  string
		want string // the UserIdentifierValue read; "" for a syntax error
	}{
		// Ignored: DOCTYPEs that the document's content does not refer to.
		{"bare DOCTYPE", doc(`<!DOCTYPE NCIPMessage>`, "U1"), "U1"},
		{"external DTD (never fetched)", doc(`<!DOCTYPE NCIPMessage SYSTEM "file://`+secret+`">`, "U1"), "U1"},
		{"public DTD over HTTP (never fetched)", doc(`<!DOCTYPE NCIPMessage PUBLIC "-//NISO//NCIP//EN" "http://127.0.0.1:1/ncip.dtd">`, "U1"), "U1"},
		{"unused entity declarations", doc(`<!DOCTYPE NCIPMessage [<!ENTITY x "expanded"><!ENTITY xxe SYSTEM "file://`+secret+`">]>`, "U1"), "U1"},
		{"parameter entity in the internal subset (not read)", doc(`<!DOCTYPE NCIPMessage [<!ENTITY % p SYSTEM "file://`+secret+`"> %p;]>`, "U1"), "U1"},
		{"predefined entities and character references", doc(`<!DOCTYPE NCIPMessage>`, "a&amp;b&lt;&#233;&#x41;"), "a&b<éA"},
		{"predefined entities, no DOCTYPE", doc(``, "a&amp;b&quot;"), `a&b"`},
		// Any other entity reference fails.
		{"declared internal entity", doc(`<!DOCTYPE NCIPMessage [<!ENTITY x "expanded">]>`, "&x;"), ""},
		{"declared external entity (XXE)", doc(`<!DOCTYPE NCIPMessage [<!ENTITY xxe SYSTEM "file://`+secret+`">]>`, "&xxe;"), ""},
		{"declared entity in an attribute", `<?xml version="1.0"?><!DOCTYPE NCIPMessage [<!ENTITY v "v2">]><NCIPMessage version="&v;"><LookupUser><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, ""},
		{"undeclared entity, no DOCTYPE", doc(``, "&nbsp;"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ncip.Unmarshal([]byte(tc.doc))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted, read %+v; want Invalid Message Syntax Error", m.LookupUser.UserID)
				}
				if p := (*ncip.Problem)(nil); !errors.As(err, &p) || !p.Type.Is("Invalid Message Syntax Error") {
					t.Errorf("error %v, want Invalid Message Syntax Error", err)
				}
				for _, s := range []string{"TOPSECRET", "expanded"} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error shows expanded text %q: %v", s, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal: %v; want the DOCTYPE ignored", err)
			}
			if got := m.LookupUser.UserID.UserIdentifierValue; got != tc.want {
				t.Errorf("UserIdentifierValue = %q, want %q", got, tc.want)
			}
		})
	}
}
