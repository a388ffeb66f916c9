package sip2

import (
	"strings"
)

// ChecksumVerdict says what the decoder found in a message's AZ field.
type ChecksumVerdict int

const (
	// ChecksumAbsent means the message has no AZ field (error detection off).
	ChecksumAbsent ChecksumVerdict = iota
	// ChecksumValid means AZ matches the message bytes.
	ChecksumValid
	// ChecksumInvalid means AZ does not match; the peer expects a resend
	// request (96 or 97).
	ChecksumInvalid
)

// String returns "absent", "valid" or "invalid".
func (v ChecksumVerdict) String() string {
	switch v {
	case ChecksumAbsent:
		return "absent"
	case ChecksumValid:
		return "valid"
	case ChecksumInvalid:
		return "invalid"
	}
	return "ChecksumVerdict(?)"
}

// Frame is a SIP2 message as it appears on the wire, before interpretation:
// the lower of the two decoding layers. Frame.Message converts it into a
// typed message; NewFrame converts back.
type Frame struct {
	Command Command
	// Fixed is the fixed-length part after the 2-character code. It is
	// empty for unknown commands, whose bytes after the code are all read
	// as fields.
	Fixed string
	// Fields are the variable fields in wire order, with repeats, unknown
	// and vendor fields kept. AY and AZ are not included.
	Fields []Field
	// Seq is the AY sequence number, or -1 when the message has none.
	Seq int
	// Checksum is the AZ value as received ("" when absent), and Verdict
	// whether it matched.
	Checksum string
	Verdict  ChecksumVerdict
	// Raw is the message as received, without its terminator and in the
	// peer's charset; "" for frames built in code. While Command, Fixed,
	// Fields and Seq still match it, encoding reproduces Raw byte for byte
	// (stray or missing delimiters included). Raw holds secrets: show it
	// only through Mask.
	Raw string
}

// ExpectedChecksum returns the AZ value that matches the received bytes, or
// "" if the frame has no checksum or was not decoded.
func (f *Frame) ExpectedChecksum() string {
	if f.Raw == "" || f.Checksum == "" {
		return ""
	}
	i := len(f.Raw) - len(f.Checksum)
	return Checksum([]byte(f.Raw[:i]))
}

// VerifyChecksum returns nil if the checksum is valid, ErrNoChecksum if it
// is absent, and an error wrapping ErrChecksum if it does not match.
func (f *Frame) VerifyChecksum() error {
	switch f.Verdict {
	case ChecksumValid:
		return nil
	case ChecksumAbsent:
		return ErrNoChecksum
	}
	return &DecodeError{Command: f.Command, Field: FieldChecksum, Offset: len(f.Raw) - len(f.Checksum),
		Msg: "checksum " + f.Checksum + " does not match, want " + f.ExpectedChecksum(), Err: ErrChecksum}
}

// scan is the result of splitting one message into its parts. It holds
// offsets into the message text, so scanning allocates nothing.
type scan struct {
	s         string
	cmd       Command
	known     bool
	fixedEnd  int // end of the fixed part
	wantFixed int // index where the fixed part should end
	bodyEnd   int // start of the AY/AZ trailer, or len(s)
	seq       int
	azAt      int // index of "AZ", -1 if absent
	verdict   ChecksumVerdict
	pos       int // iterator: start of the next segment
}

// init splits s. Errors are structural: too short, NUL bytes, CR/LF
// inside the message.
func (sc *scan) init(s string) *DecodeError {
	*sc = scan{s: s, seq: -1, azAt: -1}
	if len(s) < 2 {
		return &DecodeError{Offset: 0, Msg: "message shorter than its 2-character code"}
	}
	sc.cmd = Command(s[:2])
	if i := strings.IndexAny(s, "\x00\r\n"); i >= 0 {
		what := "NUL byte"
		if s[i] != 0 {
			what = "line break"
		}
		return &DecodeError{Command: sc.cmd, Offset: i, Msg: what + " inside message"}
	}
	fl, known := sc.cmd.FixedLen()
	sc.known = known
	sc.wantFixed = 2 + fl
	// Trailer: [AY<digits>]AZ<1-4 hex> at the end, starting at a field
	// boundary (after "|" or where the fixed part ends).
	sc.bodyEnd = len(s)
	if i := strings.LastIndex(s, "AZ"); i >= 2 {
		if v, ok := parseHex(s[i+2:]); ok {
			start := i
			k := i
			for k > 2 && s[k-1] >= '0' && s[k-1] <= '9' {
				k--
			}
			seq := -1
			if k < i && k >= 4 && s[k-2:k] == "AY" && i-k <= 3 {
				seq = atoiDigits(s[k:i])
				start = k - 2
			}
			if start == sc.wantFixed || s[start-1] == '|' {
				sc.setTrailer(start, seq, i, v)
			}
		}
	}
	if sc.azAt < 0 {
		if start := bareTrailer(s, sc.wantFixed, known); start >= 0 {
			v, _ := parseHex(s[start+5:])
			sc.setTrailer(start, int(s[start+2]-'0'), start+3, v)
		}
	}
	sc.fixedEnd = sc.wantFixed
	if sc.fixedEnd > sc.bodyEnd {
		sc.fixedEnd = sc.bodyEnd
	}
	if i := strings.IndexByte(s[2:sc.fixedEnd], '|'); i >= 0 {
		sc.fixedEnd = 2 + i
	}
	sc.pos = sc.fixedEnd
	return nil
}

func (sc *scan) setTrailer(start, seq, azAt int, sum uint16) {
	sc.bodyEnd = start
	sc.seq = seq
	sc.azAt = azAt
	if checksum16(sc.s[:azAt+2]) == sum {
		sc.verdict = ChecksumValid
	} else {
		sc.verdict = ChecksumInvalid
	}
}

// bareTrailer finds a trailer written straight after the last field with
// no "|" before it ("...|AOinstAY2AZ1B3C"), as some SC clients send. Read
// plainly, those bytes are the end of the last field's value and the
// message has no checksum. It returns the index of "AY", or -1, and takes
// the trailer only in its complete form (AY with one digit, AZ with four
// hex digits of either case, ending the message) and only when
//   - the checksum over the bytes up to and including "AZ" matches, which
//     a value that merely ends in such text almost never does, or
//   - no other reading exists: the trailer starts where the fixed part
//     should still be (no "|" before it), so the plain reading would put
//     "AY" and "AZ" inside the fixed fields.
//
// A trailer at a field boundary is found by scan.init before this is
// asked. The server's splitErrorDetection uses the same rule, on bytes.
func bareTrailer[T string | []byte](s T, wantFixed int, known bool) int {
	n := len(s)
	start := n - 9
	if start < 2 || start == wantFixed || s[start-1] == '|' ||
		s[start] != 'A' || s[start+1] != 'Y' || s[start+2] < '0' || s[start+2] > '9' ||
		s[start+3] != 'A' || s[start+4] != 'Z' {
		return -1
	}
	want, ok := hexDigitsValue(s[n-4:])
	if !ok {
		return -1
	}
	if checksum16(s[:n-4]) == want {
		return start
	}
	if known && start < wantFixed {
		for i := 2; i < start; i++ {
			if s[i] == '|' {
				return -1
			}
		}
		return start
	}
	return -1
}

func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// fixed returns the fixed part.
func (sc *scan) fixed() string { return sc.s[2:sc.fixedEnd] }

// next returns the next field. Empty segments (a stray "|") are skipped.
func (sc *scan) next() (id, val string, off int, ok bool) {
	for sc.pos < sc.bodyEnd {
		start := sc.pos
		end := strings.IndexByte(sc.s[start:sc.bodyEnd], '|')
		if end < 0 {
			end = sc.bodyEnd
			sc.pos = end
		} else {
			end += start
			sc.pos = end + 1
		}
		if end == start {
			continue
		}
		if end-start < 2 {
			return sc.s[start:end], "", start, true
		}
		return sc.s[start : start+2], sc.s[start+2 : end], start, true
	}
	return "", "", 0, false
}

// countFields returns the number of fields, for sizing Frame.Fields.
func (sc *scan) countFields() int {
	n := strings.Count(sc.s[sc.fixedEnd:sc.bodyEnd], "|") + 1
	return n
}

// ParseFrame decodes one message. A single trailing terminator (CR, CRLF
// or LF) is ignored. For an unknown command it returns a generic frame
// together with an error wrapping ErrUnknownCommand. A fixed part cut short
// by the end of the message or by a "|" is kept short; Frame.Message
// reports it. opts may be nil.
func ParseFrame(msg []byte, opts *Options) (*Frame, error) {
	msg = trimTerminator(msg)
	f := new(Frame)
	if err := opts.parseFrameString(f, string(msg)); err != nil {
		if err.Err == ErrUnknownCommand {
			return f, err
		}
		return nil, err
	}
	return f, nil
}

func trimTerminator(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// parseFrameString fills f from s, reusing f.Fields' storage.
func (o *Options) parseFrameString(f *Frame, s string) *DecodeError {
	var sc scan
	if err := sc.init(s); err != nil {
		return err
	}
	cs := o.charset()
	fields := f.Fields[:0]
	if cap(fields) == 0 {
		fields = make([]Field, 0, sc.countFields())
	}
	for {
		id, val, _, ok := sc.next()
		if !ok {
			break
		}
		fields = append(fields, Field{ID: id, Value: cs.decodeText(val)})
	}
	*f = Frame{
		Command: sc.cmd,
		Fixed:   cs.decodeText(sc.fixed()),
		Fields:  fields,
		Seq:     sc.seq,
		Verdict: sc.verdict,
		Raw:     s,
	}
	if sc.azAt >= 0 {
		f.Checksum = s[sc.azAt+2:]
	}
	if !sc.known {
		return &DecodeError{Command: sc.cmd, Offset: 0, Msg: "unknown command " + quoteCode(sc.cmd) + "; kept as a generic frame", Err: ErrUnknownCommand}
	}
	return nil
}

// quoteCode quotes a command code for an error message. The code is at
// most two bytes from the message start, never a field value.
func quoteCode(c Command) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if ch >= 0x20 && ch < 0x7f && ch != '"' {
			b.WriteByte(ch)
		} else {
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&0xF])
		}
	}
	b.WriteByte('"')
	return b.String()
}
