package ncipdoor

// charset.go: making a partner's document UTF-8 before it is read and
// passed through. The ILS client (ncipclient.SendRaw) labels every document
// it posts "application/xml; charset=utf-8", so a document passed through
// in ISO-8859-1 would have its non-ASCII characters misread by a strict
// ILS; the label and the bytes (and the document's own XML declaration)
// must say the same thing.

import (
	"bytes"
	"mime"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	// encodingDecl finds the encoding pseudo-attribute in an XML
	// declaration's content as encoding/xml reads it: "encoding=" directly
	// followed by a quoted label (with spaces around "=", encoding/xml
	// sees no declaration, and neither does this).
	encodingDecl = regexp.MustCompile(`encoding=(?:"([^"]*)"|'([^']*)')`)
)

// utf8Labels are the labels the ncip decoder reads as they are;
// latin1Labels those it reads as UTF-8 when the bytes are valid UTF-8
// (ILLiad declares ISO-8859-1 and sends UTF-8, ncip.md §6.9) and as
// windows-1252 otherwise. The lists follow the ncip package's decoder, so
// that the document passed through says what the gateway itself read.
var (
	utf8Labels   = []string{"utf-8", "utf8", "utf-16", "utf16"}
	latin1Labels = []string{"iso-8859-1", "latin1", "latin-1", "iso_8859-1", "windows-1252", "cp1252", "us-ascii", "ascii"}
)

// utf8Document returns body as a UTF-8 document that says so, and the
// encoding it was read from ("" when body is returned as it is).
//
// The encoding is decided from what the bytes are, as the ncip decoder
// decides it: a UTF-16 byte-order mark; else the XML declaration's label,
// except that a Latin-1 label on bytes that are valid UTF-8 means UTF-8;
// else, for bytes that are not valid UTF-8, the charset of contentType. A
// document in another encoding is transcoded to UTF-8 and its declaration
// made to say UTF-8. A UTF-8 document whose declaration names UTF-8 or no
// encoding, or that is all ASCII, is returned byte for byte; one whose
// declaration names another encoding (ILLiad's ISO-8859-1) gets "UTF-8" in
// its place, every other byte kept.
//
// What cannot be read (an unknown label, bytes invalid in every encoding
// offered) is returned as it is, for ncip.Unmarshal to refuse with a
// Problem naming the cause.
func utf8Document(body []byte, contentType string) ([]byte, string) {
	if bytes.HasPrefix(body, bomUTF16LE) || bytes.HasPrefix(body, bomUTF16BE) {
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(body)
		if err != nil {
			return body, ""
		}
		return setUTF8(out), "UTF-16"
	}
	decl, _, _ := declaredEncoding(body)
	valid := utf8.Valid(body)
	from := ""
	switch kind := labelKind(decl); {
	case kind == otherLabel:
		from = decl
	case kind == latin1Label && !valid:
		from = decl
	case !valid:
		if cs := charset(contentType); labelKind(cs) != utf8Label && cs != "" {
			from = cs
		}
	}
	if from == "" {
		if decl == "" || decl == "utf-8" || decl == "utf8" || isASCII(body) {
			return body, ""
		}
		return setUTF8(body), decl
	}
	enc, err := htmlindex.Get(from)
	if err != nil {
		return body, ""
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil || !utf8.Valid(out) {
		return body, ""
	}
	return setUTF8(out), from
}

type labelClass uint8

const (
	noLabel labelClass = iota
	utf8Label
	latin1Label
	otherLabel
)

// labelKind sorts a lower-cased, trimmed encoding label.
func labelKind(l string) labelClass {
	switch {
	case l == "":
		return noLabel
	case slices.Contains(utf8Labels, l):
		return utf8Label
	case slices.Contains(latin1Labels, l):
		return latin1Label
	}
	return otherLabel
}

// charset returns the lower-cased charset parameter of a Content-Type, or
// "".
func charset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(params["charset"]))
}

// declaredEncoding finds the XML declaration at the start of doc (after a
// UTF-8 byte-order mark and white space) and returns its encoding label,
// lower-cased and trimmed, and the label's span in doc (start, end; both
// 0 when there is none).
func declaredEncoding(doc []byte) (label string, start, end int) {
	i := 0
	if bytes.HasPrefix(doc, bomUTF8) {
		i = len(bomUTF8)
	}
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\r' || doc[i] == '\n') {
		i++
	}
	const open = "<?xml"
	if !bytes.HasPrefix(doc[i:], []byte(open)) || len(doc) <= i+len(open) {
		return "", 0, 0
	}
	if c := doc[i+len(open)]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
		return "", 0, 0 // another processing instruction (<?xml-stylesheet …?>)
	}
	content := i + len(open)
	n := bytes.Index(doc[content:], []byte("?>"))
	if n < 0 {
		return "", 0, 0
	}
	m := encodingDecl.FindSubmatchIndex(doc[content : content+n])
	if m == nil {
		return "", 0, 0
	}
	g := 2 // the double-quoted label, else the single-quoted one
	if m[g] < 0 {
		g = 4
	}
	start, end = content+m[g], content+m[g+1]
	return strings.ToLower(strings.TrimSpace(string(doc[start:end]))), start, end
}

// setUTF8 makes doc's XML declaration, if it names an encoding, name
// UTF-8. doc is UTF-8 already (a UTF-8 byte-order mark, if any, is kept).
func setUTF8(doc []byte) []byte {
	_, start, end := declaredEncoding(doc)
	if end == 0 {
		return doc
	}
	out := make([]byte, 0, len(doc)-(end-start)+5)
	out = append(out, doc[:start]...)
	out = append(out, "UTF-8"...)
	return append(out, doc[end:]...)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
