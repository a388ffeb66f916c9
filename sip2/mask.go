package sip2

import "strings"

// MaskedValue replaces secret values in Mask's output.
const MaskedValue = "****"

// Mask returns a raw SIP2 message (as read from the wire or a log) with
// the values of AD (patron PIN), CO (login password) and AC (terminal
// password) replaced by MaskedValue, for logs and command output. Text
// that is not a well-formed message is masked field by field as far as
// it can be split at "|"; the result never contains a secret value that
// follows its field ID at a field start.
func Mask(raw string) string {
	raw = strings.TrimRight(raw, "\r\n")
	var sc scan
	start := 0
	end := len(raw)
	if sc.init(raw) == nil {
		start, end = sc.fixedEnd, sc.bodyEnd
	} else if len(raw) >= 2 {
		start = 2
	}
	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString(raw[:start])
	body := raw[start:end]
	first := true
	for {
		seg, rest, more := strings.Cut(body, "|")
		if !first {
			b.WriteByte('|')
		}
		first = false
		b.WriteString(maskSegment(seg))
		if !more {
			break
		}
		body = rest
	}
	b.WriteString(raw[end:])
	return b.String()
}

func maskSegment(seg string) string {
	if len(seg) > 2 && IsSecretField(seg[:2]) {
		return seg[:2] + MaskedValue
	}
	return seg
}

// MaskFrame renders f for logs: its raw text if it was decoded, else its
// fields, with secret values masked as in Mask.
func MaskFrame(f *Frame) string {
	if f.Raw != "" {
		return Mask(f.Raw)
	}
	var b strings.Builder
	b.WriteString(string(f.Command))
	b.WriteString(f.Fixed)
	for _, fl := range f.Fields {
		b.WriteString(fl.ID)
		if IsSecretField(fl.ID) && fl.Value != "" {
			b.WriteString(MaskedValue)
		} else {
			b.WriteString(fl.Value)
		}
		b.WriteByte('|')
	}
	if f.Seq >= 0 {
		b.WriteString("AY")
		b.WriteString(itoa(f.Seq))
	}
	return b.String()
}

// String renders f with secrets masked (see MaskFrame), so that printing a
// frame, or a Frame value, never leaks a PIN.
func (f Frame) String() string { return MaskFrame(&f) }

// GoString is String for %#v, which would otherwise print Raw and every
// field value.
func (f Frame) GoString() string { return "sip2.Frame{" + MaskFrame(&f) + "}" }

// maskMessage renders a typed message with secrets masked.
func maskMessage(m Message) string { return MaskFrame(NewFrame(m)) }
