package ncipdoor

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/lockergate/lockergate/ncip"
)

func TestUTF8Document(t *testing.T) {
	latin1 := func(s string) string {
		b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	utf16 := func(e unicode.Endianness, s string) string {
		// IgnoreBOM: the byte-order mark is in s.
		b, err := unicode.UTF16(e, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const doc = "<NCIPMessage><X>Zoë</X></NCIPMessage>"
	tests := []struct {
		name, in, contentType string
		want, from            string // from "": want is in, unchanged
	}{
		{"UTF-8, no declaration", doc, "", doc, ""},
		{"UTF-8 declared", `<?xml version="1.0" encoding="UTF-8"?>` + doc, "text/xml; charset=iso-8859-1", `<?xml version="1.0" encoding="UTF-8"?>` + doc, ""},
		{"UTF-8 with a byte-order mark, Latin-1 declared", "\ufeff<?xml version='1.0' encoding='ISO-8859-1'?>" + doc, "", "\ufeff<?xml version='1.0' encoding='UTF-8'?>" + doc, "iso-8859-1"},
		{"Latin-1 declared", latin1(`<?xml version="1.0" encoding="ISO-8859-1"?>` + doc), "", `<?xml version="1.0" encoding="UTF-8"?>` + doc, "iso-8859-1"},
		{"Latin-1 declared, space before the declaration", latin1("\n <?xml version=\"1.0\" encoding=\"latin1\" standalone=\"yes\"?>" + doc), "", "\n <?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>" + doc, "latin1"},
		{"ILLiad: UTF-8 under a Latin-1 declaration", `<?xml version="1.0" encoding="ISO-8859-1"?>` + doc, "", `<?xml version="1.0" encoding="UTF-8"?>` + doc, "iso-8859-1"},
		{"ASCII under a Latin-1 declaration", `<?xml version="1.0" encoding="ISO-8859-1"?><NCIPMessage/>`, "", `<?xml version="1.0" encoding="ISO-8859-1"?><NCIPMessage/>`, ""},
		{"another encoding declared", "<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><X>\xb1</X>", "", `<?xml version="1.0" encoding="UTF-8"?><X>ą</X>`, "iso-8859-2"},
		{"Latin-1 by the Content-Type", latin1(doc), "text/xml; charset=ISO-8859-1", doc, "iso-8859-1"},
		{"Latin-1 by the Content-Type, a declaration without encoding", latin1(`<?xml version="1.0"?>` + doc), "application/xml;charset=windows-1252", `<?xml version="1.0"?>` + doc, "windows-1252"},
		{"Latin-1 by the Content-Type under a UTF-8 declaration", latin1(`<?xml version="1.0" encoding="utf-8"?>` + doc), "text/xml; charset=latin1", `<?xml version="1.0" encoding="UTF-8"?>` + doc, "latin1"},
		{"UTF-16LE with a byte-order mark", utf16(unicode.LittleEndian, "\ufeff<?xml version=\"1.0\" encoding=\"UTF-16\"?>"+doc), "", `<?xml version="1.0" encoding="UTF-8"?>` + doc, "UTF-16"},
		{"UTF-16BE with a byte-order mark, no declaration", utf16(unicode.BigEndian, "\ufeff"+doc), "", doc, "UTF-16"},
		// What cannot be read stays as it is, for ncip.Unmarshal to refuse.
		{"unknown encoding declared", "<?xml version=\"1.0\" encoding=\"x-klingon\"?><X>\xfc</X>", "", "<?xml version=\"1.0\" encoding=\"x-klingon\"?><X>\xfc</X>", ""},
		{"Latin-1 bytes, nothing declared", latin1(doc), "text/xml", latin1(doc), ""},
		{"Latin-1 bytes, a UTF-8 Content-Type", latin1(doc), "text/xml; charset=utf-8", latin1(doc), ""},
		{"Latin-1 bytes, a broken Content-Type", latin1(doc), "text/xml; charset", latin1(doc), ""},
		{"spaces around '=' are no declaration (as for encoding/xml)", latin1(`<?xml version="1.0" encoding = "ISO-8859-1"?>` + doc), "", latin1(`<?xml version="1.0" encoding = "ISO-8859-1"?>` + doc), ""},
		{"a stylesheet instruction is no declaration", latin1(`<?xml-stylesheet encoding="ISO-8859-1"?>` + doc), "", latin1(`<?xml-stylesheet encoding="ISO-8859-1"?>` + doc), ""},
		{"unterminated declaration", latin1(`<?xml version="1.0" encoding="ISO-8859-1"` + doc), "", latin1(`<?xml version="1.0" encoding="ISO-8859-1"` + doc), ""},
		{"empty", "", "text/xml; charset=latin1", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, from := utf8Document([]byte(tc.in), tc.contentType)
			if string(out) != tc.want || from != tc.from {
				t.Fatalf("got %q from %q, want %q from %q", out, from, tc.want, tc.from)
			}
			if from == "" && tc.want != tc.in {
				t.Fatalf("bad case: unchanged output differs from its input")
			}
		})
	}
}

// FuzzUTF8Document: whatever the bytes, utf8Document returns (no panic);
// what it leaves alone is byte for byte the input; what it changes is
// valid UTF-8; and a document the ncip package reads is read the same
// after it, and then says UTF-8 (or nothing, or is all ASCII), which is
// what ncipclient's label says.
func FuzzUTF8Document(f *testing.F) {
	seeds := []struct{ doc, ct string }{
		{"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage version=\"2.02\"><LookupUser><UserId><UserIdentifierValue>M\xfcller</UserIdentifierValue></UserId></LookupUser></NCIPMessage>", ""},
		{"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage version=\"2.02\"><LookupUser><UserId><UserIdentifierValue>Müller</UserIdentifierValue></UserId></LookupUser></NCIPMessage>", "text/xml; charset=UTF-8"},
		{"<NCIPMessage version=\"2.02\"><LookupUser><UserId><UserIdentifierValue>M\xfcller</UserIdentifierValue></UserId></LookupUser></NCIPMessage>", "text/xml; charset=ISO-8859-1"},
		{"\ufeff<?xml version='1.0' encoding='windows-1252'?><NCIPMessage><AcceptItem><RequestId><RequestIdentifierValue>\x80\x9c</RequestIdentifierValue></RequestId></AcceptItem></NCIPMessage>", ""},
		{"<?xml version=\"1.0\" encoding=\"shift_jis\"?><NCIPMessage><LookupUser><UserId><UserIdentifierValue>\x82\xa0</UserIdentifierValue></UserId></LookupUser></NCIPMessage>", ""},
		{"\xff\xfe<\x00N\x00/\x00>\x00", ""},
		{"<?xml encoding=\"utf-16\"?><NCIPMessage/>", "text/xml; charset=koi8-r"},
	}
	for _, s := range seeds {
		f.Add([]byte(s.doc), s.ct)
	}
	f.Fuzz(func(t *testing.T, in []byte, contentType string) {
		orig := bytes.Clone(in)
		out, from := utf8Document(in, contentType)
		if !bytes.Equal(in, orig) {
			t.Fatalf("the input was modified")
		}
		if from == "" {
			if !bytes.Equal(out, in) {
				t.Fatalf("changed with no encoding said: %q → %q", in, out)
			}
		} else if !utf8.Valid(out) {
			t.Fatalf("read as %s, not UTF-8: %q", from, out)
		}
		if bytes.HasPrefix(in, bomUTF16LE) || bytes.HasPrefix(in, bomUTF16BE) {
			// The byte-order mark decides, whatever the declaration says;
			// ncip also applies a declared single-byte encoding to the
			// converted text. TestUTF8Document has the usual cases.
			return
		}
		before, err := ncip.Unmarshal(in)
		if err != nil {
			return
		}
		after, err := ncip.Unmarshal(out)
		if err != nil {
			t.Fatalf("ncip read %q, and not %q: %v", in, out, err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("ncip read %q as %+v, and %q as %+v", in, before, out, after)
		}
		if decl, _, _ := declaredEncoding(out); decl != "" && decl != "utf-8" && decl != "utf8" && !isASCII(out) {
			t.Fatalf("declares %q: %q", decl, out)
		}
	})
}
