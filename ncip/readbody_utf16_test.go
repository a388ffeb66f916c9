package ncip_test

import (
	"bytes"
	"encoding/binary"
	"net/http/httptest"
	"testing"
	"unicode/utf16"

	"github.com/lockergate/lockergate/ncip"
)

// utf16Doc encodes s as UTF-16 with a byte-order mark.
func utf16Doc(s string, big bool) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	out := []byte{0xFF, 0xFE}
	if big {
		order, out = binary.BigEndian, []byte{0xFE, 0xFF}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = order.AppendUint16(out, u)
	}
	return out
}

// TestReadBodyUTF16Declaration: a UTF-16 document whose XML declaration
// puts an "=" in its first bytes is a document, not a form post (it was
// taken for one and refused as an unreadable form).
func TestReadBodyUTF16Declaration(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-16"?><NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"><LookupUser><UserId><UserIdentifierValue>P0001</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`
	for _, big := range []bool{false, true} {
		body := utf16Doc(doc, big)
		r := httptest.NewRequest("POST", "/ncip", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/xml")
		got, err := ncip.ReadBody(r, nil, ncip.DefaultMaxBodyBytes)
		if err != nil {
			t.Fatalf("big endian %v: ReadBody: %v", big, err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("big endian %v: ReadBody changed the document", big)
		}
		m, err := ncip.Unmarshal(got)
		if err != nil {
			t.Fatalf("big endian %v: Unmarshal: %v", big, err)
		}
		if m.LookupUser == nil || m.LookupUser.UserID == nil || m.LookupUser.UserID.UserIdentifierValue != "P0001" {
			t.Errorf("big endian %v: read %+v", big, m.LookupUser)
		}
	}
}
