package ncip

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DateStyle says how Marshal writes dates.
type DateStyle int

const (
	// DateStyleUTC writes "2026-11-05T14:00:00Z", as Implementation
	// Profile 1 requires. It is the zero value.
	DateStyleUTC DateStyle = iota
	// DateStyleOffset writes the time in EncodeOptions.Location with a
	// numeric offset, "2026-11-05T15:00:00+01:00".
	DateStyleOffset
	// DateStyleNoZone writes the wall time in EncodeOptions.Location with
	// no zone, "2026-11-05T15:00:00", for peers that read only that.
	DateStyleNoZone
)

// String returns the style's name as used in configuration ("utc",
// "offset", "nozone").
func (s DateStyle) String() string {
	switch s {
	case DateStyleUTC:
		return "utc"
	case DateStyleOffset:
		return "offset"
	case DateStyleNoZone:
		return "nozone"
	}
	return "DateStyle(" + strconv.Itoa(int(s)) + ")"
}

// EncodeOptions adjusts Marshal's output for a peer. The zero value writes
// canonical, schema-valid NCIP 2.02 on one line.
type EncodeOptions struct {
	// DateStyle selects the date format. All three are valid xs:dateTime.
	DateStyle DateStyle
	// Location is the time zone for DateStyleOffset and DateStyleNoZone.
	// If nil, UTC is used.
	Location *time.Location
	// Indent, if not empty, puts each element on its own line, indented
	// by Indent per level (for people; peers don't need it).
	Indent string
}

// Marshal encodes m as a complete NCIP document in canonical form (see
// EncodeOptions).
func Marshal(m *Message) ([]byte, error) { return (*EncodeOptions)(nil).Append(nil, m) }

// Marshal encodes m with the options o; a nil o means the zero options.
func (o *EncodeOptions) Marshal(m *Message) ([]byte, error) { return o.Append(nil, m) }

// Append appends the encoding of m to dst. It does not retain dst, so
// callers can reuse a pooled buffer.
func (o *EncodeOptions) Append(dst []byte, m *Message) ([]byte, error) {
	if m == nil {
		return dst, errors.New("ncip: Marshal of a nil Message")
	}
	e := encoder{buf: dst}
	if o != nil {
		e.opts = *o
	}
	if e.opts.Location == nil {
		e.opts.Location = time.UTC
	}
	v := m.Version
	if v == "" {
		v = Version202
	}
	e.buf = append(e.buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<NCIPMessage xmlns="`+Namespace+`" xmlns:ncip="`+Namespace+`" ncip:version="`...)
	e.buf = appendEscaped(e.buf, v, true)
	e.buf = append(e.buf, `">`...)
	e.encodeStruct(reflect.ValueOf(m).Elem(), planFor(messageType), 1)
	e.newline(0)
	e.buf = append(e.buf, "</NCIPMessage>\n"...)
	return e.buf, nil
}

var (
	messageType = reflect.TypeFor[Message]()
	svType      = reflect.TypeFor[SchemeValue]()
	timeType    = reflect.TypeFor[Time]()
	flagType    = reflect.TypeFor[Flag]()
)

type kind uint8

const (
	kString kind = iota
	kInt
	kFlag
	kSV
	kTime
	kStruct
	kPtr
	kSlice
)

// field is the precomputed encoding of one struct field; plans replace
// encoding/xml's per-call reflection over tags, which dominated the cost
// of writing a response.
type field struct {
	index       int
	open, close string // "<Name>", "</Name>"
	name        string
	omit        bool
	k, elemKind kind
	elemType    reflect.Type
}

type plan struct{ fields []field }

var plans sync.Map // reflect.Type → *plan

func kindOf(t reflect.Type) kind {
	switch {
	case t == svType:
		return kSV
	case t == timeType:
		return kTime
	case t == flagType:
		return kFlag
	}
	switch t.Kind() {
	case reflect.String:
		return kString
	case reflect.Int, reflect.Int64, reflect.Int32:
		return kInt
	case reflect.Struct:
		return kStruct
	case reflect.Pointer:
		return kPtr
	case reflect.Slice:
		return kSlice
	}
	panic("ncip: no encoding for " + t.String()) // a programming error in this package's types
}

func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := &plan{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("xml")
		if !sf.IsExported() || tag == "-" || strings.Contains(tag, ",attr") {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := field{index: i, name: name, open: "<" + name + ">", close: "</" + name + ">", omit: strings.Contains(opts, "omitempty"), k: kindOf(sf.Type)}
		switch f.k {
		case kPtr, kSlice:
			f.elemType = sf.Type.Elem()
			f.elemKind = kindOf(f.elemType)
		case kStruct:
			f.elemType = sf.Type
		}
		p.fields = append(p.fields, f)
	}
	plans.Store(t, p)
	return p
}

type encoder struct {
	buf  []byte
	opts EncodeOptions
}

func (e *encoder) newline(depth int) {
	if e.opts.Indent == "" {
		return
	}
	e.buf = append(e.buf, '\n')
	for range depth {
		e.buf = append(e.buf, e.opts.Indent...)
	}
}

func (e *encoder) encodeStruct(v reflect.Value, p *plan, depth int) {
	for i := range p.fields {
		f := &p.fields[i]
		e.encodeValue(v.Field(f.index), f, f.k, f.elemType, depth)
	}
}

func (e *encoder) encodeValue(fv reflect.Value, f *field, k kind, et reflect.Type, depth int) {
	switch k {
	case kString:
		s := fv.String()
		if s == "" && f.omit {
			return
		}
		e.newline(depth)
		e.buf = append(e.buf, f.open...)
		e.buf = appendEscaped(e.buf, s, false)
		e.buf = append(e.buf, f.close...)
	case kInt:
		n := fv.Int()
		if n == 0 && f.omit {
			return
		}
		e.newline(depth)
		e.buf = append(e.buf, f.open...)
		e.buf = strconv.AppendInt(e.buf, n, 10)
		e.buf = append(e.buf, f.close...)
	case kFlag:
		if fv.Bool() {
			e.newline(depth)
			e.buf = append(e.buf, '<')
			e.buf = append(e.buf, f.name...)
			e.buf = append(e.buf, "/>"...)
		}
	case kSV:
		sv := fv.Interface().(SchemeValue)
		if sv.IsZero() && f.omit {
			return
		}
		e.newline(depth)
		e.buf = append(e.buf, '<')
		e.buf = append(e.buf, f.name...)
		if sv.Scheme != "" {
			e.buf = append(e.buf, ` ncip:Scheme="`...)
			e.buf = appendEscaped(e.buf, sv.Scheme, true)
			e.buf = append(e.buf, '"')
		}
		e.buf = append(e.buf, '>')
		e.buf = appendEscaped(e.buf, sv.Value, false)
		e.buf = append(e.buf, f.close...)
	case kTime:
		t := fv.Interface().(Time)
		if t.IsZero() {
			return
		}
		e.newline(depth)
		e.buf = append(e.buf, f.open...)
		e.buf = e.appendTime(e.buf, t.Time)
		e.buf = append(e.buf, f.close...)
	case kStruct:
		e.newline(depth)
		e.buf = append(e.buf, f.open...)
		e.encodeStruct(fv, planFor(et), depth+1)
		e.newline(depth)
		e.buf = append(e.buf, f.close...)
	case kPtr:
		if fv.IsNil() {
			return
		}
		e.encodeValue(fv.Elem(), f, f.elemKind, et, depth)
	case kSlice:
		for j := 0; j < fv.Len(); j++ {
			e.encodeValue(fv.Index(j), &field{name: f.name, open: f.open, close: f.close}, f.elemKind, et, depth)
		}
	}
}

func (e *encoder) appendTime(b []byte, t time.Time) []byte {
	switch e.opts.DateStyle {
	case DateStyleOffset:
		return t.In(e.opts.Location).AppendFormat(b, "2006-01-02T15:04:05.999999999-07:00")
	case DateStyleNoZone:
		return t.In(e.opts.Location).AppendFormat(b, "2006-01-02T15:04:05.999999999")
	}
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.999999999Z")
}

// appendEscaped appends s as XML character data (or an attribute value).
// Characters XML 1.0 cannot carry (most controls, invalid UTF-8) become
// U+FFFD, so the output is always well-formed.
func appendEscaped(b []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '<' && c != '>' && c != '&' && c != '"' {
			i++
			continue
		}
		var repl string
		width := 1
		switch c {
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		case '&':
			repl = "&amp;"
		case '"':
			if !attr {
				i++
				continue
			}
			repl = "&quot;"
		case '\t', '\n', '\r':
			if !attr {
				i++
				continue
			}
			repl = "&#" + strconv.Itoa(int(c)) + ";"
		default:
			if c < 0x20 {
				repl = "\uFFFD"
				break
			}
			r, w := utf8.DecodeRuneInString(s[i:])
			width = w
			if (r == utf8.RuneError && w == 1) || r == 0xFFFE || r == 0xFFFF {
				repl = "\uFFFD"
			} else {
				i += w
				continue
			}
		}
		b = append(b, s[last:i]...)
		b = append(b, repl...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}
