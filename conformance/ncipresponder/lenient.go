package ncipresponder

import (
	"context"
	"regexp"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

// A lenientForm is a way real initiators write a LookupUser that the
// schema (or Implementation Profile 1) does not allow, but that a robust
// responder accepts (ncip.md §6.1, §6.8, §7, §9.2).
type lenientForm struct {
	key, title, requirement, source string
	doc                             func(s *suite) []byte // the document
	opts                            []postOption
}

var lenientForms = []lenientForm{
	{
		key:         "lenient/1",
		title:       "A bare (unqualified) version attribute is accepted",
		requirement: "A LookupUser whose root carries version=\"…\" instead of ncip:version=\"…\" (mod-ncip, Relais, Koha, ILLiad write it so) is answered like the canonical form.",
		source:      "ncip.md §6.1, §9.1",
		doc: func(s *suite) []byte {
			return []byte(strings.Replace(s.canonicalLookupUser(), " ncip:version=", " version=", 1))
		},
	},
	{
		key:         "lenient/2",
		title:       "A message without the NCIP namespace is accepted",
		requirement: "A LookupUser with no namespace declaration at all (mod-ncip's mock, the MZK/Aleph response in VuFind's fixtures) is answered like the canonical form.",
		source:      "ncip.md §6.1, §7",
		doc: func(s *suite) []byte {
			return []byte(rootTag.ReplaceAllLiteralString(s.canonicalLookupUser(), `<NCIPMessage version="`+xmlEscape(s.cfg.Version)+`">`))
		},
	},
	{
		key:         "lenient/3",
		title:       "A namespace prefix (ns1:) on every element is accepted",
		requirement: "A LookupUser whose elements carry a prefix bound to the NCIP namespace (ns1:NCIPMessage, ns1:LookupUser, ...) is answered like the canonical form; XML makes the two equivalent.",
		source:      "ncip.md §6.1 (lib-ncip-client useNamespace, Koha)",
		doc: func(s *suite) []byte {
			doc := s.canonicalLookupUser()
			open := rootTag.FindString(doc)
			start := strings.Index(doc, open) + len(open)
			inner := strings.TrimSuffix(strings.TrimSpace(doc[start:]), "</NCIPMessage>")
			inner = tagName.ReplaceAllString(inner, "<${1}ns1:${2}")
			return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<ns1:NCIPMessage xmlns:ns1="` + ncip.Namespace + `" ns1:version="` + xmlEscape(s.cfg.Version) + `">` + inner + `</ns1:NCIPMessage>`)
		},
	},
	{
		key:         "lenient/4",
		title:       "A UTF-8 byte-order mark is accepted",
		requirement: "A LookupUser that starts with the UTF-8 byte-order mark (EF BB BF), as Windows tools write it, is answered like the canonical form.",
		source:      "ncip.md §9.2 (transport)",
		doc:         func(s *suite) []byte { return []byte("\uFEFF" + s.canonicalLookupUser()) },
	},
	{
		key:         "lenient/5",
		title:       "A request sent as text/xml is accepted",
		requirement: "A LookupUser posted with Content-Type text/xml (ILLiad does) is answered like one posted as application/xml; CrossLink's mock answers 415 instead.",
		source:      "ncip.md §6.8, §9.2",
		doc:         func(s *suite) []byte { return []byte(s.canonicalLookupUser()) },
		opts:        []postOption{withContentType("text/xml; charset=UTF-8")},
	},
	{
		key:         "lenient/6",
		title:       "An ISO-8859-1 prolog is accepted",
		requirement: "A LookupUser whose prolog declares encoding=\"ISO-8859-1\" (ILLiad) is answered like the canonical form.",
		source:      "ncip.md §6.9",
		doc: func(s *suite) []byte {
			return []byte(strings.Replace(s.canonicalLookupUser(), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1))
		},
	},
	{
		key:         "lenient/7",
		title:       "A message posted as the form field xml is accepted",
		requirement: "A LookupUser posted as application/x-www-form-urlencoded with the document in the field xml (as Koha's NCIPServer reads it) is answered like the canonical form.",
		source:      "ncip.md §6.8, §9.2",
		doc:         func(s *suite) []byte { return []byte(s.canonicalLookupUser()) },
		opts:        []postOption{asFormField("xml")},
	},
	{
		key:         "lenient/8",
		title:       "A message without a version attribute is accepted",
		requirement: "A LookupUser whose root has no version attribute (seen in VuFind's fixtures) is answered like the canonical form, as NCIP 2.",
		source:      "ncip.md §6.1",
		doc: func(s *suite) []byte {
			return []byte(rootTag.ReplaceAllLiteralString(s.canonicalLookupUser(), `<NCIPMessage xmlns="`+ncip.Namespace+`">`))
		},
	},
}

var (
	rootTag = regexp.MustCompile(`<NCIPMessage\b[^>]*>`)
	tagName = regexp.MustCompile(`<(/?)([A-Za-z_][\w.-]*)`)
)

func (s *suite) lenient() *conformance.Group {
	g := &conformance.Group{Key: "lenient", Title: "Input forms partners send (profile notes, never failures)"}
	for _, f := range lenientForms {
		// ncip.md §7 ("Lesson for the gateway: ... parse incoming ones
		// leniently") and §9.1 ("Never reject input just for bare version,
		// missing namespace, element order or Scheme absence"). These forms
		// break the schema or the profile, so refusing them is allowed;
		// the outcome is reported as a note.
		g.Cases = append(g.Cases, s.newCase(f.key, f.title, f.requirement, f.source, conformance.Profile,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				ex, err := s.post(ctx, t, f.doc(s), f.opts...)
				if err != nil {
					return err
				}
				if err := ncipBody(ex); err != nil {
					return err
				}
				if got := ex.msg.Service(); got != "LookupUserResponse" {
					return conformance.Failf("a LookupUserResponse", "%s", describeBody(ex.msg))
				}
				if p := ex.msg.Problem(); p != nil {
					return conformance.Failf("the user, as for the canonical form", "Problem %q (%s)", p.Type.Value, problemText(p))
				}
				return nil
			}))
	}
	return g
}

// canonicalLookupUser is the schema-valid LookupUser of the configured
// user that the lenient forms are derived from.
func (s *suite) canonicalLookupUser() string {
	m := s.lookupUserMsg(s.cfg.User)
	m.Version = s.cfg.Version
	b, err := ncip.Marshal(m)
	if err != nil { // cannot happen for this message; the form then fails visibly
		return ""
	}
	return string(b)
}

// rawDoc wraps inner, hand-written XML for a request the ncip package
// would refuse to encode, in the canonical NCIPMessage root.
func (s *suite) rawDoc(version, inner string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<NCIPMessage xmlns="` + ncip.Namespace + `" xmlns:ncip="` + ncip.Namespace + `" ncip:version="` + xmlEscape(version) + `">` +
		inner + `</NCIPMessage>`)
}

// headerXML is the configured InitiationHeader as XML, or "".
func (s *suite) headerXML() string {
	h := s.initiationHeader()
	if h == nil {
		return ""
	}
	b, err := ncip.Marshal(&ncip.Message{DeleteItem: &ncip.DeleteItem{InitiationHeader: h, ItemID: ncip.ItemID{ItemIdentifierValue: "x"}}})
	if err != nil {
		return ""
	}
	doc := string(b)
	i, j := strings.Index(doc, "<InitiationHeader>"), strings.Index(doc, "</InitiationHeader>")
	if i < 0 || j < i {
		return ""
	}
	return doc[i : j+len("</InitiationHeader>")]
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }
