package sip2

import "io"

// Encoder writes SIP2 messages to a stream, one Write per message, reusing
// its buffer. It is not safe for concurrent use; deadlines belong to the
// underlying connection.
type Encoder struct {
	w   io.Writer
	o   Options
	buf []byte
}

// NewEncoder returns an encoder writing to w with the given options (nil
// means defaults).
func NewEncoder(w io.Writer, opts *Options) *Encoder {
	e := &Encoder{w: w, buf: make([]byte, 0, 512)}
	if opts != nil {
		e.o = *opts
	}
	return e
}

// Encode writes f as AppendFrame encodes it. Nothing is written if f is
// invalid.
func (e *Encoder) Encode(f *Frame) error {
	b, err := AppendFrame(e.buf[:0], f, &e.o)
	e.buf = b[:0]
	if err != nil {
		return err
	}
	_, err = e.w.Write(b)
	return err
}

// EncodeMessage writes m with sequence number seq (-1 for none) as
// AppendMessage encodes it.
func (e *Encoder) EncodeMessage(m Message, seq int) error {
	b, err := AppendMessage(e.buf[:0], m, seq, &e.o)
	e.buf = b[:0]
	if err != nil {
		return err
	}
	_, err = e.w.Write(b)
	return err
}
