package sip2

import (
	"bytes"
	"errors"
	"io"
)

// Decoder reads SIP2 messages from a stream. Messages may end in CR, CRLF
// or LF, arrive split across reads, or several in one read; empty lines
// are skipped. A message longer than Options.MaxMessageSize is reported as
// an error wrapping ErrTooLong and skipped up to its terminator, so the
// decoder never buffers more than the limit.
//
// Errors about one message (*DecodeError, ErrTooLong) do not stop the
// decoder: the next Decode reads the next message. Read errors are
// sticky. A Decoder is not safe for concurrent use; deadlines belong to
// the underlying connection.
type Decoder struct {
	r       io.Reader
	o       Options
	buf     []byte
	start   int // unread data is buf[start:end]
	end     int
	discard bool // skipping the rest of an over-long message
	err     error
}

// NewDecoder returns a decoder reading from r with the given options
// (nil means defaults).
func NewDecoder(r io.Reader, opts *Options) *Decoder {
	d := &Decoder{r: r}
	if opts != nil {
		d.o = *opts
	}
	n := 4096
	if m := d.o.maxSize() + 2; m < n {
		n = m
	}
	d.buf = make([]byte, n)
	return d
}

// Decode reads the next message and returns it as a new Frame. At the end
// of the stream it returns io.EOF, or io.ErrUnexpectedEOF if a message was
// cut off. For an unknown command it returns the generic frame together
// with an error wrapping ErrUnknownCommand.
func (d *Decoder) Decode() (*Frame, error) {
	f := new(Frame)
	if err := d.DecodeFrame(f); err != nil {
		if errors.Is(err, ErrUnknownCommand) {
			return f, err
		}
		return nil, err
	}
	return f, nil
}

// DecodeFrame is like Decode but fills f, reusing the storage of
// f.Fields, which avoids allocations in a read loop.
func (d *Decoder) DecodeFrame(f *Frame) error {
	line, err := d.readLine()
	if err != nil {
		return err
	}
	if perr := d.o.parseFrameString(f, string(line)); perr != nil {
		return perr
	}
	return nil
}

// DecodeMessage reads the next message and converts it to its typed form,
// with the errors of Unmarshal; the frame is returned as well (for its
// sequence number and raw text) whenever one was read.
func (d *Decoder) DecodeMessage() (Message, *Frame, error) {
	f, err := d.Decode()
	if err != nil {
		return nil, f, err
	}
	m, err := f.Message(&d.o)
	if err == nil && (f.Verdict == ChecksumInvalid || f.Verdict == ChecksumAbsent && d.o.ed()) {
		err = f.VerifyChecksum()
	}
	return m, f, err
}

// readLine returns the next non-empty message without terminator. The
// slice is valid until the next call.
func (d *Decoder) readLine() ([]byte, error) {
	max := d.o.maxSize()
	for {
		if d.err != nil && d.start == d.end {
			return nil, d.err
		}
		data := d.buf[d.start:d.end]
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			d.start += i + 1
			if d.discard {
				d.discard = false
				continue
			}
			if i == 0 {
				continue // empty line, or the LF of a CRLF
			}
			if i > max {
				return nil, d.tooLong(i)
			}
			return data[:i], nil
		}
		if d.discard {
			d.start, d.end = 0, 0
		} else if len(data) > max {
			d.discard = true
			d.start, d.end = 0, 0
			return nil, d.tooLong(len(data))
		}
		if d.err != nil {
			// No terminator before the end of the stream.
			d.start, d.end = 0, 0
			if len(data) > 0 && !d.discard {
				if d.err == io.EOF {
					d.err = io.ErrUnexpectedEOF
				}
			}
			return nil, d.err
		}
		d.fill()
	}
}

func (d *Decoder) tooLong(n int) error {
	return &DecodeError{Offset: d.o.maxSize(), Msg: "message of at least " + itoa(n) + " bytes exceeds the limit of " + itoa(d.o.maxSize()) + "; skipped to the next terminator", Err: ErrTooLong}
}

// fill reads more data, compacting or growing the buffer up to the limit.
func (d *Decoder) fill() {
	if d.start > 0 {
		n := copy(d.buf, d.buf[d.start:d.end])
		d.start, d.end = 0, n
	}
	if d.end == len(d.buf) {
		size := 2 * len(d.buf)
		if lim := d.o.maxSize() + 2; size > lim {
			size = lim
		}
		if size <= len(d.buf) {
			size = len(d.buf) + 1
		}
		nb := make([]byte, size)
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := d.r.Read(d.buf[d.end:])
		d.end += n
		if err != nil {
			d.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	d.err = io.ErrNoProgress
}
