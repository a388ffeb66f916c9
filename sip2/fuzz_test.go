package sip2_test

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/lockergate/lockergate/sip2"
)

// FuzzDecode: decoding never panics; what decodes re-encodes to the same
// bytes and decodes to the same value (frame and typed layers); and the
// stream decoder gives the same frame when the input is split in two.
func FuzzDecode(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add([]byte(v.raw), uint8(len(v.raw)/2))
	}
	// Trailers with no "|" before AY, taken and not taken.
	for _, raw := range []string{ed("9300CNuser|COpassAY2AZ"), "9300CNuser|COpassAY2AZ0000", "9900302.0AY1AZ0000", "11AY5AZbeef"} {
		f.Add([]byte(raw), uint8(len(raw)/2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, cut uint8) {
		fr, err := sip2.ParseFrame(raw, nil)
		if fr == nil {
			if err == nil {
				t.Fatalf("ParseFrame(%q): no frame and no error", raw)
			}
			return
		}
		opts := &sip2.Options{ErrorDetection: fr.Checksum != "", PreserveChecksum: true}
		out, err := sip2.AppendFrame(nil, fr, opts)
		if err != nil {
			t.Fatalf("AppendFrame(%q): %v", raw, err)
		}
		fr2, _ := sip2.ParseFrame(out, nil)
		if fr2 == nil || !reflect.DeepEqual(fr, fr2) {
			t.Fatalf("frame round trip of %q:\n%#v\n%#v", raw, fr, fr2)
		}
		m, _ := fr.Message(nil)
		if m != nil {
			out2, err := sip2.AppendMessage(nil, m, fr.Seq, opts)
			if err != nil {
				t.Fatalf("AppendMessage(%q): %v", raw, err)
			}
			if !bytes.Equal(out, out2) {
				t.Fatalf("typed round trip of %q:\n got %q\nwant %q", raw, out2, out)
			}
			m2, _ := fr2.Message(nil)
			if !reflect.DeepEqual(m, m2) {
				t.Fatalf("typed values differ for %q:\n%#v\n%#v", raw, m, m2)
			}
		}
		// Streaming: the encoded message, split anywhere, decodes the same.
		c := int(cut) % (len(out) + 1)
		d := sip2.NewDecoder(io.MultiReader(bytes.NewReader(out[:c]), bytes.NewReader(out[c:])), nil)
		fr3, err := d.Decode()
		if fr3 == nil || !reflect.DeepEqual(fr, fr3) {
			t.Fatalf("stream decode of %q: %v\n%#v\n%#v", out, err, fr, fr3)
		}
	})
}
