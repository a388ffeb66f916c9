package ncip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// Unmarshal decodes an NCIP document leniently (see the package
// documentation). Every failure is a *Problem: "Invalid Message Syntax
// Error" for XML that cannot be read, an NCIP 1 message or a root other
// than NCIPMessage, "Invalid Date" for a date that cannot be read, with the
// line and element where known.
//
// A message whose only content element is not modelled here decodes
// without error, with Other set to the element's name; a message with no
// content element decodes to an empty Message.
func Unmarshal(data []byte) (*Message, error) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, err
	}
	if m, ok := fastUnmarshal(data); ok {
		return m, nil
	}
	m, err := stdUnmarshal(data)
	if err != nil {
		if p, ok := err.(*Problem); ok {
			scrubCredentials(p, data)
		}
	}
	return m, err
}

// credentialElements hold secrets: a patron's PIN or password, an agency's
// or system's shared secret.
var credentialElements = [][]byte{[]byte("AuthenticationInputData"), []byte("FromAgencyAuthentication"), []byte("FromSystemAuthentication")}

// scrubCredentials removes from a Problem any text that encoding/xml
// quoted from a credential element: a PIN sent unescaped ("pw&x1234")
// makes an error such as "invalid character entity &x1234", which would
// otherwise travel back in the Problem and into peers' logs. Every run of
// three or more name characters found in a credential's raw content is
// replaced by "[redacted]". It runs on the error path only.
func scrubCredentials(p *Problem, data []byte) {
	var runs []string
	for _, name := range credentialElements {
		for off := 0; ; {
			i := bytes.Index(data[off:], name)
			if i < 0 {
				break
			}
			i += off
			off = i + len(name)
			if isClosingTag(data, i) {
				continue
			}
			gt := bytes.IndexByte(data[off:], '>')
			if gt < 0 {
				break
			}
			content := data[off+gt+1:]
			if end := bytes.Index(content, []byte("</")); end >= 0 {
				content = content[:end]
			}
			content = content[:min(len(content), 512)]
			for _, f := range bytes.FieldsFunc(content, func(r rune) bool { return strings.ContainsRune("<>&;/=\"' \t\r\n", r) }) {
				if len(f) >= 3 {
					runs = append(runs, string(f))
				}
			}
		}
	}
	for _, r := range runs {
		p.Detail = strings.ReplaceAll(p.Detail, r, "[redacted]")
		p.Element = strings.ReplaceAll(p.Element, r, "[redacted]")
		p.Value = strings.ReplaceAll(p.Value, r, "[redacted]")
	}
}

// isClosingTag reports whether the name at data[i:] is in an end tag
// ("</Name" or "</prefix:Name").
func isClosingTag(data []byte, i int) bool {
	j := i - 1
	if j >= 0 && data[j] == ':' {
		j--
		for j >= 0 && data[j] != '<' && data[j] != '/' && !isSpace(data[j]) {
			j--
		}
	}
	return j >= 0 && data[j] == '/'
}

// stdUnmarshal is the encoding/xml path: the reference for every lenient
// form and the only source of errors. fastUnmarshal handles the common
// subset and hands everything else (and every failure) to it.
func stdUnmarshal(data []byte) (*Message, error) {
	validUTF8 := utf8.Valid(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// No Entity map: only the five predefined entities exist, so nothing a
	// DOCTYPE declares is ever expanded (no XXE, no billion laughs).
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		return charsetReader(label, r, validUTF8)
	}
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, syntaxProblem("", errors.New("no NCIPMessage element"))
			}
			return nil, syntaxProblem("", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			start = se
			break
		}
	}
	if start.Name.Local != "NCIPMessage" {
		return nil, &Problem{Type: msgSyntax, Detail: fmt.Sprintf("root element is %q, want NCIPMessage", clip(start.Name.Local, 40)), Element: "NCIPMessage"}
	}
	m := &Message{}
	for _, a := range start.Attr {
		if a.Name.Local == "version" {
			m.Version = a.Value
		}
	}
	if IsV1(m.Version) {
		return nil, &Problem{Type: msgSyntax, Detail: "NCIP version 1 messages are not supported; send NCIP 2", Element: "NCIPMessage", Value: clip(m.Version, 100)}
	}
	// Fields match on local names only, so any namespace or prefix (or
	// none) is accepted.
	mv := reflect.ValueOf(m).Elem()
	mp := planFor(messageType)
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, syntaxProblem(m.Service(), errors.New("unexpected end of document inside NCIPMessage"))
			}
			return nil, syntaxProblem(m.Service(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if name == "Problem" {
				var p Problem
				if err := d.DecodeElement(&p, &t); err != nil {
					return nil, syntaxProblem(name, err)
				}
				m.Problems = append(m.Problems, p)
				continue
			}
			if prev := m.Service(); prev != "" {
				return nil, &Problem{Type: msgSyntax, Detail: fmt.Sprintf("more than one service element (%s, then %s)", prev, clip(name, 40)), Element: clip(name, 40)}
			}
			i := mp.lookup([]byte(name))
			if i < 0 || mp.fields[i].k != kPtr {
				m.Other = name
				if err := d.Skip(); err != nil {
					return nil, syntaxProblem(name, err)
				}
				continue
			}
			f := &mp.fields[i]
			pv := reflect.New(f.elemType)
			if err := d.DecodeElement(pv.Interface(), &t); err != nil {
				return nil, syntaxProblem(name, err)
			}
			mv.Field(f.index).Set(pv)
		case xml.EndElement:
			return m, nil
		}
	}
}

var msgSyntax = SchemeValue{SchemeMessagingError, string(ProblemTypeInvalidMessageSyntaxError)}

// syntaxProblem turns a decoding error into a Problem, keeping a Problem
// (such as Invalid Date) as it is.
func syntaxProblem(element string, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		if p.Element == "" {
			p.Element = element
		}
		return p
	}
	if element == "" {
		element = "NCIPMessage"
	}
	return &Problem{Type: msgSyntax, Detail: "cannot read message: " + strings.TrimPrefix(err.Error(), "xml: "), Element: element}
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// toUTF8 removes a UTF-8 byte-order mark and converts UTF-16 with a BOM.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return data[3:], nil
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, &Problem{Type: msgSyntax, Detail: "cannot read UTF-16 document: " + err.Error(), Element: "NCIPMessage"}
		}
		// The prolog still says UTF-16; the bytes are now UTF-8.
		return bytes.Replace(out, []byte(`encoding="UTF-16"`), []byte(`encoding="UTF-8"`), 1), nil
	}
	return data, nil
}

type labelClass uint8

const (
	otherLabel  labelClass = iota
	utf8Label              // read as it is: UTF-8, or UTF-16 already converted by toUTF8
	latin1Label            // read as UTF-8 when the document is valid UTF-8
)

// labelKind sorts a lower-cased encoding label for charsetReader and the
// fast decoder's passThrough, which must agree on it.
func labelKind(l string) labelClass {
	switch l {
	case "utf-8", "utf8", "utf-16", "utf16":
		return utf8Label
	case "iso-8859-1", "latin1", "latin-1", "iso_8859-1", "windows-1252", "cp1252", "us-ascii", "ascii":
		return latin1Label
	}
	return otherLabel
}

// charsetReader decodes the encodings named in an XML prolog. A document
// that declares ISO-8859-1 (or windows-1252 or US-ASCII) but is valid UTF-8
// is read as UTF-8: ILLiad sends exactly that, and Latin-1 text that
// happens to be valid UTF-8 is rare.
func charsetReader(label string, r io.Reader, validUTF8 bool) (io.Reader, error) {
	l := strings.ToLower(strings.TrimSpace(label))
	switch labelKind(l) {
	case utf8Label:
		return r, nil
	case latin1Label:
		if validUTF8 {
			return r, nil
		}
	}
	enc, err := htmlindex.Get(l)
	if err != nil {
		return nil, fmt.Errorf("unsupported encoding %q", clip(label, 40))
	}
	return enc.NewDecoder().Reader(r), nil
}
