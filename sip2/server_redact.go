package sip2

import "bytes"

// appendRedacted appends msg to dst with the values of the secret fields
// (AC terminal password, AD patron PIN, CO login password) replaced by
// "***". Fields start after the command's fixed part or after a '|'. For a
// code this package does not know, where the fixed part cannot be told
// from the fields, everything after the code is masked.
func appendRedacted(dst, msg []byte) []byte {
	if len(msg) < 2 {
		return append(dst, msg...)
	}
	fixed, ok := Command(msg[:2]).FixedLen()
	if ok && bytes.IndexByte(msg[2:min(len(msg), 2+fixed)], '|') >= 0 {
		// A delimiter inside the fixed part: the message is malformed and
		// fields may hide in what should be fixed, so trust nothing.
		ok = false
	}
	if !ok {
		dst = append(dst, msg[:2]...)
		if len(msg) > 2 {
			dst = append(dst, "***"...)
		}
		return dst
	}
	start := 2 + fixed
	if start >= len(msg) {
		return append(dst, msg...)
	}
	dst = append(dst, msg[:start]...)
	i := start
	for i < len(msg) {
		// i is at the start of a field (or of a stray '|').
		end := i
		for end < len(msg) && msg[end] != '|' {
			end++
		}
		if end-i >= 2 && isSecretID(msg[i], msg[i+1]) {
			dst = append(dst, msg[i], msg[i+1])
			dst = append(dst, "***"...)
		} else {
			dst = append(dst, msg[i:end]...)
		}
		if end < len(msg) {
			dst = append(dst, '|')
		}
		i = end + 1
	}
	return dst
}

func isSecretID(a, b byte) bool {
	return (a == 'A' && (b == 'C' || b == 'D')) || (a == 'C' && b == 'O')
}
