package sip2

import (
	"time"
	"unicode/utf8"
)

// Terminator is the byte sequence written after each message.
type Terminator int

const (
	// TerminatorCR is a carriage return, as the specification requires.
	TerminatorCR Terminator = iota
	// TerminatorCRLF is CR LF, which Koha sends by default and some devices
	// (Cen-Tec, Alexandria) require.
	TerminatorCRLF
	// TerminatorLF is a bare line feed.
	TerminatorLF
)

// String returns "CR", "CRLF" or "LF".
func (t Terminator) String() string {
	switch t {
	case TerminatorCR:
		return "CR"
	case TerminatorCRLF:
		return "CRLF"
	case TerminatorLF:
		return "LF"
	}
	return "Terminator(?)"
}

func (t Terminator) append(dst []byte) []byte {
	switch t {
	case TerminatorCRLF:
		return append(dst, '\r', '\n')
	case TerminatorLF:
		return append(dst, '\n')
	}
	return append(dst, '\r')
}

// ValuePolicy says what the encoder does with a field value that cannot go
// on the wire as is.
type ValuePolicy int

const (
	// ValueError refuses to encode the message (ErrBadValue). Zero value.
	ValueError ValuePolicy = iota
	// ValueReplace replaces "|", CR, LF and NUL with a space, characters the
	// charset lacks with "?", and truncates values to 255 characters, as
	// FOLIO does.
	ValueReplace
)

// MaxValueLen is the longest variable field value SIP2 allows, in characters.
const MaxValueLen = 255

// DefaultMaxMessageSize is the Decoder's limit when Options.MaxMessageSize
// is zero. A Server has its own limit, Server.MaxMessageBytes.
const DefaultMaxMessageSize = 32 << 10

// Options configure the codec for one peer. The zero value (UTF-8, CR,
// no error detection, errors on bad values) is valid; a nil *Options means
// the zero value. A Client takes them in ClientOptions.Codec; a Server
// connection has ConnOptions instead.
type Options struct {
	// Charset of the peer. Zero is UTF-8.
	Charset Charset
	// Terminator written after each message. Zero is CR. The decoder
	// accepts CR, CRLF and LF whatever this says.
	Terminator Terminator
	// ErrorDetection makes the encoder append AY (when the frame has a
	// sequence number) and AZ. ParseFrame and Decoder.Decode read AY/AZ
	// whatever this says and report the verdict in Frame.Verdict; Unmarshal
	// and Decoder.DecodeMessage also return ErrNoChecksum for a message
	// without AZ when it is set.
	ErrorDetection bool
	// Values is the policy for field values that cannot be encoded.
	Values ValuePolicy
	// MaxMessageSize is the longest message the decoder accepts, in bytes
	// without the terminator. If zero, DefaultMaxMessageSize is used.
	MaxMessageSize int
	// Location is the time zone for SIP dates whose zone is blank (local
	// time). If nil, time.Local is used.
	Location *time.Location
	// PreserveChecksum makes the encoder re-emit the AZ value of a decoded,
	// unmodified message as received (even when wrong or lower-case), for
	// relaying and byte-exact round trips. Otherwise AZ is always recomputed.
	PreserveChecksum bool
}

func (o *Options) charset() Charset {
	if o == nil {
		return CharsetUTF8
	}
	return o.Charset
}

func (o *Options) location() *time.Location {
	if o == nil || o.Location == nil {
		return time.Local
	}
	return o.Location
}

func (o *Options) maxSize() int {
	if o == nil || o.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return o.MaxMessageSize
}

func (o *Options) ed() bool { return o != nil && o.ErrorDetection }

func (o *Options) terminator() Terminator {
	if o == nil {
		return TerminatorCR
	}
	return o.Terminator
}

func (o *Options) policy() ValuePolicy {
	if o == nil {
		return ValueError
	}
	return o.Values
}

// AppendFrame appends f, encoded for the peer described by opts, with
// AY/AZ if opts.ErrorDetection is set and the terminator, to dst.
//
// A decoded frame whose Command, Fixed, Fields and Seq still match its Raw
// text is re-emitted byte for byte (with a recomputed checksum unless
// opts.PreserveChecksum). Anything else is validated: the fixed part must
// have the command's length, field IDs two characters, and values must
// pass opts.Values; an invalid frame is never written.
func AppendFrame(dst []byte, f *Frame, opts *Options) ([]byte, error) {
	start := len(dst)
	if f.Raw != "" {
		if out, ok := opts.appendRaw(dst, f); ok {
			return out, nil
		}
	}
	dst = append(dst, f.Command...)
	if err := checkCommand(f.Command); err != nil {
		return dst[:start], err
	}
	var err error
	if dst, err = opts.appendFixedText(dst, f.Command, f.Fixed); err != nil {
		return dst[:start], err
	}
	w := fieldWriter{dst: dst, o: opts, cmd: f.Command}
	for _, fl := range f.Fields {
		w.add(fl.ID, fl.Value)
	}
	if w.err != nil {
		return dst[:start], w.err
	}
	return opts.appendTrailer(w.dst, start, f.Command, f.Seq)
}

func checkCommand(c Command) error {
	if len(c) != 2 || !printable(c[0]) || !printable(c[1]) {
		return &EncodeError{Command: c, Msg: "command must be 2 printable ASCII characters other than \"|\""}
	}
	return nil
}

func printable(c byte) bool { return c > 0x20 && c < 0x7f && c != '|' }

func (o *Options) appendFixedText(dst []byte, cmd Command, fixed string) ([]byte, error) {
	start := len(dst)
	for i := 0; i < len(fixed); i++ {
		if c := fixed[i]; c == '|' || c == '\r' || c == '\n' || c == 0 {
			return dst, &EncodeError{Command: cmd, Field: "fixed part", Msg: "contains \"|\", CR, LF or NUL", Err: ErrBadValue}
		}
	}
	dst, r, ok := o.charset().appendText(dst, fixed, false)
	if !ok {
		return dst, &EncodeError{Command: cmd, Field: "fixed part", Msg: "character " + runeName(r) + " not in charset " + o.charset().String(), Err: ErrBadValue}
	}
	if n, known := cmd.FixedLen(); known && len(dst)-start != n {
		return dst, &EncodeError{Command: cmd, Field: "fixed part", Msg: "fixed part is " + itoa(len(dst)-start) + " bytes, want " + itoa(n)}
	}
	return dst, nil
}

func runeName(r rune) string {
	const hex = "0123456789ABCDEF"
	b := []byte("U+")
	started := false
	for shift := 20; shift >= 0; shift -= 4 {
		d := (r >> uint(shift)) & 0xF
		if d != 0 || started || shift < 16 {
			b = append(b, hex[d])
			started = true
		}
	}
	return string(b)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// appendTrailer appends AY/AZ (with error detection) and the terminator to
// the message that starts at dst[start].
func (o *Options) appendTrailer(dst []byte, start int, cmd Command, seq int) ([]byte, error) {
	if o.ed() {
		if seq >= 0 {
			if seq > 9 {
				return dst[:start], &EncodeError{Command: cmd, Field: FieldSequenceNumber, Msg: "sequence number " + itoa(seq) + " is not a single digit", Err: ErrSequence}
			}
			dst = append(dst, 'A', 'Y', byte('0'+seq))
		}
		dst = append(dst, 'A', 'Z')
		dst = appendHex4(dst, checksum16(dst[start:]))
	} else if fl, known := cmd.FixedLen(); bareTrailer(dst[start:], 2+fl, known) >= 0 {
		// Only a message that ends in its fixed part can get here (fields
		// end in "|"); the decoder would read the end of it as AY/AZ.
		return dst[:start], &EncodeError{Command: cmd, Field: "fixed part", Msg: "ends in text that reads as an AY/AZ trailer", Err: ErrBadValue}
	}
	return o.terminator().append(dst), nil
}

// appendRaw re-emits f.Raw when f still matches it.
func (o *Options) appendRaw(dst []byte, f *Frame) ([]byte, bool) {
	var sc scan
	if sc.init(f.Raw) != nil || sc.cmd != f.Command || sc.seq != f.Seq || (sc.azAt >= 0) != o.ed() {
		return dst, false
	}
	cs := o.charset()
	if cs.decodeText(sc.fixed()) != f.Fixed {
		return dst, false
	}
	i := 0
	for {
		id, val, _, ok := sc.next()
		if !ok {
			break
		}
		if i >= len(f.Fields) || f.Fields[i].ID != id || f.Fields[i].Value != cs.decodeText(val) {
			return dst, false
		}
		i++
	}
	if i != len(f.Fields) {
		return dst, false
	}
	start := len(dst)
	if sc.azAt < 0 {
		dst = append(dst, f.Raw...)
	} else {
		dst = append(dst, f.Raw[:sc.azAt+2]...)
		if o.PreserveChecksum {
			dst = append(dst, f.Raw[sc.azAt+2:]...)
		} else {
			dst = appendHex4(dst, checksum16(dst[start:]))
		}
	}
	return o.terminator().append(dst), true
}

// fieldWriter appends variable fields, either to the wire (dst) or, when
// collect is set, to a Field slice. The first error sticks.
type fieldWriter struct {
	dst     []byte
	collect bool
	fields  []Field
	o       *Options
	cmd     Command
	err     error
}

// add writes a field unconditionally (required fields, or present ones).
func (w *fieldWriter) add(id, v string) {
	if w.err != nil {
		return
	}
	if w.collect {
		w.fields = append(w.fields, Field{id, v})
		return
	}
	if len(id) != 2 || !printable(id[0]) || !printable(id[1]) {
		w.err = &EncodeError{Command: w.cmd, Field: id, Msg: "field ID must be 2 printable ASCII characters other than \"|\""}
		return
	}
	if id == FieldSequenceNumber || id == FieldChecksum {
		w.err = &EncodeError{Command: w.cmd, Field: id, Msg: "AY and AZ are written by the encoder, not taken from Fields"}
		return
	}
	w.dst = append(w.dst, id...)
	v, msg := checkValue(v, w.o.policy())
	if msg != "" {
		w.err = &EncodeError{Command: w.cmd, Field: id, Msg: msg, Err: ErrBadValue}
		return
	}
	var r rune
	var ok bool
	w.dst, r, ok = w.o.charset().appendText(w.dst, v, w.o.policy() == ValueReplace)
	if !ok {
		w.err = &EncodeError{Command: w.cmd, Field: id, Msg: "character " + runeName(r) + " not in charset " + w.o.charset().String(), Err: ErrBadValue}
		return
	}
	w.dst = append(w.dst, '|')
}

// opt writes a field only when its value is not empty.
func (w *fieldWriter) opt(id, v string) {
	if v != "" {
		w.add(id, v)
	}
}

// list writes one field per value (repeatable fields).
func (w *fieldWriter) list(id string, vs []string) {
	for _, v := range vs {
		w.add(id, v)
	}
}

// checkValue applies the value policy. It returns the value to write, or a
// reason why it cannot be written.
func checkValue(v string, p ValuePolicy) (string, string) {
	bad := false
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '|' || c == '\r' || c == '\n' || c == 0 {
			bad = true
			break
		}
	}
	long := len(v) > MaxValueLen && utf8.RuneCountInString(v) > MaxValueLen
	if !bad && !long {
		return v, ""
	}
	if p != ValueReplace {
		if bad {
			return v, "value contains \"|\", CR, LF or NUL"
		}
		return v, "value longer than 255 characters"
	}
	b := make([]byte, 0, len(v))
	n := 0
	for _, r := range v {
		if n == MaxValueLen {
			break
		}
		switch r {
		case '|', '\r', '\n', 0:
			r = ' '
		}
		b = utf8.AppendRune(b, r)
		n++
	}
	return string(b), ""
}
