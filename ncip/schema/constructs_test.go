package schema_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip/schema"
)

const constructsXSD = "testdata/constructs.xsd"

func loadConstructs(t *testing.T) *schema.Schema {
	t.Helper()
	f, err := os.Open(constructsXSD)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := schema.Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", constructsXSD, err)
	}
	return s
}

func root(attrs, body string) string {
	return `<root xmlns="urn:t" lang="en"` + attrs + `><id>1</id>` + body + `</root>`
}

// constructCases run against testdata/constructs.xsd, which uses the XSD
// features NCIP does not: named types with extension, groups, attribute
// groups, facets, unions, lists, mixed content, wildcards.
var constructCases = []struct {
	name   string
	doc    string
	valid  bool
	reason string // substring of our reason when invalid
}{
	{"two choices", root("", `<a>x</a><a>y</a>`), true, ""},
	{"three choices mixed", root("", `<b>x</b><c/><a/><b/>`), true, ""},
	{"sequence branch twice", root("", `<b/><c/><b/><c/>`), true, ""},
	{"notes after choices", root("", `<b/><b/><note/><note/><note/>`), true, ""},
	{"one choice only", root("", `<a/>`), false, "missing child element(s) in root; expected one of a, b"},
	{"four choices", root("", `<a/><b/><a/><b/>`), false, "found b"},
	{"c without b", root("", `<a/><c/>`), false, "found c"},
	{"note before choices", root("", `<note/><a/><a/>`), false, "expected one of a, b; found note"},
	{"base part missing", `<root xmlns="urn:t" lang="en"><a/><a/></root>`, false, "expected id; found a"},
	{"price", root("", `<a/><a/><price cur="EUR">12.50</price>`), true, ""},
	{"price fraction digits", root("", `<a/><a/><price cur="EUR">12.505</price>`), false, "fraction digits"},
	{"price max exclusive", root("", `<a/><a/><price cur="EUR">1000</price>`), false, "maxExclusive"},
	{"price min inclusive", root("", `<a/><a/><price cur="EUR">-0.01</price>`), false, "minInclusive"},
	{"price bad currency", root("", `<a/><a/><price cur="eur">1</price>`), false, "pattern"},
	{"price missing currency", root("", `<a/><a/><price>1</price>`), false, "required attribute cur"},
	{"boolean 1", root("", `<a/><a/><flag>1</flag>`), true, ""},
	{"boolean yes", root("", `<a/><a/><flag>yes</flag>`), false, "xs:boolean"},
	{"date", root("", `<a/><a/><day>2026-02-28Z</day>`), true, ""},
	{"date invalid day", root("", `<a/><a/><day>2026-02-30</day>`), false, "xs:date"},
	{"code", root("", `<a/><a/><code>12-abc</code>`), true, ""},
	{"code too long", root("", `<a/><a/><code>12-abcdef</code>`), false, "at most 8"},
	{"code bad pattern", root("", `<a/><a/><code>1-a</code>`), false, "pattern"},
	{"union enum member", root("", `<a/><a/><size>small</size>`), true, ""},
	{"union integer member", root("", `<a/><a/><size> 42 </size>`), true, ""},
	{"union no member", root("", `<a/><a/><size>big</size>`), false, "any member"},
	{"list", root("", `<a/><a/><tags> a  b c </tags>`), true, ""},
	{"list bad item", root("", `<a/><a/><tags>a 1b</tags>`), false, "item 2"},
	{"mixed open content", root("", `<a/><a/><open q="1" xmlns:z="urn:z" z:r="2">text <zz><deep/></zz> more <z:y/></open>`), true, ""},
	{"unqualified local element", root("", `<a/><a/><local xmlns="" n="7"/>`), true, ""},
	{"qualified local element refused", root("", `<a/><a/><local n="7"/>`), false, "found local"},
	{"local int out of range", root("", `<a/><a/><local xmlns="" n="2147483648"/>`), false, "xs:int"},
	{"lax wildcard undeclared", root("", `<a/><a/><o:x xmlns:o="urn:o" o:w="1"><o:y/>t</o:x><o:z xmlns:o="urn:o"/>`), true, ""},
	{"lax wildcard too many", root("", `<a/><a/><o:x xmlns:o="urn:o"/><o:x xmlns:o="urn:o"/><o:x xmlns:o="urn:o"/>`), false, "found {urn:o}x"},
	{"other excludes target namespace", root("", `<a/><a/><zzz/>`), false, "found zzz"},
	{"other excludes no namespace", root("", `<a/><a/><x xmlns=""/>`), false, "found x"},
	{"token enumeration collapsed", root(` kind=" y   z "`, `<a/><a/>`), true, ""},
	{"enumeration", root(` kind="w"`, `<a/><a/>`), false, "allowed values"},
	{"missing attribute from group", `<root xmlns="urn:t"><id>1</id><a/><a/></root>`, false, "required attribute lang"},
	{"fixed attribute", root(` rev="v1"`, `<a/><a/>`), true, ""},
	{"fixed attribute mismatch", root(` rev="v2"`, `<a/><a/>`), false, "fixed value"},
	{"bad language", `<root xmlns="urn:t" lang="not a tag"><id>1</id><a/><a/></root>`, false, "xs:language"},
	{"duplicate attribute", root(` lang="de"`, `<a/><a/>`), false, "appears twice"},
	{"positive integer zero", `<root xmlns="urn:t" lang="en"><id>0</id><a/><a/></root>`, false, "xs:positiveInteger"},
	{"undeclared attribute", root(` extra="1"`, `<a/><a/>`), false, "extra (no namespace) is not allowed"},
}

func TestConstructs(t *testing.T) {
	s := loadConstructs(t)
	for _, tt := range constructCases {
		t.Run(tt.name, func(t *testing.T) {
			err := s.ValidateBytes([]byte(tt.doc))
			if tt.valid {
				if err != nil {
					t.Fatalf("Validate = %v, want valid", err)
				}
				return
			}
			var ve *schema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			if !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", ve.Reason, tt.reason)
			}
		})
	}
}

func TestConstructsMatchLiveXmllint(t *testing.T) {
	docs := map[string]string{}
	for _, tt := range constructCases {
		docs[tt.name] = tt.doc
	}
	paths := writeDocs(t, docs)
	var files []string
	for _, p := range paths {
		files = append(files, p)
	}
	xsd, err := filepath.Abs(constructsXSD)
	if err != nil {
		t.Fatal(err)
	}
	live := xmllintVerdicts(t, xsd, files)
	for _, tt := range constructCases {
		if live[paths[tt.name]] != tt.valid {
			t.Errorf("%s: xmllint valid=%v, table says %v", tt.name, live[paths[tt.name]], tt.valid)
		}
	}
}

func TestParseRefusesUnsupported(t *testing.T) {
	const head = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:t" targetNamespace="urn:t">`
	tests := []struct{ name, xsd, want string }{
		{"all", head + `<xs:element name="r"><xs:complexType><xs:all><xs:element name="a"/></xs:all></xs:complexType></xs:element></xs:schema>`, "xs:all is not supported"},
		{"import", head + `<xs:import namespace="urn:x" schemaLocation="x.xsd"/></xs:schema>`, "self-contained"},
		{"substitution group", head + `<xs:element name="a"/><xs:element name="b" substitutionGroup="a"/></xs:schema>`, "substitutionGroup"},
		{"unknown type", head + `<xs:element name="a" type="Nope"/></xs:schema>`, "unknown type {urn:t}Nope"},
		{"unknown ref", head + `<xs:element name="a"><xs:complexType><xs:sequence><xs:element ref="b"/></xs:sequence></xs:complexType></xs:element></xs:schema>`, "no global element {urn:t}b"},
		{"undeclared prefix", head + `<xs:element name="a" type="q:t"/></xs:schema>`, `prefix "q"`},
		{"circular group", head + `<xs:group name="g"><xs:sequence><xs:group ref="g"/></xs:sequence></xs:group></xs:schema>`, "contains itself"},
		{"bad occurs", head + `<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" maxOccurs="many"/></xs:sequence></xs:complexType></xs:element></xs:schema>`, "bad maxOccurs"},
		{"max below min", head + `<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" minOccurs="3" maxOccurs="2"/></xs:sequence></xs:complexType></xs:element></xs:schema>`, "less than minOccurs"},
		{"huge bound", head + `<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" maxOccurs="100000"/></xs:sequence></xs:complexType></xs:element></xs:schema>`, "occurrence bound"},
		{"pattern subtraction", head + `<xs:simpleType name="s"><xs:restriction base="xs:string"><xs:pattern value="[a-z-[aeiou]]"/></xs:restriction></xs:simpleType></xs:schema>`, "subtraction"},
		{"doctype", `<!DOCTYPE xs:schema>` + head + `</xs:schema>`, "DOCTYPE"},
		{"not a schema", `<html/>`, "not xs:schema"},
		{"key", head + `<xs:element name="r"><xs:key name="k"><xs:selector xpath="."/><xs:field xpath="@a"/></xs:key></xs:element></xs:schema>`, "identity constraint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.Parse(strings.NewReader(tt.xsd))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "schema: ") {
				t.Errorf("Parse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// A content model where a naive greedy matcher goes wrong: the optional
// trailing a must not be consumed by the repeated choice when the
// sequence still needs it.
func TestContentModelNeedsLookahead(t *testing.T) {
	const xsd = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
	<xs:element name="r"><xs:complexType><xs:sequence>
		<xs:choice minOccurs="1" maxOccurs="2"><xs:element name="a"/><xs:element name="b"/></xs:choice>
		<xs:element name="c" minOccurs="0" maxOccurs="unbounded"/>
		<xs:choice><xs:element name="d"/><xs:sequence><xs:element name="e"/><xs:element name="f" minOccurs="0"/></xs:sequence></xs:choice>
	</xs:sequence></xs:complexType></xs:element></xs:schema>`
	s, err := schema.Parse(strings.NewReader(xsd))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		doc   string
		valid bool
	}{
		{`<r><a/><d/></r>`, true},
		{`<r><a/><b/><c/><c/><e/><f/></r>`, true},
		{`<r><b/><e/></r>`, true},
		{`<r><a/><b/><a/><d/></r>`, false},
		{`<r><d/></r>`, false},
		{`<r><a/><c/></r>`, false},
		{`<r><a/><f/></r>`, false},
		{`<r><a/><d/><e/></r>`, false},
	} {
		err := s.ValidateBytes([]byte(tt.doc))
		if (err == nil) != tt.valid {
			t.Errorf("Validate(%s) = %v, want valid=%v", tt.doc, err, tt.valid)
		}
	}
}
