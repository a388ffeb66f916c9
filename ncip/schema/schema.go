package schema

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"io"
	"sync"
)

// A Schema is a compiled XML Schema. It is immutable once built, so one
// Schema may validate any number of documents concurrently.
type Schema struct {
	target   string
	elements map[xml.Name]*elementDecl
	types    map[xml.Name]*typeDef
	attrs    map[xml.Name]*attrUse
	order    []xml.Name
}

// Parse reads and compiles an XSD document. The schema must be
// self-contained (no xs:import or xs:include). XSD constructs the package
// does not implement, such as xs:all, substitution groups and identity
// constraints, are reported as errors rather than ignored.
func Parse(r io.Reader) (*Schema, error) {
	root, err := parseTree(r)
	if err != nil {
		return nil, err
	}
	return compile(root)
}

// TargetNamespace returns the namespace the schema declares its elements in.
func (s *Schema) TargetNamespace() string { return s.target }

// Elements returns the local names of the global element declarations, in
// the order the schema declares them.
func (s *Schema) Elements() []string {
	out := make([]string, len(s.order))
	for i, n := range s.order {
		out[i] = n.Local
	}
	return out
}

//go:embed ncip_v2_02.xsd
var ncipXSD []byte

// NCIPSchema returns the bytes of the embedded NCIP 2.02 schema
// (ncip_v2_02.xsd, official release of 9 March 2012), for tools that want
// to hand it to another validator.
func NCIPSchema() []byte { return bytes.Clone(ncipXSD) }

var ncipOnce = sync.OnceValue(func() *Schema {
	s, err := Parse(bytes.NewReader(ncipXSD))
	if err != nil {
		// The embedded file is fixed at build time and covered by tests.
		panic(fmt.Sprintf("schema: embedded NCIP 2.02 schema does not compile: %v", err))
	}
	return s
})

// NCIP returns the embedded NCIP 2.02 schema, compiled on first use. The
// result is shared and safe for concurrent use.
func NCIP() *Schema { return ncipOnce() }
