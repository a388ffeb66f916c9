package schema_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockergate/lockergate/ncip/schema"
)

// BenchmarkValidateCheckOutItemResponse measures the check the conformance
// suite runs on every message: a typical CheckOutItemResponse.
func BenchmarkValidateCheckOutItemResponse(b *testing.B) {
	doc, err := os.ReadFile(filepath.Join(examplesDir, "xctoolkit_CheckOutItem_response.xml"))
	if err != nil {
		b.Fatal(err)
	}
	s := schema.NCIP()
	if err := s.ValidateBytes(doc); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if err := s.ValidateBytes(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseNCIP measures compiling the 128 KB NCIP 2.02 schema, which
// NCIP() does once per process.
func BenchmarkParseNCIP(b *testing.B) {
	xsd := schema.NCIPSchema()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schema.Parse(bytes.NewReader(xsd)); err != nil {
			b.Fatal(err)
		}
	}
}
