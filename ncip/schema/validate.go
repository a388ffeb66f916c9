package schema

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A ValidationError describes the first place where a document breaks the
// schema, or is not well-formed XML.
//
// Reasons name elements, attributes and types but never quote the
// document's text or attribute values: NCIP messages carry PINs and
// passwords.
type ValidationError struct {
	// Path is the element's location, such as
	// /NCIPMessage/CheckOutItem/UserId/UserIdentifierValue. It is the
	// offending element itself for an unexpected element, and the parent
	// for a missing child.
	Path string
	// Line and Column (1-based, column in bytes) point at the start of
	// the offending tag or text.
	Line, Column int
	// Reason says what is wrong and, where it helps, what was expected.
	Reason string
	// Syntax is true when the document is not well-formed XML (or uses a
	// refused construct such as DOCTYPE), as opposed to well-formed but
	// invalid.
	Syntax bool
}

// Error formats the error as "schema: PATH (line L, column C): REASON".
func (e *ValidationError) Error() string {
	path := e.Path
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("schema: %s (line %d, column %d): %s", path, e.Line, e.Column, e.Reason)
}

// maxDepth bounds element nesting; real NCIP messages nest about ten deep.
const maxDepth = 256

type mode int

const (
	modeStrict mode = iota // declared: full checks
	modeLax                // undeclared under a lax wildcard or anyType: children assessed laxly
	modeSkip               // under a skip wildcard: nothing checked
)

type frame struct {
	raw    xml.Name // prefix and local name as written, to match the end tag
	local  string
	name   xml.Name
	decl   *elementDecl
	typ    *typeDef
	mode   mode
	state  int
	nilled bool
	nsMark int // length of the namespace stack before this element's bindings
	line   int
	col    int
	rec    *recordingReader // nil when reading from memory
}

type binding struct{ prefix, uri string }

type validator struct {
	s     *Schema
	d     *xml.Decoder
	stack []frame
	ns    []binding
	text  []byte
	done  bool // the root element has ended
	seen  bool // the root element has started
	line  int
	col   int
	rec   *recordingReader // nil when reading from memory
}

// Validate reads one XML document from r and checks it against the schema.
// It returns nil when the document is valid, a *ValidationError for the
// first problem found, or another error when r itself fails.
//
// A DOCTYPE is refused, so no entity is ever expanded. Encodings other
// than UTF-8, US-ASCII and ISO-8859-1 are refused.
func (s *Schema) Validate(r io.Reader) error {
	rr := &recordingReader{br: bufio.NewReader(r)}
	return s.validate(rr, rr)
}

// ValidateBytes validates the XML document doc; see Validate.
func (s *Schema) ValidateBytes(doc []byte) error {
	return s.validate(bytes.NewReader(doc), nil)
}

// recordingReader remembers a failure of the underlying reader, so that
// it can be told apart from the decoder's own complaints about the XML.
type recordingReader struct {
	br  *bufio.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.br.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

func (r *recordingReader) ReadByte() (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil && err != io.EOF {
		r.err = err
	}
	return b, err
}

func (s *Schema) validate(r io.Reader, rec *recordingReader) error {
	v := &validator{s: s, d: xml.NewDecoder(r), rec: rec}
	v.d.CharsetReader = charsetReader
	v.ns = append(v.ns, binding{"xml", "http://www.w3.org/XML/1998/namespace"})
	return v.run()
}

func (v *validator) fail(line, col int, syntax bool, format string, a ...any) error {
	return &ValidationError{Path: v.path(), Line: line, Column: col, Reason: fmt.Sprintf(format, a...), Syntax: syntax}
}

func (v *validator) path() string {
	var b strings.Builder
	for _, f := range v.stack {
		b.WriteByte('/')
		b.WriteString(f.local)
	}
	return b.String()
}

func (v *validator) run() error {
	for {
		v.line, v.col = v.d.InputPos()
		tok, err := v.d.RawToken()
		if err == io.EOF {
			if len(v.stack) > 0 {
				return v.fail(v.line, v.col, true, "not well-formed XML: document ends inside element %s", v.stack[len(v.stack)-1].local)
			}
			if !v.seen {
				return v.fail(v.line, v.col, true, "not well-formed XML: no root element")
			}
			return nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return v.fail(se.Line, v.col, true, "not well-formed XML: %s", safeSyntax(se.Msg))
			}
			if v.rec != nil && v.rec.err != nil {
				return fmt.Errorf("schema: reading document: %w", v.rec.err)
			}
			// The XML declaration's version or encoding was refused.
			return v.fail(v.line, v.col, true, "%s", strings.TrimPrefix(err.Error(), "xml: "))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := v.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			if err := v.end(t); err != nil {
				return err
			}
		case xml.CharData:
			if err := v.chars(t); err != nil {
				return err
			}
		case xml.Directive:
			return v.fail(v.line, v.col, true, "DOCTYPE and other <! declarations are refused (no entity expansion)")
		case xml.ProcInst:
			if t.Target == "xml" && (v.seen || v.line != 1 || v.col != 1) {
				return v.fail(v.line, v.col, true, "not well-formed XML: XML declaration not at the start of the document")
			}
		}
	}
}

// safeSyntax keeps the decoder's message unless it may quote document text
// (entity names can hold pieces of a PIN written with a bare '&').
func safeSyntax(msg string) string {
	if strings.Contains(msg, "entity") || strings.Contains(msg, "&") {
		return "invalid character or entity reference (a bare '&' must be written &amp;)"
	}
	return msg
}

func (v *validator) resolve(prefix string) (string, bool) {
	if prefix == "xmlns" {
		return "http://www.w3.org/2000/xmlns/", true
	}
	for i := len(v.ns) - 1; i >= 0; i-- {
		if v.ns[i].prefix == prefix {
			return v.ns[i].uri, true
		}
	}
	return "", prefix == ""
}

func (v *validator) display(n xml.Name) string {
	if n.Space == v.s.target || n.Space == "" {
		return n.Local
	}
	return fmtName(n)
}

func (v *validator) start(t xml.StartElement) error {
	line, col := v.line, v.col
	if v.done {
		return v.fail(line, col, true, "not well-formed XML: element %s after the end of the root element", t.Name.Local)
	}
	if len(v.stack) >= maxDepth {
		return v.fail(line, col, false, "elements nested deeper than %d", maxDepth)
	}
	mark := len(v.ns)
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			if a.Name.Local == "xmlns" || (a.Name.Local == "xml") != (a.Value == "http://www.w3.org/XML/1998/namespace") {
				return v.fail(line, col, true, "not well-formed XML: reserved prefix %s rebound", a.Name.Local)
			}
			if a.Value == "" {
				return v.fail(line, col, true, "not well-formed XML: prefix %s bound to the empty namespace", a.Name.Local)
			}
			v.ns = append(v.ns, binding{a.Name.Local, a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			v.ns = append(v.ns, binding{"", a.Value})
		}
	}
	if err := v.uniqueAttrs(t, line, col); err != nil {
		return err
	}
	ns, ok := v.resolve(t.Name.Space)
	if !ok {
		return v.fail(line, col, true, "not well-formed XML: namespace prefix %s of element %s is not declared", t.Name.Space, t.Name.Local)
	}
	name := xml.Name{Space: ns, Local: t.Name.Local}
	f := frame{raw: t.Name, local: t.Name.Local, name: name, nsMark: mark, line: line, col: col}

	v.seen = true
	v.stack = append(v.stack, f) // may move the stack: take pointers after
	cur := &v.stack[len(v.stack)-1]
	var parent *frame
	if len(v.stack) > 1 {
		parent = &v.stack[len(v.stack)-2]
	}

	switch {
	case parent == nil:
		d, ok := v.s.elements[name]
		if !ok {
			return v.fail(line, col, false, "%s", v.noGlobal(name, "as the document root"))
		}
		cur.decl = d
	case parent.mode == modeSkip:
		cur.mode = modeSkip
	case parent.nilled:
		return v.fail(line, col, false, "parent %s has xsi:nil=\"true\" and must be empty", parent.local)
	case parent.mode == modeLax || parent.typ.anyType:
		if d, ok := v.s.elements[name]; ok {
			cur.decl = d
		} else {
			cur.mode = modeLax
		}
	default:
		if err := v.child(parent, cur); err != nil {
			return err
		}
	}
	if cur.mode != modeStrict {
		return v.laxAttrs(t, cur)
	}
	cur.typ = cur.decl.typ
	v.text = v.text[:0]
	if cur.decl.abstract {
		return v.fail(line, col, false, "element %s is abstract", cur.local)
	}
	return v.attrs(t, cur)
}

// noGlobal explains why name has no global declaration, with a hint when
// only its namespace is wrong (the usual mistake: a missing xmlns).
func (v *validator) noGlobal(name xml.Name, role string) string {
	if d, ok := v.s.elements[xml.Name{Space: v.s.target, Local: name.Local}]; ok && name.Space != v.s.target {
		ns := name.Space
		if ns == "" {
			ns = "no namespace"
		}
		return fmt.Sprintf("element %s is in %s, but the schema declares %s in namespace %s", name.Local, ns, d.name.Local, v.s.target)
	}
	return fmt.Sprintf("element %s is not declared %s", v.display(name), role)
}

// child matches cur against its parent's content model.
func (v *validator) child(parent, cur *frame) error {
	pt := parent.typ
	switch pt.content {
	case contentSimple:
		return v.fail(cur.line, cur.col, false, "element %s is not allowed: %s has simple content (text only)", v.display(cur.name), parent.local)
	case contentEmpty:
		return v.fail(cur.line, cur.col, false, "element %s is not allowed: %s must be empty", v.display(cur.name), parent.local)
	}
	if pt.simple != nil && !pt.complex {
		return v.fail(cur.line, cur.col, false, "element %s is not allowed: %s has simple type %s", v.display(cur.name), parent.local, pt.simple.describe())
	}
	tr, ok := pt.model.step(parent.state, cur.name)
	if !ok {
		return v.fail(cur.line, cur.col, false, "unexpected element in %s: %s; found %s", parent.local, v.expected(pt.model, parent.state), v.display(cur.name))
	}
	parent.state = tr.to
	if tr.decl != nil {
		cur.decl = tr.decl
		return nil
	}
	d, declared := v.s.elements[cur.name]
	switch tr.wild.process {
	case processSkip:
		cur.mode = modeSkip
	case processLax:
		if declared {
			cur.decl = d
		} else {
			cur.mode = modeLax
		}
	default:
		if !declared {
			return v.fail(cur.line, cur.col, false, "element %s matches the strict wildcard in %s but has no global declaration", v.display(cur.name), parent.local)
		}
		cur.decl = d
	}
	return nil
}

// expected lists what the automaton accepts in state s.
func (v *validator) expected(a *automaton, s int) string {
	st := &a.states[s]
	var alts []string
	for i, n := range st.names {
		if i == 10 {
			alts = append(alts, fmt.Sprintf("… (%d elements in all)", len(st.names)))
			break
		}
		alts = append(alts, v.display(n))
	}
	for _, w := range st.wild {
		alts = append(alts, w.w.describe)
	}
	end := ""
	if st.accept {
		end = "the end of the element"
	}
	switch {
	case len(alts) == 0:
		return "no more child elements are allowed"
	case len(alts) == 1 && end == "":
		return "expected " + alts[0]
	case end != "":
		return "expected one of " + strings.Join(alts, ", ") + ", or " + end
	}
	return "expected one of " + strings.Join(alts, ", ")
}

// uniqueAttrs enforces XML's rule that an attribute appears once per
// element, comparing names after namespace resolution.
func (v *validator) uniqueAttrs(t xml.StartElement, line, col int) error {
	for i, a := range t.Attr {
		for _, b := range t.Attr[:i] {
			if a.Name.Local != b.Name.Local {
				continue
			}
			same := a.Name.Space == b.Name.Space
			if !same && a.Name.Space != "" && b.Name.Space != "" && a.Name.Space != "xmlns" && b.Name.Space != "xmlns" {
				na, oka := v.resolve(a.Name.Space)
				nb, okb := v.resolve(b.Name.Space)
				same = oka && okb && na == nb
			}
			if same {
				return v.fail(line, col, true, "not well-formed XML: attribute %s appears twice on %s", a.Name.Local, t.Name.Local)
			}
		}
	}
	return nil
}

// laxAttrs only resolves attribute prefixes: nothing else is checked on
// elements assessed laxly or skipped.
func (v *validator) laxAttrs(t xml.StartElement, cur *frame) error {
	for _, a := range t.Attr {
		if a.Name.Space != "" && a.Name.Space != "xmlns" {
			if _, ok := v.resolve(a.Name.Space); !ok {
				return v.fail(cur.line, cur.col, true, "not well-formed XML: namespace prefix %s of attribute %s is not declared", a.Name.Space, a.Name.Local)
			}
		}
	}
	return nil
}

func (v *validator) attrs(t xml.StartElement, cur *frame) error {
	typ := cur.typ
	var seen []*attrUse
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		ns := ""
		if a.Name.Space != "" {
			var ok bool
			if ns, ok = v.resolve(a.Name.Space); !ok {
				return v.fail(cur.line, cur.col, true, "not well-formed XML: namespace prefix %s of attribute %s is not declared", a.Name.Space, a.Name.Local)
			}
		}
		an := xml.Name{Space: ns, Local: a.Name.Local}
		if ns == xsiNS {
			if err := v.xsiAttr(an, a.Value, cur); err != nil {
				return err
			}
			typ = cur.typ
			continue
		}
		if typ.anyType {
			continue
		}
		var use *attrUse
		if typ.complex {
			for _, u := range typ.attrs {
				if u.name == an {
					use = u
					break
				}
			}
		}
		if use == nil {
			w := typ.anyAttr
			if w != nil && w.matches(ns) {
				if w.process == processSkip {
					continue
				}
				if g, ok := v.s.attrs[an]; ok {
					use = g
				} else if w.process == processLax {
					continue
				} else {
					return v.fail(cur.line, cur.col, false, "attribute %s of %s matches a strict wildcard but has no global declaration", v.display(an), cur.local)
				}
			} else {
				return v.fail(cur.line, cur.col, false, "%s", v.attrNotAllowed(an, cur, typ))
			}
		}
		seen = append(seen, use)
		if why := use.typ.validate(a.Value); why != "" {
			return v.fail(cur.line, cur.col, false, "attribute %s of %s: value %s", v.display(an), cur.local, why)
		}
		if use.fixed != nil && normalize(a.Value, use.typ.ws) != normalize(*use.fixed, use.typ.ws) {
			return v.fail(cur.line, cur.col, false, "attribute %s of %s must have its fixed value", v.display(an), cur.local)
		}
	}
	if typ.complex {
	required:
		for _, u := range typ.attrs {
			if !u.required {
				continue
			}
			for _, s := range seen {
				if s == u {
					continue required
				}
			}
			return v.fail(cur.line, cur.col, false, "required attribute %s of %s is missing%s", attrLabel(u.name, v.s.target), cur.local, v.bareHint(t, u.name))
		}
	}
	return nil
}

func attrLabel(n xml.Name, target string) string {
	if n.Space == "" {
		return n.Local
	}
	if n.Space == target {
		return "{" + n.Space + "}" + n.Local + " (namespace-qualified, e.g. ncip:" + n.Local + ")"
	}
	return fmtName(n)
}

// bareHint explains the commonest NCIP mistake: version= written without
// the namespace prefix that attributeFormDefault="qualified" demands.
func (v *validator) bareHint(t xml.StartElement, want xml.Name) string {
	if want.Space == "" {
		return ""
	}
	for _, a := range t.Attr {
		if a.Name.Space == "" && a.Name.Local == want.Local {
			return "; an unqualified " + want.Local + " attribute is present but is in no namespace"
		}
	}
	return ""
}

func (v *validator) attrNotAllowed(an xml.Name, cur *frame, typ *typeDef) string {
	if typ.complex {
		for _, u := range typ.attrs {
			if u.name.Local == an.Local {
				return fmt.Sprintf("attribute %s is not allowed on %s; the schema declares %s", v.attrShow(an), cur.local, attrLabel(u.name, v.s.target))
			}
		}
	}
	return fmt.Sprintf("attribute %s is not allowed on %s", v.attrShow(an), cur.local)
}

func (v *validator) attrShow(n xml.Name) string {
	if n.Space == "" {
		return n.Local + " (no namespace)"
	}
	return fmtName(n)
}

// xsiAttr handles the schema-instance attributes the instance may carry.
func (v *validator) xsiAttr(an xml.Name, val string, cur *frame) error {
	switch an.Local {
	case "schemaLocation", "noNamespaceSchemaLocation":
		return nil // hints only; the schema in use is fixed
	case "nil":
		b := normalize(val, wsCollapse)
		if b != "true" && b != "false" && b != "1" && b != "0" {
			return v.fail(cur.line, cur.col, false, "xsi:nil of %s must be a boolean", cur.local)
		}
		if !cur.decl.nillable {
			return v.fail(cur.line, cur.col, false, "element %s is not nillable", cur.local)
		}
		cur.nilled = b == "true" || b == "1"
		return nil
	case "type":
		prefix, local, ok := strings.Cut(normalize(val, wsCollapse), ":")
		if !ok {
			prefix, local = "", prefix
		}
		ns, bound := v.resolve(prefix)
		if !bound {
			return v.fail(cur.line, cur.col, false, "xsi:type of %s uses an undeclared prefix", cur.local)
		}
		t, found := v.s.types[xml.Name{Space: ns, Local: local}]
		if !found {
			return v.fail(cur.line, cur.col, false, "xsi:type of %s names an unknown type", cur.local)
		}
		if !derivesFrom(t, cur.decl.typ) {
			return v.fail(cur.line, cur.col, false, "xsi:type %s is not derived from the declared type of %s", local, cur.local)
		}
		cur.typ = t
		return nil
	}
	return v.fail(cur.line, cur.col, false, "attribute xsi:%s is not allowed", an.Local)
}

func derivesFrom(t, decl *typeDef) bool {
	if decl.anyType {
		return true
	}
	for ; t != nil; t = t.base {
		if t == decl {
			return true
		}
	}
	return false
}

func (v *validator) chars(t xml.CharData) error {
	if len(v.stack) == 0 {
		if !isBlank(t) {
			return v.fail(v.line, v.col, true, "not well-formed XML: text outside the root element")
		}
		return nil
	}
	cur := &v.stack[len(v.stack)-1]
	if cur.mode != modeStrict || cur.typ.anyType {
		return nil
	}
	if cur.nilled {
		if !isBlank(t) {
			return v.fail(v.line, v.col, false, "element %s has xsi:nil=\"true\" and must be empty", cur.local)
		}
		return nil
	}
	switch {
	case !cur.typ.complex || cur.typ.content == contentSimple:
		v.text = append(v.text, t...)
	case cur.typ.content == contentMixed:
	default:
		if !isBlank(t) {
			return v.fail(v.line, v.col, false, "text is not allowed in %s: its content is element-only", cur.local)
		}
	}
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func (v *validator) end(t xml.EndElement) error {
	if len(v.stack) == 0 {
		return v.fail(v.line, v.col, true, "not well-formed XML: end tag %s without a start tag", t.Name.Local)
	}
	cur := &v.stack[len(v.stack)-1]
	if cur.raw != t.Name {
		return v.fail(v.line, v.col, true, "not well-formed XML: element %s is closed by end tag %s", cur.local, t.Name.Local)
	}
	if cur.mode == modeStrict && !cur.typ.anyType && !cur.nilled {
		typ := cur.typ
		switch {
		case !typ.complex || typ.content == contentSimple:
			st := typ.simple
			if why := st.validate(string(v.text)); why != "" {
				return v.fail(cur.line, cur.col, false, "content of %s is %s", cur.local, why)
			}
			if f := cur.decl.fixed; f != nil && normalize(string(v.text), st.ws) != normalize(*f, st.ws) {
				return v.fail(cur.line, cur.col, false, "content of %s must be its fixed value", cur.local)
			}
		case !typ.model.states[cur.state].accept:
			return v.fail(cur.line, cur.col, false, "missing child element(s) in %s; %s", cur.local, v.expected(typ.model, cur.state))
		}
	}
	v.ns = v.ns[:cur.nsMark]
	v.stack = v.stack[:len(v.stack)-1]
	if len(v.stack) == 0 {
		v.done = true
	}
	v.text = v.text[:0]
	return nil
}
