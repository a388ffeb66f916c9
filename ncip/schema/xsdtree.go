package schema

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// xsdNS is the namespace of XML Schema's own vocabulary.
const xsdNS = "http://www.w3.org/2001/XMLSchema"

// xsiNS is the namespace of the schema-instance attributes (xsi:type, ...).
const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

// A node is one element of the schema document. The compiler works on this
// tree rather than on the token stream because global components may be
// referenced before they are declared.
type node struct {
	name     xml.Name          // resolved; only xs: elements are kept
	attrs    map[string]string // unqualified attributes (the XSD vocabulary)
	scope    map[string]string // in-scope prefixes, for QName-valued attributes
	children []*node
	line     int
}

func (n *node) attr(name string) (string, bool) {
	v, ok := n.attrs[name]
	return v, ok
}

// qname resolves a QName-valued attribute (type=, ref=, base=) with the
// prefixes in scope where it was written.
func (n *node) qname(v string) (xml.Name, error) {
	v = strings.TrimSpace(v)
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		local, prefix = prefix, ""
	}
	ns, bound := n.scope[prefix]
	if !bound && prefix != "" {
		return xml.Name{}, fmt.Errorf("line %d: prefix %q of %q is not declared", n.line, prefix, v)
	}
	return xml.Name{Space: ns, Local: local}, nil
}

// parseTree reads an XSD document into a tree of xs: elements. Annotations
// and foreign elements are dropped: they carry no validation rules.
func parseTree(r io.Reader) (*node, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("schema: reading XSD: %w", err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	var stack []*node
	var root *node
	skip := 0 // depth inside dropped elements
	for {
		before := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("schema: parsing XSD: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("schema: XSD line %d: DOCTYPE and other directives are refused", lineAt(data, before))
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			scope := map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}
			if len(stack) > 0 {
				for k, v := range stack[len(stack)-1].scope {
					scope[k] = v
				}
			}
			attrs := map[string]string{}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					scope[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					scope[""] = a.Value
				case a.Name.Space == "":
					attrs[a.Name.Local] = a.Value
				}
			}
			ns, ok := scope[t.Name.Space]
			if !ok && t.Name.Space != "" {
				return nil, fmt.Errorf("schema: XSD line %d: prefix %q is not declared", lineAt(data, before), t.Name.Space)
			}
			n := &node{name: xml.Name{Space: ns, Local: t.Name.Local}, attrs: attrs, scope: scope, line: lineAt(data, before)}
			if ns != xsdNS || n.name.Local == "annotation" {
				if len(stack) == 0 {
					return nil, fmt.Errorf("schema: root element is {%s}%s, not xs:schema", ns, t.Name.Local)
				}
				skip = 1
				continue
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("schema: XSD line %d: more than one root element", n.line)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if len(stack) == 0 {
				return nil, fmt.Errorf("schema: XSD line %d: unbalanced end tag", lineAt(data, before))
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 || skip != 0 {
		return nil, fmt.Errorf("schema: parsing XSD: unexpected end of document")
	}
	if root == nil || root.name.Local != "schema" {
		return nil, fmt.Errorf("schema: no xs:schema root element")
	}
	return root, nil
}

// lineAt returns the 1-based line number of byte offset off in data.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// lineCol returns the 1-based line and column (in bytes) of offset off.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	head := data[:off]
	line := bytes.Count(head, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(head, '\n') + 1) + 1
	return line, col
}

// charsetReader accepts the encodings an NCIP peer may declare besides
// UTF-8. Anything else is refused rather than guessed.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}
