package ncip

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fast decoder reads the XML that NCIP peers actually send (elements,
// attributes, character data with the five predefined entities and
// numeric character references, comments, processing instructions, an
// XML declaration naming UTF-8 or a Latin-1 label on UTF-8 bytes, CDATA)
// straight into the message structs, driven by the same per-type field
// plans as the encoder. It is a pure optimisation of stdUnmarshal: it
// gives up (ok == false) on anything else — a DOCTYPE or any other
// directive, another encoding, NCIP 1 forms, a repeated non-list element,
// non-ASCII names, any syntax error or bad value — and Unmarshal then
// runs the encoding/xml path, so leniency, error messages and the refusal
// of entities are exactly those of stdUnmarshal. Whenever it returns a
// message, that message is deep-equal to the one stdUnmarshal returns for
// the same input (TestFastDecoderMatches, FuzzFastDecoder).
//
// It never expands anything but the predefined and numeric references,
// recurses only along the message types (whose depth is fixed) and skips
// unknown subtrees iteratively, so hostile input costs linear time and no
// more memory than the decoded strings.

// fastUnmarshal decodes data (already UTF-8, BOM removed) or reports that
// stdUnmarshal must.
func fastUnmarshal(data []byte) (*Message, bool) {
	d := fastDecoder{data: data, prolog: true}
	for {
		k := d.next()
		if k == tokStart {
			break
		}
		if k != tokText {
			return nil, false
		}
	}
	d.prolog = false
	if string(d.tag.local) != "NCIPMessage" {
		return nil, false
	}
	m := &Message{}
	if d.tag.version.set {
		m.Version = d.attrString(d.tag.version)
	}
	if IsV1(m.Version) {
		return nil, false
	}
	if d.tag.empty {
		return m, true
	}
	root := d.tag.name
	mv := reflect.ValueOf(m).Elem()
	mp := planFor(messageType)
	haveBody := false
	for {
		switch d.next() {
		case tokText:
		case tokEnd:
			return m, bytes.Equal(d.endName, root)
		case tokStart:
			if string(d.tag.local) == "Problem" {
				var p Problem
				if !d.decodeStruct(reflect.ValueOf(&p).Elem(), planFor(problemType), &d.tag) {
					return nil, false
				}
				m.Problems = append(m.Problems, p)
				haveBody = true
				continue
			}
			if haveBody {
				return nil, false // more than one service: stdUnmarshal explains
			}
			haveBody = true
			i := mp.lookup(d.tag.local)
			if i < 0 {
				m.Other = string(d.tag.local)
				if !d.skip(&d.tag) {
					return nil, false
				}
				continue
			}
			f := &mp.fields[i]
			if f.k != kPtr || f.elemKind != kStruct {
				return nil, false
			}
			pv := reflect.New(f.elemType)
			if !d.decodeStruct(pv.Elem(), planFor(f.elemType), &d.tag) {
				return nil, false
			}
			mv.Field(f.index).Set(pv)
		default:
			return nil, false
		}
	}
}

var problemType = reflect.TypeFor[Problem]()

// lookup returns the position in p.fields of the first field named name
// (encoding/xml's choice too), or -1.
func (p *plan) lookup(name []byte) int {
	for i := range p.fields {
		if p.fields[i].name == string(name) {
			return i
		}
	}
	return -1
}

type tokKind uint8

const (
	tokFail  tokKind = iota // anything fastDecoder does not handle, or an error
	tokText                 // character data or CDATA: segA, segB, segClean, segCDATA
	tokStart                // a start tag: tag
	tokEnd                  // an end tag: endName
)

// span is an attribute value in data; clean means it holds no entity
// reference and no carriage return, so the bytes are the value.
type span struct {
	a, b       int
	clean, set bool
}

type startTag struct {
	name, local []byte // name with its prefix, and without
	empty       bool   // <x/>
	// The attributes the messages read; any prefix is ignored, as
	// encoding/xml matches local names.
	scheme, version span
}

type fastDecoder struct {
	data    []byte
	pos     int
	prolog  bool // before the root element, where an XML declaration may appear
	utf8Set bool // utf8OK is known
	utf8OK  bool // the whole of data is valid UTF-8

	tag      startTag
	endName  []byte
	segA     int
	segB     int
	segClean bool
	segCDATA bool

	buf   []byte   // text that needs unescaping or joining
	stack [][]byte // element names open in skip
}

// next reads the next token, passing over comments and processing
// instructions.
func (d *fastDecoder) next() tokKind {
	data := d.data
	for {
		p := d.pos
		if p >= len(data) {
			return tokFail // EOF before the root ends
		}
		if data[p] != '<' {
			end, clean, ok := d.scanText(p, 0)
			if !ok {
				return tokFail
			}
			d.segA, d.segB, d.segClean, d.segCDATA = p, end, clean, false
			d.pos = end
			return tokText
		}
		if p+1 >= len(data) {
			return tokFail
		}
		switch data[p+1] {
		case '/':
			end, _, ok := scanName(data, p+2)
			if !ok {
				return tokFail
			}
			d.endName = data[p+2 : end]
			i := skipSpace(data, end)
			if i >= len(data) || data[i] != '>' {
				return tokFail
			}
			d.pos = i + 1
			return tokEnd
		case '!':
			rest := data[p+2:]
			switch {
			case bytes.HasPrefix(rest, []byte("--")):
				// The first "--" must close the comment.
				k := bytes.Index(rest[2:], []byte("--"))
				if k < 0 {
					return tokFail
				}
				k += p + 4
				if k+2 >= len(data) || data[k+2] != '>' {
					return tokFail
				}
				d.pos = k + 3
			case bytes.HasPrefix(rest, []byte("[CDATA[")):
				a := p + 9
				k := bytes.Index(data[a:], []byte("]]>"))
				if k < 0 {
					return tokFail
				}
				clean, ok := checkChars(data[a : a+k])
				if !ok {
					return tokFail
				}
				d.segA, d.segB, d.segClean, d.segCDATA = a, a+k, clean, true
				d.pos = a + k + 3
				return tokText
			default:
				return tokFail // DOCTYPE and every other directive
			}
		case '?':
			end, _, ok := scanName(data, p+2)
			if !ok {
				return tokFail
			}
			target := data[p+2 : end]
			i := skipSpace(data, end)
			k := bytes.Index(data[i:], []byte("?>"))
			if k < 0 {
				return tokFail
			}
			if string(target) == "xml" && (!d.prolog || !d.xmlDecl(data[i:i+k])) {
				return tokFail
			}
			d.pos = i + k + 2
		default:
			if !d.parseStart() {
				return tokFail
			}
			return tokStart
		}
	}
}

// parseStart reads the start tag at d.pos into d.tag.
func (d *fastDecoder) parseStart() bool {
	data := d.data
	t := &d.tag
	*t = startTag{}
	i := d.pos + 1
	end, colon, ok := scanName(data, i)
	if !ok {
		return false
	}
	t.name, t.local = data[i:end], data[i:end]
	if colon >= 0 {
		t.local = data[colon+1 : end]
	}
	i = end
	for {
		i = skipSpace(data, i)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case '/':
			if i+1 >= len(data) || data[i+1] != '>' {
				return false
			}
			t.empty = true
			d.pos = i + 2
			return true
		case '>':
			d.pos = i + 1
			return true
		}
		aEnd, aColon, ok := scanName(data, i)
		if !ok {
			return false
		}
		local := data[i:aEnd]
		if aColon >= 0 {
			local = data[aColon+1 : aEnd]
		}
		i = skipSpace(data, aEnd)
		if i >= len(data) || data[i] != '=' {
			return false
		}
		i = skipSpace(data, i+1)
		if i >= len(data) || (data[i] != '"' && data[i] != '\'') {
			return false
		}
		vEnd, clean, ok := d.scanText(i+1, data[i])
		if !ok {
			return false
		}
		v := span{a: i + 1, b: vEnd, clean: clean, set: true}
		switch string(local) {
		case "Scheme":
			t.scheme = v
		case "version":
			t.version = v
		}
		i = vEnd + 1
	}
}

// xmlDecl accepts the XML declaration's pseudo-attributes in the plain
// form (each at most once, values of name characters), version 1.0 and an
// encoding that stdUnmarshal reads as UTF-8 without conversion.
func (d *fastDecoder) xmlDecl(c []byte) bool {
	var seen [3]bool
	i := 0
	for i < len(c) {
		j := i
		for j < len(c) && 'a' <= c[j] && c[j] <= 'z' {
			j++
		}
		var which int
		switch string(c[i:j]) {
		case "version":
			which = 0
		case "encoding":
			which = 1
		case "standalone":
			which = 2
		default:
			return false
		}
		if seen[which] || j+1 >= len(c) || c[j] != '=' || (c[j+1] != '"' && c[j+1] != '\'') {
			return false
		}
		seen[which] = true
		q := c[j+1]
		k := j + 2
		for k < len(c) && (isAlnum(c[k]) || c[k] == '.' || c[k] == '_' || c[k] == '-') {
			k++
		}
		if k >= len(c) || c[k] != q {
			return false
		}
		val := c[j+2 : k]
		switch which {
		case 0:
			if string(val) != "1.0" {
				return false
			}
		case 1:
			if !d.passThrough(val) {
				return false
			}
		}
		i = k + 1
		if i < len(c) && !isSpace(c[i]) {
			return false
		}
		i = skipSpace(c, i)
	}
	return true
}

// passThrough reports whether charsetReader leaves a document declaring
// encoding label as it is.
func (d *fastDecoder) passThrough(label []byte) bool {
	if len(label) == 0 {
		return true
	}
	switch labelKind(strings.ToLower(string(label))) {
	case utf8Label:
		return true
	case latin1Label:
		if !d.utf8Set {
			d.utf8OK, d.utf8Set = utf8.Valid(d.data), true
		}
		return d.utf8OK
	}
	return false
}

// decodeStruct fills v, of plan p, from the content of the element whose
// start tag is t.
func (d *fastDecoder) decodeStruct(v reflect.Value, p *plan, t *startTag) bool {
	if t.empty {
		return true
	}
	name := t.name
	var seen uint64
	for {
		switch d.next() {
		case tokText:
		case tokEnd:
			return bytes.Equal(d.endName, name)
		case tokStart:
			i := p.lookup(d.tag.local)
			if i < 0 {
				if !d.skip(&d.tag) {
					return false
				}
				continue
			}
			f := &p.fields[i]
			if f.k != kSlice {
				// encoding/xml merges a repeated element into the
				// field; leave that rarity to it.
				if i >= 64 || seen&(1<<i) != 0 {
					return false
				}
				seen |= 1 << i
			}
			if !d.decodeValue(v.Field(f.index), f.k, f.elemKind, f.elemType) {
				return false
			}
		default:
			return false
		}
	}
}

// decodeValue fills fv, of kind k, from the element in d.tag.
func (d *fastDecoder) decodeValue(fv reflect.Value, k, ek kind, et reflect.Type) bool {
	t := &d.tag
	switch k {
	case kString:
		b, ok := d.collect(true)
		if !ok {
			return false
		}
		fv.SetString(string(b))
	case kInt:
		b, ok := d.collect(true)
		if !ok {
			return false
		}
		if len(b) == 0 {
			fv.SetInt(0)
			return true
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, fv.Type().Bits())
		if err != nil {
			return false
		}
		fv.SetInt(n)
	case kFlag:
		fv.SetBool(true)
		return d.skip(t)
	case kSV:
		sv := SchemeValue{}
		if t.scheme.set {
			sv.Scheme = d.attrString(t.scheme)
		}
		b, ok := d.collect(false) // NCIP 1 children: stdUnmarshal
		if !ok {
			return false
		}
		if b = bytes.TrimSpace(b); len(b) > 0 {
			sv.Value = string(b)
		}
		*fv.Addr().Interface().(*SchemeValue) = sv
	case kTime:
		b, ok := d.collect(false)
		if !ok {
			return false
		}
		tm, err := ParseTime(string(b))
		if err != nil {
			return false
		}
		*fv.Addr().Interface().(*Time) = tm
	case kStruct:
		return d.decodeStruct(fv, planFor(et), t)
	case kPtr, kSlice:
		if ek == kPtr || ek == kSlice {
			return false
		}
		if k == kPtr {
			if fv.IsNil() {
				fv.Set(reflect.New(et))
			}
			return d.decodeValue(fv.Elem(), ek, 0, et)
		}
		n := fv.Len()
		fv.Grow(1)
		fv.SetLen(n + 1)
		return d.decodeValue(fv.Index(n), ek, 0, et)
	default:
		return false
	}
	return true
}

// collect returns the character data directly inside the element in
// d.tag, as encoding/xml gathers it for a string; child elements are
// skipped if children is set and refused otherwise. The result may alias
// d.buf or d.data: convert it before the next call.
func (d *fastDecoder) collect(children bool) ([]byte, bool) {
	t := &d.tag
	if t.empty {
		return nil, true
	}
	name := t.name
	d.buf = d.buf[:0]
	var single []byte // the only clean segment so far
	inBuf := false
	for {
		switch d.next() {
		case tokText:
			seg := d.data[d.segA:d.segB]
			if len(seg) == 0 {
				continue
			}
			if !inBuf && single == nil && d.segClean {
				single = seg
				continue
			}
			if !inBuf {
				d.buf = append(d.buf, single...)
				inBuf = true
			}
			d.buf = appendText(d.buf, seg, d.segClean, d.segCDATA)
		case tokStart:
			if !children || !d.skip(&d.tag) {
				return nil, false
			}
		case tokEnd:
			if !bytes.Equal(d.endName, name) {
				return nil, false
			}
			if inBuf {
				return d.buf, true
			}
			return single, true
		default:
			return nil, false
		}
	}
}

// skip passes over the element whose start tag is t, checking it as
// encoding/xml would.
func (d *fastDecoder) skip(t *startTag) bool {
	if t.empty {
		return true
	}
	d.stack = append(d.stack[:0], t.name)
	for len(d.stack) > 0 {
		switch d.next() {
		case tokText:
		case tokStart:
			if !d.tag.empty {
				if len(d.stack) >= 10000 {
					return false
				}
				d.stack = append(d.stack, d.tag.name)
			}
		case tokEnd:
			if !bytes.Equal(d.stack[len(d.stack)-1], d.endName) {
				return false
			}
			d.stack = d.stack[:len(d.stack)-1]
		default:
			return false
		}
	}
	return true
}

func (d *fastDecoder) attrString(s span) string {
	if s.clean {
		return string(d.data[s.a:s.b])
	}
	return string(appendText(nil, d.data[s.a:s.b], false, false))
}

// appendText appends seg with entity references replaced and line ends
// normalised (CR LF and CR become LF), as encoding/xml does. seg has been
// checked by scanText or checkChars.
func appendText(dst, seg []byte, clean, cdata bool) []byte {
	if clean {
		return append(dst, seg...)
	}
	for i := 0; i < len(seg); {
		c := seg[i]
		switch {
		case c == '\r':
			dst = append(dst, '\n')
			i++
			if i < len(seg) && seg[i] == '\n' {
				i++
			}
		case c == '&' && !cdata:
			n, r, _ := entityAt(seg, i)
			dst = utf8.AppendRune(dst, r)
			i += n
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// textSpecial marks the bytes scanText must look at.
var textSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\t' && c != '\n'
	}
	for c := 0x80; c < 256; c++ {
		t[c] = true
	}
	for _, c := range []byte("<>&\"'") {
		t[c] = true
	}
	return
}()

// scanText checks character data from i up to '<' (quote == 0) or an
// attribute value up to the closing quote, returning where it ends and
// whether it is clean (no reference, no CR).
func (d *fastDecoder) scanText(i int, quote byte) (end int, clean, ok bool) {
	data := d.data
	start := i
	clean = true
	for i < len(data) {
		c := data[i]
		if !textSpecial[c] {
			i++
			continue
		}
		switch {
		case c == quote && quote != 0:
			return i, clean, true
		case c == '<':
			if quote != 0 {
				return 0, false, false
			}
			return i, clean, true
		case c == '"' || c == '\'':
			i++
		case c == '>':
			// "]]>" is an error in text, though not in quotes.
			if quote == 0 && i-start >= 2 && data[i-1] == ']' && data[i-2] == ']' {
				return 0, false, false
			}
			i++
		case c == '&':
			n, _, ok := entityAt(data, i)
			if !ok {
				return 0, false, false
			}
			i += n
			clean = false
		case c == '\r':
			clean = false
			i++
		case c < 0x20:
			return 0, false, false
		default:
			r, size := utf8.DecodeRune(data[i:])
			if (r == utf8.RuneError && size == 1) || !inCharRange(r) {
				return 0, false, false
			}
			i += size
		}
	}
	if quote != 0 {
		return 0, false, false
	}
	return i, clean, true
}

// checkChars checks CDATA content, reporting whether it holds no CR.
func checkChars(b []byte) (clean, ok bool) {
	clean = true
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c >= 0x20 && c < utf8.RuneSelf, c == '\t', c == '\n':
			i++
		case c == '\r':
			clean = false
			i++
		case c < 0x20:
			return false, false
		default:
			r, size := utf8.DecodeRune(b[i:])
			if (r == utf8.RuneError && size == 1) || !inCharRange(r) {
				return false, false
			}
			i += size
		}
	}
	return clean, true
}

// entityAt reads the reference starting with '&' at data[i]: one of the
// five predefined entities or a numeric character reference for a
// character XML allows. It returns the reference's length and character.
func entityAt(data []byte, i int) (n int, r rune, ok bool) {
	rest := data[i+1:]
	if len(rest) > 0 && rest[0] == '#' {
		j, base := 1, rune(10)
		if len(rest) > 1 && rest[1] == 'x' {
			j, base = 2, 16
		}
		digits := j
		for ; j < len(rest); j++ {
			c := rest[j]
			var v rune
			switch {
			case '0' <= c && c <= '9':
				v = rune(c - '0')
			case base == 16 && 'a' <= c && c <= 'f':
				v = rune(c-'a') + 10
			case base == 16 && 'A' <= c && c <= 'F':
				v = rune(c-'A') + 10
			default:
				v = -1
			}
			if v < 0 {
				break
			}
			r = r*base + v
			if r > utf8.MaxRune {
				return 0, 0, false
			}
		}
		if j == digits || j >= len(rest) || rest[j] != ';' {
			return 0, 0, false
		}
		if 0xD800 <= r && r <= 0xDFFF {
			r = utf8.RuneError // what string(rune(n)) gives encoding/xml
		}
		if !inCharRange(r) {
			return 0, 0, false
		}
		return j + 2, r, true
	}
	for _, e := range predefined {
		if bytes.HasPrefix(rest, []byte(e.name)) {
			return len(e.name) + 1, e.r, true
		}
	}
	return 0, 0, false
}

var predefined = [...]struct {
	name string
	r    rune
}{{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"apos;", '\''}, {"quot;", '"'}}

// inCharRange is XML 1.0's Char production.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

var nameStart, nameChar = func() (s, c [256]bool) {
	for b := 0; b < 256; b++ {
		l := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_' || b == ':'
		s[b] = l
		c[b] = l || '0' <= b && b <= '9' || b == '.' || b == '-'
	}
	return
}()

// scanName reads an ASCII XML name at data[i] with at most one colon, not
// at either end (encoding/xml splits such a name into prefix and local
// part). Anything else is left to encoding/xml.
func scanName(data []byte, i int) (end, colon int, ok bool) {
	if i >= len(data) || !nameStart[data[i]] {
		return 0, 0, false
	}
	colon = -1
	j := i
	for ; j < len(data) && nameChar[data[j]]; j++ {
		if data[j] == ':' {
			if colon >= 0 {
				return 0, 0, false
			}
			colon = j
		}
	}
	if j < len(data) && data[j] >= utf8.RuneSelf || colon == i || colon == j-1 {
		return 0, 0, false
	}
	return j, colon, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
