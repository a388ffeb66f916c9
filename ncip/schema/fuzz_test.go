package schema_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockergate/lockergate/ncip/schema"
)

// FuzzValidate checks that any input yields a verdict, never a panic or
// hang, that the verdict is deterministic, and that every failure is a
// *ValidationError with a position.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.xml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, tt := range handMade {
		f.Add([]byte(tt.doc))
	}
	s := schema.NCIP()
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := s.ValidateBytes(doc)
		err2 := s.Validate(bytes.NewReader(doc))
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("verdicts differ: %v / %v", err, err2)
		}
		if err == nil {
			return
		}
		var ve *schema.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error %T %v is not a *ValidationError", err, err)
		}
		if ve.Reason == "" || ve.Line < 1 {
			t.Fatalf("error lacks a reason or line: %#v", ve)
		}
	})
}

// FuzzParse checks that the XSD compiler rejects bad schemas with an
// error instead of a panic, and that what it accepts can validate.
func FuzzParse(f *testing.F) {
	for _, p := range []string{constructsXSD} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(constructCases[0].doc))
	}
	f.Add([]byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="r"><xs:complexType><xs:sequence><xs:choice maxOccurs="3"><xs:element name="a"/><xs:any/></xs:choice></xs:sequence></xs:complexType></xs:element></xs:schema>`), []byte(`<r><a/><a/></r>`))
	f.Fuzz(func(t *testing.T, xsd, doc []byte) {
		s, err := schema.Parse(bytes.NewReader(xsd))
		if err != nil {
			return
		}
		_ = s.ValidateBytes(doc)
	})
}
