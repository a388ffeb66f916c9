package ncip_test

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
)

// differ decodes data with both paths. If the fast path returns a message,
// the encoding/xml path must accept the input and return a deep-equal
// message. It reports whether the fast path took the input.
func differ(t testing.TB, name string, data []byte) bool {
	t.Helper()
	data, err := ncip.ToUTF8(data)
	if err != nil {
		return false
	}
	fast, ok := ncip.FastUnmarshal(data)
	std, stdErr := ncip.StdUnmarshal(data)
	if !ok {
		return false
	}
	if stdErr != nil {
		t.Fatalf("%s: fast path accepted what encoding/xml refuses (%v):\n%q", name, stdErr, data)
	}
	if !reflect.DeepEqual(fast, std) {
		fb, _ := ncip.Marshal(fast)
		sb, _ := ncip.Marshal(std)
		t.Fatalf("%s: fast path differs from encoding/xml:\nfast %+v %s\nstd  %+v %s\ninput %q", name, *fast, fb, *std, sb, data)
	}
	return true
}

// TestFastDecoderMatches: over every shared example and every message the
// encoder can write (all services, requests and responses, in each date
// style, on one line and indented), the fast path agrees with encoding/xml,
// and it takes every message the encoder writes.
func TestFastDecoderMatches(t *testing.T) {
	var fellBack []string
	for _, ex := range examples(t) {
		if !differ(t, ex.name, ex.data) {
			fellBack = append(fellBack, ex.name)
		}
	}
	sort.Strings(fellBack)
	t.Logf("examples left to encoding/xml: %d of %d: %v", len(fellBack), len(examples(t)), fellBack)
	// The NCIP 1 message, the DOCTYPE and the real Latin-1 example must
	// not be taken; most of the rest are plain NCIP 2 and should be.
	if len(fellBack) > 5 {
		t.Errorf("fast path took only %d of the examples", len(examples(t))-len(fellBack))
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	opts := map[string]*ncip.EncodeOptions{
		"canonical": nil,
		"indented":  {Indent: "  "},
		"offset":    {DateStyle: ncip.DateStyleOffset, Location: berlin},
		"nozone":    {DateStyle: ncip.DateStyleNoZone},
	}
	for name, m := range sampleMessages() {
		for oname, o := range opts {
			b, err := o.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if !differ(t, name+"/"+oname, b) {
				t.Errorf("%s/%s: fast path refused the encoder's own output:\n%s", name, oname, b)
			}
		}
	}
}

// lenientDocs are hand-made inputs around the edges of the fast path:
// wantFast says whether it should take them (it must agree with
// encoding/xml either way).
var lenientDocs = []struct {
	name     string
	doc      string
	wantFast bool
}{
	{"bare version, no namespace", `<NCIPMessage version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd"><LookupUser><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, true},
	{"ns1 prefixes", `<ns1:NCIPMessage xmlns:ns1="http://www.niso.org/2008/ncip" ns1:version="x"><ns1:CheckOutItem><ns1:UserId><ns1:UserIdentifierValue>U1</ns1:UserIdentifierValue></ns1:UserId><ns1:ItemId><ns1:ItemIdentifierValue>I1</ns1:ItemIdentifierValue></ns1:ItemId><ns1:DesiredDateDue>2026-11-05T02:00:00+02:00</ns1:DesiredDateDue></ns1:CheckOutItem></ns1:NCIPMessage>`, true},
	{"declaration, single quotes, standalone", `<?xml version='1.0' encoding='utf-8' standalone='yes' ?>` + "\n<NCIPMessage><DeleteItem><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId></DeleteItem></NCIPMessage>", true},
	{"Latin-1 label on UTF-8 bytes", `<?xml version="1.0" encoding="ISO-8859-1"?><NCIPMessage><LookupUser><UserId><UserIdentifierValue>Mélanie</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, true},
	{"Latin-1 bytes", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage><LookupUser><UserId><UserIdentifierValue>M\xe9lanie</UserIdentifierValue></UserId></LookupUser></NCIPMessage>", false},
	{"Latin-1 label, stray byte after the root", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><NCIPMessage><LookupUser><UserId><UserIdentifierValue>Mélanie</UserIdentifierValue></UserId></LookupUser></NCIPMessage>\xff", false},
	{"unknown encoding", `<?xml version="1.0" encoding="klingon"?><NCIPMessage/>`, false},
	{"version 1.1", `<?xml version="1.1"?><NCIPMessage/>`, false},
	{"entities, references, CRLF, CDATA, comments", "<NCIPMessage>\r\n<!-- c --><?pi data?><LookupUser>\r\n  <UserId><UserIdentifierValue> a&amp;b&lt;&#233;&#x10000;&#xD800;\r\nc\rd<![CDATA[<&e\r\n]]>f<!--x-->g<?p?>h </UserIdentifierValue></UserId>\r\n<UserElementType Scheme=\"s&quot;&#9;\r\nt\">  Name&#32;Information  </UserElementType></LookupUser></NCIPMessage>", true},
	{"scheme with any prefix, last wins", `<NCIPMessage><LookupUser><UserElementType a:Scheme="one" ncip:Scheme='two' >v</UserElementType></LookupUser></NCIPMessage>`, true},
	{"attributes without spaces between", `<NCIPMessage version="v2"xmlns="x"><LookupVersion/></NCIPMessage>`, true},
	{"unknown children skipped", `<NCIPMessage><LookupUser><Ext><a x="1"><b/>t<c>&amp;</c></a></Ext><UserId><UserIdentifierValue>U<x>ignored</x>1</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, true},
	{"unknown service", `<NCIPMessage><LookupItemSet><ItemId/></LookupItemSet></NCIPMessage>`, true},
	{"unknown service then another", `<NCIPMessage><LookupItemSet/><LookupUser/></NCIPMessage>`, false},
	{"top-level problems", `<NCIPMessage><Problem><ProblemType>Unknown User</ProblemType></Problem><Problem><ProblemType Scheme="s">x</ProblemType><ProblemDetail>d</ProblemDetail></Problem></NCIPMessage>`, true},
	{"problem then service", `<NCIPMessage><Problem><ProblemType>x</ProblemType></Problem><LookupUser/></NCIPMessage>`, false},
	{"empty elements", `<NCIPMessage><CheckOutItemResponse><ItemId/><DateDue/><RenewalCount/><IndeterminateLoanPeriodFlag>yes</IndeterminateLoanPeriodFlag></CheckOutItemResponse></NCIPMessage>`, true},
	{"ints with spaces", `<NCIPMessage><CheckOutItemResponse><RenewalCount> 3 </RenewalCount></CheckOutItemResponse></NCIPMessage>`, true},
	{"blank int", `<NCIPMessage><CheckOutItemResponse><RenewalCount> </RenewalCount></CheckOutItemResponse></NCIPMessage>`, false},
	{"bad int", `<NCIPMessage><CheckOutItemResponse><RenewalCount>two</RenewalCount></CheckOutItemResponse></NCIPMessage>`, false},
	{"bad date", `<NCIPMessage><CheckOutItemResponse><DateDue>next tuesday</DateDue></CheckOutItemResponse></NCIPMessage>`, false},
	{"text after the root is ignored", `<NCIPMessage><LookupVersion/></NCIPMessage> <<<trailing`, true},
	{"repeated element", `<NCIPMessage><LookupUser><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><UserId><AgencyId>A</AgencyId></UserId></LookupUser></NCIPMessage>`, false},
	{"NCIP 1 scheme/value children", `<NCIPMessage><LookupUser><UserId><UserIdentifierType><Scheme>s</Scheme><Value>Barcode</Value></UserIdentifierType></UserId></LookupUser></NCIPMessage>`, false},
	{"NCIP 1 version", `<NCIPMessage version="http://www.niso.org/ncip/v1_0/imp1/dtd/ncip_v1_0.dtd"><LookupUser/></NCIPMessage>`, false},
	{"DOCTYPE", `<!DOCTYPE NCIPMessage><NCIPMessage><LookupVersion/></NCIPMessage>`, false},
	{"undefined entity", `<NCIPMessage><LookupUser><UserId><UserIdentifierValue>&xxe;</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, false},
	{"mismatched end", `<NCIPMessage><LookupUser></LookupUsr></NCIPMessage>`, false},
	{"prefix mismatch", `<a:NCIPMessage><LookupVersion/></b:NCIPMessage>`, false},
	{"truncated", `<NCIPMessage><LookupUser><UserId>`, false},
	{"wrong root", `<html><body>It works!</body></html>`, false},
	{"control character", "<NCIPMessage><LookupUser><UserId><UserIdentifierValue>a\x01</UserIdentifierValue></UserId></LookupUser></NCIPMessage>", false},
	{"reference to a control character", `<NCIPMessage><LookupUser><UserId><UserIdentifierValue>&#1;</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, false},
	{"]]> in text", `<NCIPMessage><LookupUser><UserId><UserIdentifierValue>a]]>b</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`, false},
	{"two colons", `<NCIPMessage><a:b:c/></NCIPMessage>`, false},
	{"non-ASCII name", `<NCIPMessage><Lookupé/></NCIPMessage>`, false},
	{"xml declaration inside", `<NCIPMessage><?xml version="1.0"?><LookupVersion/></NCIPMessage>`, false},
	{"double hyphen in comment", `<NCIPMessage><!-- a -- b --><LookupVersion/></NCIPMessage>`, false},
}

func TestFastDecoderEdges(t *testing.T) {
	for _, tt := range lenientDocs {
		t.Run(tt.name, func(t *testing.T) {
			if got := differ(t, tt.name, []byte(tt.doc)); got != tt.wantFast {
				t.Errorf("fast path took it = %v, want %v", got, tt.wantFast)
			}
			// Unmarshal as a whole behaves as encoding/xml does.
			m, err := ncip.Unmarshal([]byte(tt.doc))
			d, _ := ncip.ToUTF8([]byte(tt.doc))
			sm, serr := ncip.StdUnmarshal(d)
			if (err == nil) != (serr == nil) || !reflect.DeepEqual(m, sm) {
				t.Errorf("Unmarshal = %v, %v; encoding/xml path = %v, %v", m, err, sm, serr)
			}
			if err != nil && serr != nil && err.Error() != serr.Error() {
				t.Errorf("Unmarshal error %q, encoding/xml path %q", err, serr)
			}
		})
	}
}

// mutationTokens are spliced into valid documents by
// TestFastDecoderMutations: the constructs at the edge of the fast path.
var mutationTokens = []string{
	"<!--c-->", "<!-- a -- b -->", "&amp;", "&lt;", "&#233;", "&#x1F600;", "&#1;", "&#xD800;", "&bogus;", "&", "&#", "]]>", "]]",
	"<![CDATA[x<&]]>", "<![CDATA[", "\r\n", "\r", "\t", "ns1:", ":", "<x>", "</x>", "<x/>", "/>", "<", ">", "\"", "'", " a='b'", " Scheme=\"s\"",
	" ns1:Scheme='t'", " version=\"v1\"", "é", "\xff", "\x00", "\xef\xbf\xbe", "<?xml version=\"1.0\"?>", "<?pi x?>", "<!DOCTYPE a>",
	"<Problem><ProblemType>x</ProblemType></Problem>", "<Scheme>s</Scheme>", "<Value>v</Value>", " ", "1", "-", "Z",
}

// TestFastDecoderMutations splices, deletes and duplicates pieces of
// valid documents (a deterministic, always-run complement to
// FuzzFastDecoder) and checks the two paths agree on each result.
func TestFastDecoderMutations(t *testing.T) {
	var seeds [][]byte
	for _, m := range sampleMessages() {
		b, _ := (&ncip.EncodeOptions{Indent: " "}).Marshal(m)
		seeds = append(seeds, b)
	}
	for _, tt := range lenientDocs {
		seeds = append(seeds, []byte(tt.doc))
	}
	sort.Slice(seeds, func(i, j int) bool { return string(seeds[i]) < string(seeds[j]) })
	rng := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 30
	}
	took, stdOnly := 0, 0
	for _, seed := range seeds {
		for range n {
			doc := append([]byte(nil), seed...)
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(doc) + 1)
				switch rng.IntN(3) {
				case 0:
					tok := mutationTokens[rng.IntN(len(mutationTokens))]
					doc = append(doc[:i:i], append([]byte(tok), doc[i:]...)...)
				case 1:
					j := min(len(doc), i+1+rng.IntN(8))
					doc = append(doc[:i:i], doc[j:]...)
				case 2:
					j := min(len(doc), i+1+rng.IntN(16))
					doc = append(doc[:j:j], append(append([]byte(nil), doc[i:j]...), doc[j:]...)...)
				}
			}
			if differ(t, "mutation", doc) {
				took++
			} else if d, err := ncip.ToUTF8(doc); err == nil {
				if _, err := ncip.StdUnmarshal(d); err == nil {
					stdOnly++
				}
			}
		}
	}
	t.Logf("%d mutated documents: %d taken by the fast path, %d more accepted by encoding/xml only", n*len(seeds), took, stdOnly)
	if took == 0 {
		t.Error("the fast path took none of the mutated documents")
	}
}

// FuzzFastDecoder: for any input, a message from the fast path is
// deep-equal to encoding/xml's, and nothing encoding/xml refuses is
// accepted by the fast path.
func FuzzFastDecoder(f *testing.F) {
	for _, ex := range examples(f) {
		f.Add(ex.data)
	}
	for _, m := range sampleMessages() {
		b, _ := ncip.Marshal(m)
		f.Add(b)
	}
	for _, tt := range lenientDocs {
		f.Add([]byte(tt.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		differ(t, "fuzz", data)
	})
}

func TestFastDecoderNoNameCollision(t *testing.T) {
	// The fast path finds services by element name in the encoder's plan,
	// encoding/xml's path by Go field name; they must coincide.
	mt := reflect.TypeFor[ncip.Message]()
	for i := range mt.NumField() {
		f := mt.Field(i)
		if f.Type.Kind() != reflect.Pointer {
			continue
		}
		if tag, _, _ := strings.Cut(f.Tag.Get("xml"), ","); tag != f.Name {
			t.Errorf("Message.%s has element name %q", f.Name, tag)
		}
	}
}
