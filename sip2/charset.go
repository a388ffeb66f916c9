package sip2

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Charset is the character set agreed with a peer. SIP2 leaves it to
// "mutual agreement": 3M devices and FOLIO default to CP850, Koha and
// Evergreen accounts are often UTF-8 or ASCII. The AZ checksum is always
// computed over the encoded bytes.
type Charset int

const (
	// CharsetUTF8 sends and receives UTF-8. It is the zero value. Input that
	// is not valid UTF-8 is kept byte for byte.
	CharsetUTF8 Charset = iota
	// CharsetCP850 is IBM code page 850 (DOS Latin-1).
	CharsetCP850
	// CharsetISO88591 is ISO-8859-1 (Latin-1).
	CharsetISO88591
	// CharsetASCII sends 7-bit ASCII, folding accented letters to their base
	// letter ("é" → "e") and other characters to "?"; input is read as UTF-8.
	CharsetASCII
)

var charsetNames = []string{"utf-8", "cp850", "iso-8859-1", "ascii"}

// String returns the charset's name as ParseCharset accepts it.
func (c Charset) String() string {
	if c >= 0 && int(c) < len(charsetNames) {
		return charsetNames[c]
	}
	return fmt.Sprintf("Charset(%d)", int(c))
}

// ParseCharset returns the charset named name: "utf-8"/"utf8",
// "cp850"/"ibm850", "iso-8859-1"/"latin1", "ascii"/"us-ascii".
func ParseCharset(name string) (Charset, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "utf-8", "utf8":
		return CharsetUTF8, nil
	case "cp850", "ibm850", "ibm-850", "850":
		return CharsetCP850, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		return CharsetISO88591, nil
	case "ascii", "us-ascii":
		return CharsetASCII, nil
	}
	return 0, fmt.Errorf("sip2: unknown charset %q (want utf-8, cp850, iso-8859-1 or ascii)", name)
}

func (c Charset) charmap() *charmap.Charmap {
	switch c {
	case CharsetCP850:
		return charmap.CodePage850
	case CharsetISO88591:
		return charmap.ISO8859_1
	}
	return nil
}

// decodeText converts s, in the peer's charset, to UTF-8. ASCII-only text,
// the common case, is returned as is without allocating.
func (c Charset) decodeText(s string) string {
	cm := c.charmap()
	if cm == nil {
		return s
	}
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			b.WriteByte(s[i])
		} else {
			b.WriteRune(cm.DecodeByte(s[i]))
		}
	}
	return b.String()
}

// asciiFold holds letters that do not decompose into a base letter plus
// combining marks.
var asciiFold = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "AE", 'ø': "o", 'Ø': "O", 'œ': "oe", 'Œ': "OE",
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "Th",
	'ı': "i", '‘': "'", '’': "'", '“': "\"", '”': "\"", '–': "-", '—': "-", '€': "EUR",
	'\u00a0': " ",
}

// appendText appends s encoded in charset c. It reports the first rune the
// charset cannot represent; with replace set, such runes become "?" instead.
func (c Charset) appendText(dst []byte, s string, replace bool) ([]byte, rune, bool) {
	if c == CharsetUTF8 {
		return append(dst, s...), 0, true
	}
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	dst = append(dst, s[:i]...)
	if i == len(s) {
		return dst, 0, true
	}
	cm := c.charmap()
	for _, r := range s[i:] {
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
			continue
		}
		if cm != nil {
			if b, ok := cm.EncodeRune(r); ok {
				dst = append(dst, b)
				continue
			}
		} else if f, ok := foldRune(r); ok {
			dst = append(dst, f...)
			continue
		}
		if !replace {
			return dst, r, false
		}
		dst = append(dst, '?')
	}
	return dst, 0, true
}

func foldRune(r rune) (string, bool) {
	if f, ok := asciiFold[r]; ok {
		return f, true
	}
	var out []byte
	for _, d := range norm.NFD.String(string(r)) {
		if d < utf8.RuneSelf {
			out = append(out, byte(d))
		}
	}
	return string(out), len(out) > 0
}
