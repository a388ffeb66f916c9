package sip2

// Checksum returns the AZ value for msg, which must hold the encoded bytes
// from the first character of the message up to and including the "AZ"
// field identifier: the two's complement of the 16-bit byte sum, as four
// upper-case, zero-padded hex digits.
//
// The spec: "The checksum is four ASCII character digits representing the
// binary sum of the characters including the first character of the
// transmission and up to and including the checksum field identifier
// characters."
func Checksum(msg []byte) string {
	var b [4]byte
	return string(appendHex4(b[:0], checksum16(msg)))
}

// checksum16 is generic so that the decoder (strings) and the server's
// connection (bytes) share it without a copy.
func checksum16[T string | []byte](msg T) uint16 {
	var sum uint16
	for i := 0; i < len(msg); i++ {
		sum += uint16(msg[i])
	}
	return -sum
}

const hexDigits = "0123456789ABCDEF"

func appendHex4(dst []byte, v uint16) []byte {
	return append(dst, hexDigits[v>>12], hexDigits[v>>8&0xF], hexDigits[v>>4&0xF], hexDigits[v&0xF])
}

// parseHex parses 1 to 4 hex digits in either case, optionally after
// leading spaces: some ACSs send lower-case or unpadded checksums, and old
// openncip formatted them with "%4X", which pads with spaces.
func parseHex[T string | []byte](s T) (uint16, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	i := 0
	for i < len(s)-1 && s[i] == ' ' {
		i++
	}
	return hexDigitsValue(s[i:])
}

// hexDigitsValue parses s, 1 to 4 hex digits in either case and nothing
// else (no spaces).
func hexDigitsValue[T string | []byte](s T) (uint16, bool) {
	var v uint16
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(c)
	}
	return v, true
}

// VerifyChecksum reports whether msg, a whole message without its
// terminator, ends in an AZ field whose value matches its bytes. Lower-case
// and unpadded hex digits are accepted. It returns ErrNoChecksum when msg
// has no AZ field and an error wrapping ErrChecksum on a mismatch.
func VerifyChecksum(msg []byte) error {
	f, err := ParseFrame(msg, nil)
	if f == nil {
		return err
	}
	return f.VerifyChecksum()
}
