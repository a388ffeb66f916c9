package sip2

//go:generate go run ./internal/gen

import (
	"sync"
	"time"
)

// Message is a typed SIP2 message: one of the *XxxRequest / *XxxResponse
// types of this package (always a pointer). Frame.Message, Unmarshal and
// NewFrame convert between Message and Frame.
//
// Every message type keeps fields it does not interpret (vendor fields,
// extensions, unexpected repeats) in its Extra slice, in wire order, and
// re-encodes them. A decoded message re-encodes to the bytes it came from
// unless it was modified.
//
// The sip2 struct tags on the message types document each field's wire
// form; the methods are generated from them at build time (no reflection
// at run time). "fixed" fields make up the fixed part, in order:
// flag (Y/N), ok (1/0), ternary (Y/N/U), time (18 characters), count
// (len digits, blank read as -1), str (len characters) and flags (one Y/N
// per bit), each with the specification's name as it appears in errors
// and Frame.FixedFields. Other fields are variable fields by ID: "opt" is
// written only when set, "repeat" once per slice element.
type Message interface {
	// Command returns the message code.
	Command() Command

	decodeFixed(r *fixedReader)
	appendFixed(w *fixedWriter)
	// decodeField stores a field the message interprets; false sends it
	// to Extra.
	decodeField(r *fieldReader, id, v string) bool
	encodeFields(w *fieldWriter)
	extraFields() *[]Field
	wireInfo() *wire
}

// wire remembers the text a message was decoded from, so that encoding can
// restore field order, delimiter quirks and the exact text of values whose
// meaning did not change.
type wire struct {
	raw string
	cs  Charset
}

func (w *wire) wireInfo() *wire { return w }

// New returns an empty typed message for cmd, or nil for an unknown code.
func New(cmd Command) Message { return newMessage(cmd) }

// fieldReader carries decoding state through decodeField.
type fieldReader struct {
	cmd  Command
	loc  *time.Location
	off  int
	err  *DecodeError
	seen [16]string
	n    int
}

func (r *fieldReader) fail(id, msg string) {
	if r.err == nil {
		r.err = &DecodeError{Command: r.cmd, Field: id, Offset: r.off, Msg: msg}
	}
}

// firstTime reports whether id has not been seen before (repeatable
// fields always report true).
func (r *fieldReader) firstTime(id string) bool {
	if repeatable(id) {
		return true
	}
	for _, s := range r.seen[:r.n] {
		if s == id {
			return false
		}
	}
	if r.n < len(r.seen) {
		r.seen[r.n] = id
		r.n++
	}
	return true
}

func (r *fieldReader) time(id, v string) Time {
	t, err := ParseTime(v, r.loc)
	if err != nil {
		r.fail(id, err.(*timeError).msg)
	}
	return t
}

func (r *fieldReader) flag(id, v string) Flag {
	switch v {
	case "Y", "y":
		return FlagYes
	case "N", "n":
		return FlagNo
	}
	r.fail(id, "want Y or N")
	return FlagAbsent
}

// fixedReader walks the fixed part, field by field.
type fixedReader struct {
	trace *[]FixedField // when set, take records each field
	s     string
	pos   int
	base  int // offset of s within the message
	cmd   Command
	loc   *time.Location
	err   *DecodeError
}

func (r *fixedReader) fail(name string, off int, msg string, sentinel error) {
	if r.err == nil {
		r.err = &DecodeError{Command: r.cmd, Field: name, Offset: r.base + off, Msg: msg, Err: sentinel}
	}
}

// take returns the next n characters. A field cut short by the end of the
// fixed part is returned short (the caller decides if that is usable); a
// field that is missing entirely is an error.
func (r *fixedReader) take(name string, n int) string {
	start := r.pos
	if start >= len(r.s) {
		r.fail(name, start, "missing: fixed part is "+itoa(len(r.s))+" characters, want "+itoa(r.wantLen()), ErrShortFixed)
		return ""
	}
	end := start + n
	if end > len(r.s) {
		end = len(r.s)
		r.fail(name, start, "cut short: fixed part is "+itoa(len(r.s))+" characters, want "+itoa(r.wantLen()), ErrShortFixed)
	}
	r.pos = end
	if r.trace != nil {
		*r.trace = append(*r.trace, FixedField{Name: name, Offset: r.base + start, Value: r.s[start:end]})
	}
	return r.s[start:end]
}

// FixedField is one named field of a fixed part, for display.
type FixedField struct {
	Name   string // as in the specification: "transaction date"
	Offset int    // byte offset in the message (the code is at 0)
	Value  string // text as received
}

// FixedFields splits f's fixed part into its named fields, following the
// layout of f.Command; nil for unknown commands. A part cut short yields
// fewer or shorter fields.
func (f *Frame) FixedFields() []FixedField {
	m := New(f.Command)
	if m == nil {
		return nil
	}
	var out []FixedField
	r := fixedReader{trace: &out, s: f.Fixed, base: 2, cmd: f.Command, loc: time.UTC}
	m.decodeFixed(&r)
	return out
}

func (r *fixedReader) wantLen() int { n, _ := r.cmd.FixedLen(); return n }

// flag reads a one-character Y/N (or 1/0) flag.
func (r *fixedReader) flag(name string) bool {
	off := r.pos
	switch r.take(name, 1) {
	case "Y", "y", "1":
		return true
	case "N", "n", "0", " ", "":
		return false
	}
	r.fail(name, off, "want Y or N", nil)
	return false
}

func (r *fixedReader) ternary(name string) Ternary {
	off := r.pos
	switch r.take(name, 1) {
	case "Y", "y", "1":
		return TernaryYes
	case "N", "n", "0":
		return TernaryNo
	case "U", "u", " ", "":
		return TernaryUnknown
	}
	r.fail(name, off, "want Y, N or U", nil)
	return TernaryUnknown
}

func (r *fixedReader) time(name string) Time {
	off := r.pos
	s := r.take(name, TimeLen)
	if s == "" {
		return Time{}
	}
	t, err := ParseTime(s, r.loc)
	if err != nil && len(s) == TimeLen {
		r.fail(name, off, err.(*timeError).msg, nil)
	}
	return t
}

func (r *fixedReader) str(name string, n int) string { return r.take(name, n) }

// count reads an n-digit number; blanks mean unknown (-1).
func (r *fixedReader) count(name string, n int) int {
	off := r.pos
	s := r.take(name, n)
	blank := true
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
		case c >= '0' && c <= '9':
			blank = false
			v = v*10 + int(c-'0')
		default:
			r.fail(name, off+i, "want "+itoa(n)+" digits", nil)
			return 0
		}
	}
	if blank {
		return -1
	}
	return v
}

// flags reads n Y/space flags into a bit set (bit i = position i).
func (r *fixedReader) flags(name string, n int) uint32 {
	return parseFlags(r.take(name, n))
}

func parseFlags(s string) uint32 {
	var v uint32
	for i := 0; i < len(s) && i < 32; i++ {
		if s[i] == 'Y' || s[i] == 'y' {
			v |= 1 << i
		}
	}
	return v
}

func appendFlags(dst []byte, v uint32, n int, no byte) []byte {
	for i := 0; i < n; i++ {
		if v&(1<<i) != 0 {
			dst = append(dst, 'Y')
		} else {
			dst = append(dst, no)
		}
	}
	return dst
}

// fixedWriter appends the fixed part.
type fixedWriter struct {
	dst []byte
	cmd Command
	err error
}

func (w *fixedWriter) flag(v bool) {
	if v {
		w.dst = append(w.dst, 'Y')
	} else {
		w.dst = append(w.dst, 'N')
	}
}

func (w *fixedWriter) ok(v bool) {
	if v {
		w.dst = append(w.dst, '1')
	} else {
		w.dst = append(w.dst, '0')
	}
}

func (w *fixedWriter) ternary(v Ternary) { w.dst = append(w.dst, v.byte()) }

// time writes t. Only the text of a parsed Time needs checking: one made
// by NewTime is formatted here.
func (w *fixedWriter) time(name string, t Time) {
	if t.text != "" {
		w.check(name, t.text)
	}
	w.dst = t.appendTo(w.dst)
}

// check refuses a fixed value with a byte that is not printable ASCII or
// is the delimiter. Fixed fields are codes, digits, flags and dates: a
// "|", CR or NUL there would corrupt the frame and there is no sensible
// replacement, so this is an error whatever the value policy.
func (w *fixedWriter) check(name, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c-0x20 >= 0x5f || c == '|' { // not printable ASCII, or "|"
			if w.err == nil {
				w.err = &EncodeError{Command: w.cmd, Field: name, Msg: "contains \"|\", a control character or non-ASCII text", Err: ErrBadValue}
			}
			return
		}
	}
}

// str writes s, which must be n characters; "" writes def.
func (w *fixedWriter) str(name, s string, n int, def string) {
	if s == "" {
		s = def
	}
	w.check(name, s)
	if len(s) != n && w.err == nil {
		w.err = &EncodeError{Command: w.cmd, Field: name, Msg: "must be " + itoa(n) + " characters, is " + itoa(len(s)), Err: ErrBadValue}
	}
	w.dst = append(w.dst, s...)
}

// count writes v with n digits, or n spaces for a negative v (unknown).
func (w *fixedWriter) count(name string, v, n int) {
	if v < 0 {
		for i := 0; i < n; i++ {
			w.dst = append(w.dst, ' ')
		}
		return
	}
	var b [10]byte
	for i := n - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if v != 0 && w.err == nil {
		w.err = &EncodeError{Command: w.cmd, Field: name, Msg: "does not fit in " + itoa(n) + " digits", Err: ErrBadValue}
	}
	w.dst = append(w.dst, b[:n]...)
}

func (w *fixedWriter) flags(v uint32, n int) { w.dst = appendFlags(w.dst, v, n, ' ') }

// Flag is an optional Y/N variable field (BL valid patron, CQ valid patron
// password, BO fee acknowledged, BI cancel, CI security inhibit). Absent
// and No differ: some ACSs omit CQ when they did not check the password.
type Flag int8

const (
	FlagAbsent Flag = iota // field not sent
	FlagYes                // "Y"
	FlagNo                 // "N"
)

// FlagOf returns FlagYes or FlagNo.
func FlagOf(b bool) Flag {
	if b {
		return FlagYes
	}
	return FlagNo
}

// True reports whether f is FlagYes.
func (f Flag) True() bool { return f == FlagYes }

// String returns the wire text: "Y", "N", or "" for an absent flag.
func (f Flag) String() string {
	switch f {
	case FlagYes:
		return "Y"
	case FlagNo:
		return "N"
	}
	return ""
}

// Ternary is a Y/N/U fixed field (magnetic media, desensitize).
type Ternary int8

const (
	TernaryUnknown Ternary = iota // "U"
	TernaryYes                    // "Y"
	TernaryNo                     // "N"
)

func (t Ternary) byte() byte {
	switch t {
	case TernaryYes:
		return 'Y'
	case TernaryNo:
		return 'N'
	}
	return 'U'
}

// String returns the wire text: "Y", "N" or "U".
func (t Ternary) String() string { return string(t.byte()) }

type decodeState struct {
	fr fixedReader
	r  fieldReader
}

var decodePool = sync.Pool{New: func() any { return new(decodeState) }}

type encodeState struct {
	fw fixedWriter
	w  fieldWriter
}

var encodePool = sync.Pool{New: func() any { return new(encodeState) }}

// Unmarshal decodes one message (a trailing terminator is ignored) into
// its typed form. If the message has an AZ field that does not match, or
// has none although opts.ErrorDetection is set, it returns the decoded
// message together with an error wrapping ErrChecksum or ErrNoChecksum.
// A value it cannot interpret (a bad date, a flag that is not Y/N, a fixed
// part cut short) is reported as a *DecodeError, also with the message,
// which then holds a lenient value (the text is kept for re-encoding).
// Unknown commands return (nil, error wrapping ErrUnknownCommand).
func Unmarshal(msg []byte, opts *Options) (Message, error) {
	msg = trimTerminator(msg)
	s := string(msg)
	var sc scan
	if err := sc.init(s); err != nil {
		return nil, err
	}
	if !sc.known {
		return nil, &DecodeError{Command: sc.cmd, Offset: 0, Msg: "unknown command " + quoteCode(sc.cmd), Err: ErrUnknownCommand}
	}
	m := New(sc.cmd)
	err := opts.decodeScan(m, &sc)
	switch {
	case err != nil:
		return m, err
	case sc.verdict == ChecksumInvalid:
		f := Frame{Command: sc.cmd, Raw: s, Checksum: s[sc.azAt+2:], Verdict: ChecksumInvalid}
		return m, f.VerifyChecksum()
	case sc.verdict == ChecksumAbsent && opts.ed():
		return m, ErrNoChecksum
	}
	return m, nil
}

// decodeScan fills m from a scanned message.
func (o *Options) decodeScan(m Message, sc *scan) error {
	cs := o.charset()
	loc := o.location()
	// The readers escape through the interface calls; pooling them keeps
	// decoding at two allocations (the text and the message).
	st := decodePool.Get().(*decodeState)
	defer decodePool.Put(st)
	st.fr = fixedReader{s: cs.decodeText(sc.fixed()), base: 2, cmd: sc.cmd, loc: loc}
	st.r = fieldReader{cmd: sc.cmd, loc: loc}
	fr, r := &st.fr, &st.r
	m.decodeFixed(fr)
	if fr.err == nil && sc.fixedEnd < sc.wantFixed && fr.pos >= len(fr.s) {
		fr.fail("fixed part", len(fr.s), "cut short by \"|\" or end of message", ErrShortFixed)
	}
	extra := m.extraFields()
	for {
		id, v, off, ok := sc.next()
		if !ok {
			break
		}
		r.off = off
		v = cs.decodeText(v)
		if !r.firstTime(id) || !m.decodeField(r, id, v) {
			*extra = append(*extra, Field{id, v})
		}
	}
	w := m.wireInfo()
	w.raw = sc.s
	w.cs = cs
	if fr.err != nil {
		return fr.err
	}
	if r.err != nil {
		return r.err
	}
	return nil
}

// Message converts f into its typed message. For an unknown command it
// returns (nil, error wrapping ErrUnknownCommand). Values it cannot
// interpret are reported as in Unmarshal, together with the message.
// opts supplies the time zone for local dates and may be nil.
func (f *Frame) Message(opts *Options) (Message, error) {
	m := New(f.Command)
	if m == nil {
		return nil, &DecodeError{Command: f.Command, Offset: -1, Msg: "unknown command " + quoteCode(f.Command), Err: ErrUnknownCommand}
	}
	return m, fillFromFrame(m, f, opts)
}

func fillFromFrame(m Message, f *Frame, opts *Options) error {
	loc := opts.location()
	fr := fixedReader{s: f.Fixed, base: 2, cmd: f.Command, loc: loc}
	m.decodeFixed(&fr)
	r := fieldReader{cmd: f.Command, loc: loc, off: -1}
	extra := m.extraFields()
	for _, fl := range f.Fields {
		if !r.firstTime(fl.ID) || !m.decodeField(&r, fl.ID, fl.Value) {
			*extra = append(*extra, fl)
		}
	}
	if f.Raw != "" {
		w := m.wireInfo()
		w.raw = f.Raw
		w.cs = opts.charset()
	}
	if fr.err != nil {
		return fr.err
	}
	if r.err != nil {
		return r.err
	}
	return nil
}

// NewFrame converts m into a Frame: the fixed part formatted, the fields
// in the specification's order followed by Extra, Seq -1. For a message
// that was decoded, the frame follows the original instead: its field
// order, its Seq, and the original text of every value whose meaning did
// not change, so that encoding the frame reproduces the original bytes.
func NewFrame(m Message) *Frame {
	f := canonicalFrame(m)
	w := m.wireInfo()
	if w.raw == "" {
		return f
	}
	o := &Options{Charset: w.cs}
	orig := new(Frame)
	if o.parseFrameString(orig, w.raw) != nil || orig.Command != f.Command {
		return f
	}
	om := New(orig.Command)
	_ = fillFromFrame(om, orig, o) // errors leave lenient values, which is all c0 needs
	c0 := canonicalFrame(om)
	f.Raw = w.raw
	f.Seq = orig.Seq
	f.Checksum = orig.Checksum
	f.Verdict = orig.Verdict
	if f.Fixed == c0.Fixed {
		f.Fixed = orig.Fixed
	}
	used := make([]bool, len(f.Fields))
	out := make([]Field, 0, len(f.Fields)+2)
	for i, of := range orig.Fields {
		k := occurrence(orig.Fields[:i], of.ID)
		j := nth(f.Fields, of.ID, k)
		c0v, inC0 := nthValue(c0.Fields, of.ID, k)
		switch {
		case j >= 0:
			used[j] = true
			if inC0 && f.Fields[j].Value == c0v {
				out = append(out, of)
			} else {
				out = append(out, f.Fields[j])
			}
		case !inC0:
			// An empty optional field the typed form does not write.
			out = append(out, of)
		}
	}
	for j, fl := range f.Fields {
		if used[j] {
			continue
		}
		// A required field the original lacked, still at its canonical
		// default, stays out.
		k := occurrence(f.Fields[:j], fl.ID)
		if v, ok := nthValue(c0.Fields, fl.ID, k); ok && v == fl.Value {
			continue
		}
		out = append(out, fl)
	}
	f.Fields = out
	return f
}

func occurrence(fs []Field, id string) int {
	n := 0
	for _, f := range fs {
		if f.ID == id {
			n++
		}
	}
	return n
}

func nth(fs []Field, id string, k int) int {
	for i, f := range fs {
		if f.ID == id {
			if k == 0 {
				return i
			}
			k--
		}
	}
	return -1
}

func nthValue(fs []Field, id string, k int) (string, bool) {
	if i := nth(fs, id, k); i >= 0 {
		return fs[i].Value, true
	}
	return "", false
}

func canonicalFrame(m Message) *Frame {
	f, _ := canonicalFrameErr(m)
	return f
}

// canonicalFrameErr is canonicalFrame reporting the fixed fields that do
// not fit (a count with too many digits is otherwise cut to its width).
func canonicalFrameErr(m Message) (*Frame, error) {
	fw := fixedWriter{cmd: m.Command()}
	m.appendFixed(&fw)
	w := fieldWriter{collect: true, cmd: m.Command()}
	m.encodeFields(&w)
	w.fields = append(w.fields, *m.extraFields()...)
	return &Frame{Command: m.Command(), Fixed: string(fw.dst), Fields: w.fields, Seq: -1}, fw.err
}

// requestFrame is NewFrame for a request the client is about to send: a
// message built in code must have fixed fields that fit.
func requestFrame(m Message) (*Frame, error) {
	if m.wireInfo().raw != "" {
		return NewFrame(m), nil
	}
	return canonicalFrameErr(m)
}

// AppendMessage appends m, encoded as AppendFrame does, to dst. seq is the
// AY sequence number (-1 for none), written with opts.ErrorDetection.
func AppendMessage(dst []byte, m Message, seq int, opts *Options) ([]byte, error) {
	if m.wireInfo().raw != "" {
		f := NewFrame(m)
		f.Seq = seq
		return AppendFrame(dst, f, opts)
	}
	start := len(dst)
	cmd := m.Command()
	dst = append(dst, cmd...)
	st := encodePool.Get().(*encodeState)
	defer func() { *st = encodeState{}; encodePool.Put(st) }()
	st.fw = fixedWriter{dst: dst, cmd: cmd}
	fw := &st.fw
	m.appendFixed(fw)
	if fw.err != nil {
		return dst[:start], fw.err
	}
	if n, _ := cmd.FixedLen(); len(fw.dst)-start-2 != n {
		return dst[:start], &EncodeError{Command: cmd, Field: "fixed part", Msg: "fixed part is " + itoa(len(fw.dst)-start-2) + " bytes, want " + itoa(n)}
	}
	st.w = fieldWriter{dst: fw.dst, o: opts, cmd: cmd}
	w := &st.w
	m.encodeFields(w)
	for _, fl := range *m.extraFields() {
		w.add(fl.ID, fl.Value)
	}
	if w.err != nil {
		return dst[:start], w.err
	}
	return opts.appendTrailer(w.dst, start, cmd, seq)
}
