package schema_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/ncip/schema"
)

const examplesDir = "testdata/examples"

// strictResults reads RESULTS.tsv: file name → xmllint's strict verdict
// against ncip_v2_02.xsd, as recorded when the examples were collected.
func strictResults(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(examplesDir, "RESULTS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	res := map[string]bool{}
	col := -1
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if col < 0 {
			for i, h := range fields {
				if h == "xsd_v2_02_strict" {
					col = i
				}
			}
			if col < 0 {
				t.Fatal("RESULTS.tsv has no xsd_v2_02_strict column")
			}
			continue
		}
		switch fields[col] {
		case "PASS":
			res[fields[0]] = true
		case "FAIL":
			res[fields[0]] = false
		default:
			t.Fatalf("RESULTS.tsv: %s: verdict %q", fields[0], fields[col])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return res
}

func exampleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", examplesDir, err)
	}
	sort.Strings(files)
	return files
}

func TestExamplesMatchRecordedXmllint(t *testing.T) {
	want := strictResults(t)
	files := exampleFiles(t)
	if len(files) != len(want) {
		t.Fatalf("%d example files but %d rows in RESULTS.tsv", len(files), len(want))
	}
	s := schema.NCIP()
	passed := 0
	for _, f := range files {
		name := filepath.Base(f)
		doc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: not in RESULTS.tsv", name)
			continue
		}
		err = s.ValidateBytes(doc)
		if got := err == nil; got != w {
			t.Errorf("%s: valid = %v (err %v), xmllint said %v", name, got, err, w)
		}
		if err == nil {
			passed++
		}
		var ve *schema.ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Line < 1 || !strings.HasPrefix(ve.Path, "/")) {
			t.Errorf("%s: error %#v lacks a path or line", name, err)
		}
	}
	// ncip.md §7: 42 of 55 pass strict validation.
	if passed != 42 {
		t.Errorf("%d examples valid, want 42", passed)
	}
}

func TestExamplesMatchLiveXmllint(t *testing.T) {
	files := exampleFiles(t)
	xsd := filepath.Join(t.TempDir(), "ncip_v2_02.xsd")
	if err := os.WriteFile(xsd, schema.NCIPSchema(), 0o644); err != nil {
		t.Fatal(err)
	}
	live := xmllintVerdicts(t, xsd, files)
	s := schema.NCIP()
	for _, f := range files {
		doc, _ := os.ReadFile(f)
		err := s.ValidateBytes(doc)
		if (err == nil) != live[f] {
			t.Errorf("%s: ours valid=%v (%v), xmllint valid=%v", f, err == nil, err, live[f])
		}
	}
}

const ncipOpen = `<?xml version="1.0" encoding="UTF-8"?>
<NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd">
`

func msg(body string) string { return ncipOpen + body + "\n</NCIPMessage>\n" }

const user = `<UserId><UserIdentifierValue>P100</UserIdentifierValue></UserId>`
const item = `<ItemId><ItemIdentifierValue>I200</ItemIdentifierValue></ItemId>`

// handMade are NCIP documents written for this test. Each is checked
// against both our validator and (live) xmllint, and must get the same
// verdict from both; wantPath and wantReason pin our diagnosis.
var handMade = []struct {
	name       string
	doc        string
	valid      bool
	wantPath   string
	wantReason string
}{
	{name: "checkout request", valid: true, doc: msg(`<CheckOutItem>` + user + item + `</CheckOutItem>`)},
	{name: "checkout request with header and auth input", valid: true, doc: msg(`<CheckOutItem>
  <InitiationHeader><FromAgencyId><AgencyId>a</AgencyId></FromAgencyId><ToAgencyId><AgencyId ncip:Scheme="http://example.org/s">b</AgencyId></ToAgencyId></InitiationHeader>
  <AuthenticationInput><AuthenticationInputData>1234</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>PIN</AuthenticationInputType></AuthenticationInput>
  <AuthenticationInput><AuthenticationInputData>x</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType><AuthenticationInputType>Barcode Id</AuthenticationInputType></AuthenticationInput>
  ` + item + `<DesiredDateDue>2026-12-24T17:00:00Z</DesiredDateDue>
  <ItemElementType>Bibliographic Description</ItemElementType><ItemElementType>Circulation Status</ItemElementType>
</CheckOutItem>`)},
	{name: "checkout response", valid: true, doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T17:00:00.125+01:00</DateDue><RenewalCount>0</RenewalCount></CheckOutItemResponse>`)},
	{name: "checkout response problems", valid: true, doc: msg(`<CheckOutItemResponse><Problem><ProblemType>Unknown User</ProblemType></Problem><Problem><ProblemType>Blocked</ProblemType><ProblemDetail>d</ProblemDetail></Problem></CheckOutItemResponse>`)},
	{name: "top-level problems", valid: true, doc: msg(`<Problem><ProblemType>Invalid Message Syntax Error</ProblemType></Problem><Problem><ProblemType>x</ProblemType></Problem>`)},
	{name: "ext with NCIP elements", valid: true, doc: msg(`<CheckOutItem>` + user + item + `<Ext><AgencyId>x</AgencyId><UserElementEnum> loaned  items </UserElementEnum></Ext></CheckOutItem>`)},
	{name: "prefixed names and comments", valid: true, doc: `<?xml version="1.0"?><!-- c --><n:NCIPMessage xmlns:n="http://www.niso.org/2008/ncip" n:version="2"><?pi x?><n:Problem><n:ProblemType><![CDATA[Unknown]]> Item</n:ProblemType></n:Problem></n:NCIPMessage>`},
	{name: "xsi schemaLocation", valid: true, doc: `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.niso.org/2008/ncip x.xsd" ncip:version="2"><Problem><ProblemType>x</ProblemType></Problem></NCIPMessage>`},

	{name: "wrong order", doc: msg(`<CheckOutItem><UserId><UserIdentifierValue>P</UserIdentifierValue><UserIdentifierType>Barcode</UserIdentifierType></UserId>` + item + `</CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/UserId/UserIdentifierType", wantReason: "expected one of Ext, or the end of the element; found UserIdentifierType"},
	{name: "wrong order of services' children", doc: msg(`<CheckOutItem>` + item + user + `</CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/ItemId", wantReason: "expected one of InitiationHeader, MandatedAction, UserId, AuthenticationInput; found ItemId"},
	{name: "missing required child", doc: msg(`<CheckOutItem><UserId><AgencyId>a</AgencyId></UserId>` + item + `</CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/UserId", wantReason: "missing child element(s) in UserId; expected one of UserIdentifierType, UserIdentifierValue"},
	{name: "missing item id", doc: msg(`<CheckOutItem>` + user + `</CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem", wantReason: "expected ItemId"},
	{name: "empty message", doc: msg(``), wantPath: "/NCIPMessage", wantReason: "missing child element(s) in NCIPMessage"},
	{name: "too many occurrences", doc: msg(`<CheckOutItem>` + user + user + item + `</CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/UserId", wantReason: "found UserId"},
	{name: "two services", doc: msg(`<CheckOutItem>` + user + item + `</CheckOutItem><CheckInItem>` + item + `</CheckInItem>`),
		wantPath: "/NCIPMessage/CheckInItem", wantReason: "no more child elements are allowed"},
	{name: "choice taken twice", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T17:00:00Z</DateDue><NonReturnableFlag/></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/NonReturnableFlag", wantReason: "found NonReturnableFlag"},
	{name: "problem after data", doc: msg(`<CheckOutItemResponse>` + item + `<Problem><ProblemType>x</ProblemType></Problem></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/Problem", wantReason: "expected UserId; found Problem"},
	{name: "bad date month", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-13-01T00:00:00Z</DateDue></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/DateDue", wantReason: "not a valid xs:dateTime"},
	{name: "bad date day", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-02-29T00:00:00Z</DateDue></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/DateDue", wantReason: "not a valid xs:dateTime"},
	{name: "leap day", valid: true, doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2028-02-29T23:59:59</DateDue></CheckOutItemResponse>`)},
	{name: "date without time", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24</DateDue></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/DateDue", wantReason: "CCYY-MM-DDThh:mm:ss"},
	{name: "date with space", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24 10:00:00</DateDue></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/DateDue", wantReason: "not a valid xs:dateTime"},
	{name: "date hour 24", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T24:00:01Z</DateDue></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/DateDue", wantReason: "xs:dateTime"},
	{name: "date with trailing whitespace", valid: true, doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T10:00:00-05:00
</DateDue></CheckOutItemResponse>`)},
	// libxml2 refuses leading whitespace in dates although XSD collapses it.
	{name: "date with leading whitespace", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>
	2026-12-24T10:00:00-05:00</DateDue></CheckOutItemResponse>`), wantPath: "/NCIPMessage/CheckOutItemResponse/DateDue", wantReason: "without leading whitespace"},
	{name: "date end of day", valid: true, doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T24:00:00.0Z</DateDue></CheckOutItemResponse>`)},
	{name: "integer with blanks and sign", valid: true, doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T10:00:00Z</DateDue><RenewalCount>
 +007 </RenewalCount></CheckOutItemResponse>`)},
	{name: "empty integer", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T10:00:00Z</DateDue><RenewalCount/></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/RenewalCount", wantReason: "xs:nonNegativeInteger"},
	{name: "negative renewal count", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T10:00:00Z</DateDue><RenewalCount>-1</RenewalCount></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/RenewalCount", wantReason: "xs:nonNegativeInteger"},
	{name: "decimal renewal count", doc: msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T10:00:00Z</DateDue><RenewalCount>1.0</RenewalCount></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/RenewalCount", wantReason: "xs:nonNegativeInteger"},
	{name: "bad enumeration", doc: msg(`<CheckOutItem>` + user + item + `<Ext><UserElementEnum>loaned things</UserElementEnum></Ext></CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/Ext/UserElementEnum", wantReason: `not one of the allowed values ("loaned items"`},
	{name: "missing version", doc: `<NCIPMessage xmlns="http://www.niso.org/2008/ncip"><Problem><ProblemType>x</ProblemType></Problem></NCIPMessage>`,
		wantPath: "/NCIPMessage", wantReason: "required attribute {http://www.niso.org/2008/ncip}version"},
	{name: "bare version", doc: `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="2"><Problem><ProblemType>x</ProblemType></Problem></NCIPMessage>`,
		wantPath: "/NCIPMessage", wantReason: "attribute version (no namespace) is not allowed"},
	{name: "bare scheme", doc: msg(`<Problem><ProblemType Scheme="http://x">x</ProblemType></Problem>`),
		wantPath: "/NCIPMessage/Problem/ProblemType", wantReason: "attribute Scheme (no namespace) is not allowed"},
	{name: "bad scheme uri", doc: msg(`<Problem><ProblemType ncip:Scheme="http://x/%zz">x</ProblemType></Problem>`),
		wantPath: "/NCIPMessage/Problem/ProblemType", wantReason: "attribute Scheme of ProblemType: value not a valid xs:anyURI"},
	{name: "unknown attribute", doc: msg(`<Problem ncip:severity="high"><ProblemType>x</ProblemType></Problem>`),
		wantPath: "/NCIPMessage/Problem", wantReason: "severity is not allowed on Problem"},
	{name: "unknown element", doc: msg(`<CheckOutItem>` + user + item + `<Foo/></CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/Foo", wantReason: "found Foo"},
	{name: "unknown service", doc: msg(`<LookupVersion><FromAgencyId><AgencyId>a</AgencyId></FromAgencyId></LookupVersion>`),
		wantPath: "/NCIPMessage/LookupVersion", wantReason: "found LookupVersion"},
	{name: "root in no namespace", doc: `<NCIPMessage version="2"><Problem><ProblemType>x</ProblemType></Problem></NCIPMessage>`,
		wantPath: "/NCIPMessage", wantReason: "element NCIPMessage is in no namespace"},
	{name: "root in wrong namespace", doc: `<NCIPMessage xmlns="http://www.niso.org/2008/NCIP"/>`,
		wantPath: "/NCIPMessage", wantReason: "element NCIPMessage is in http://www.niso.org/2008/NCIP"},
	{name: "child in wrong namespace", doc: msg(`<Problem><ProblemType xmlns="urn:other">x</ProblemType></Problem>`),
		wantPath: "/NCIPMessage/Problem/ProblemType", wantReason: "found {urn:other}ProblemType"},
	{name: "undeclared root", doc: `<Foo xmlns="urn:x"/>`, wantPath: "/Foo", wantReason: "not declared as the document root"},
	{name: "non-root global element as root", valid: true, doc: `<Problem xmlns="http://www.niso.org/2008/ncip"><ProblemType>x</ProblemType></Problem>`},
	{name: "foreign element in ext", doc: msg(`<CheckOutItem>` + user + item + `<Ext><v:vendor xmlns:v="urn:vendor">1</v:vendor></Ext></CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem/Ext/vendor", wantReason: "strict wildcard"},
	{name: "text in element-only content", doc: msg(`<CheckOutItem>hello` + user + item + `</CheckOutItem>`),
		wantPath: "/NCIPMessage/CheckOutItem", wantReason: "text is not allowed in CheckOutItem"},
	{name: "child in simple content", doc: msg(`<Problem><ProblemType>x<b/></ProblemType></Problem>`),
		wantPath: "/NCIPMessage/Problem/ProblemType/b", wantReason: "ProblemType has simple content"},
	{name: "text in empty element", doc: msg(`<CheckOutItemResponse>` + item + user + `<NonReturnableFlag>yes</NonReturnableFlag></CheckOutItemResponse>`),
		wantPath: "/NCIPMessage/CheckOutItemResponse/NonReturnableFlag", wantReason: "element-only"},
}

func TestHandMadeDocuments(t *testing.T) {
	s := schema.NCIP()
	for _, tt := range handMade {
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
			if ve.Path != tt.wantPath || !strings.Contains(ve.Reason, tt.wantReason) {
				t.Errorf("Validate:\n got path %q reason %q\nwant path %q reason containing %q", ve.Path, ve.Reason, tt.wantPath, tt.wantReason)
			}
			if ve.Syntax {
				t.Errorf("Syntax = true for a well-formed document")
			}
		})
	}
}

func TestHandMadeMatchLiveXmllint(t *testing.T) {
	docs := map[string]string{}
	for _, tt := range handMade {
		docs[tt.name] = tt.doc
	}
	paths := writeDocs(t, docs)
	xsd := filepath.Join(t.TempDir(), "ncip_v2_02.xsd")
	if err := os.WriteFile(xsd, schema.NCIPSchema(), 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range paths {
		files = append(files, p)
	}
	live := xmllintVerdicts(t, xsd, files)
	for _, tt := range handMade {
		if live[paths[tt.name]] != tt.valid {
			t.Errorf("%s: xmllint valid=%v, table says %v", tt.name, live[paths[tt.name]], tt.valid)
		}
	}
}

func TestLineAndColumn(t *testing.T) {
	doc := msg("<CheckOutItem>\n  " + user + "\n  <UserId><UserIdentifierValue>x</UserIdentifierValue></UserId>\n</CheckOutItem>")
	var ve *schema.ValidationError
	if err := schema.NCIP().ValidateBytes([]byte(doc)); !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want *ValidationError", err)
	}
	if ve.Line != 5 || ve.Column != 3 {
		t.Errorf("position = line %d column %d, want line 5 column 3 (%v)", ve.Line, ve.Column, ve)
	}
	want := "schema: /NCIPMessage/CheckOutItem/UserId (line 5, column 3): unexpected element in CheckOutItem: expected ItemId; found UserId"
	if ve.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", ve.Error(), want)
	}
}

func TestMalformedAndRefused(t *testing.T) {
	tests := []struct {
		name, doc, reason string
	}{
		{"doctype", `<!DOCTYPE NCIPMessage [<!ENTITY x "y">]>` + msg(`<Problem><ProblemType>&x;</ProblemType></Problem>`), "DOCTYPE"},
		{"unclosed", ncipOpen + `<Problem>`, "not well-formed"},
		{"mismatched", msg(`<Problem><ProblemType>x</ProblemDetail></Problem>`), "closed by end tag ProblemDetail"},
		{"undeclared prefix", `<x:NCIPMessage/>`, "prefix x"},
		{"two roots", msg(`<Problem><ProblemType>x</ProblemType></Problem>`) + `<NCIPMessage/>`, "after the end of the root"},
		{"empty", ``, "no root element"},
		{"text after root", msg(`<Problem><ProblemType>x</ProblemType></Problem>`) + `junk`, "outside the root"},
		{"bad entity", msg(`<Problem><ProblemType>a&b</ProblemType></Problem>`), "&amp;"},
		// libxml2 only warns about this namespace error and validates on.
		{"same attribute through two prefixes", msg(`<Problem><ProblemType>x</ProblemType><Ext><AgencyId xmlns:a="urn:o" xmlns:b="urn:o" a:w="1" b:w="2">x</AgencyId></Ext></Problem>`), "appears twice"},
		{"xml version 0", `<?xml version="0"?><a/>`, "unsupported version"},
		{"unknown encoding", `<?xml version="1.0" encoding="EBCDIC-XYZ"?><a/>`, "encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := schema.NCIP().ValidateBytes([]byte(tt.doc))
			var ve *schema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			if !ve.Syntax || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("Validate = %v (Syntax %v), want a syntax error mentioning %q", ve, ve.Syntax, tt.reason)
			}
		})
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk on fire")
	}
	f.n--
	return copy(p, "<NCIPMessage "), nil
}

// A failing reader is an I/O error, not a verdict on the document.
func TestReaderFailure(t *testing.T) {
	err := schema.NCIP().Validate(&failingReader{n: 1})
	var ve *schema.ValidationError
	if err == nil || errors.As(err, &ve) || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Validate = %v, want the reader's error, not a *ValidationError", err)
	}
}

func TestLatin1Document(t *testing.T) {
	doc := []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.TrimPrefix(msg(`<Problem><ProblemType>M`+"\xfc"+`ller</ProblemType></Problem>`), `<?xml version="1.0" encoding="UTF-8"?>`))
	if err := schema.NCIP().ValidateBytes(doc); err != nil {
		t.Fatalf("Validate = %v, want valid", err)
	}
}

// Secrets in a message must not leak through a validation error, whatever
// element they sit in.
func TestErrorsDoNotQuoteValues(t *testing.T) {
	const pin = "S3cr3tPIN-7731"
	docs := []string{
		// A PIN in the right place but the message invalid elsewhere.
		msg(`<LookupUser><AuthenticationInput><AuthenticationInputData>` + pin + `</AuthenticationInputData><AuthenticationDataFormatType>text</AuthenticationDataFormatType></AuthenticationInput></LookupUser>`),
		// A PIN in an element that is out of order.
		msg(`<CheckOutItem>` + item + `<AuthenticationInputData>` + pin + `</AuthenticationInputData></CheckOutItem>`),
		// A PIN where a date, a number or an enumeration is expected.
		msg(`<CheckOutItemResponse>` + item + user + `<DateDue>` + pin + `</DateDue></CheckOutItemResponse>`),
		msg(`<CheckOutItemResponse>` + item + user + `<DateDue>2026-12-24T10:00:00Z</DateDue><RenewalCount>` + pin + `</RenewalCount></CheckOutItemResponse>`),
		msg(`<CheckOutItem>` + user + item + `<Ext><UserElementEnum>` + pin + `</UserElementEnum></Ext></CheckOutItem>`),
		// In attributes.
		msg(`<Problem><ProblemType ncip:Scheme="%` + pin + `">x</ProblemType></Problem>`),
		msg(`<Problem><ProblemType pin="` + pin + `">x</ProblemType></Problem>`),
		// In text where no text belongs, and behind a bare ampersand.
		msg(`<CheckOutItem>` + pin + user + item + `</CheckOutItem>`),
		msg(`<Problem><ProblemType>&` + pin + `</ProblemType></Problem>`),
		msg(`<Problem><ProblemType>&` + pin + `;</ProblemType></Problem>`),
	}
	for i, doc := range docs {
		err := schema.NCIP().ValidateBytes([]byte(doc))
		if err == nil {
			t.Errorf("doc %d: valid, want an error", i)
			continue
		}
		if strings.Contains(err.Error(), pin) || strings.Contains(err.Error(), pin[:8]) {
			t.Errorf("doc %d: error quotes the secret: %v", i, err)
		}
	}
}

func TestConcurrentValidation(t *testing.T) {
	s := schema.NCIP()
	files := exampleFiles(t)
	want := strictResults(t)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range files {
				doc, _ := os.ReadFile(f)
				if (s.ValidateBytes(doc) == nil) != want[filepath.Base(f)] {
					errs <- f
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for f := range errs {
		t.Errorf("%s: concurrent verdict differs", f)
	}
}

func TestNCIPSchemaInfo(t *testing.T) {
	s := schema.NCIP()
	if s != schema.NCIP() {
		t.Error("NCIP() compiled the schema twice")
	}
	if got := s.TargetNamespace(); got != "http://www.niso.org/2008/ncip" {
		t.Errorf("TargetNamespace = %q", got)
	}
	els := s.Elements()
	if len(els) == 0 || els[0] != "NCIPMessage" {
		t.Errorf("Elements()[0] = %v, want NCIPMessage first", els[:min(3, len(els))])
	}
	disk, err := os.ReadFile("ncip_v2_02.xsd")
	if err != nil {
		t.Fatal(err)
	}
	if string(schema.NCIPSchema()) != string(disk) {
		t.Error("NCIPSchema() differs from ncip_v2_02.xsd")
	}
}
