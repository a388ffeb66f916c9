// Package sip2 implements the 3M Standard Interchange Protocol version 2.00
// (SIP2), spoken between self-service devices such as lockers and
// self-check machines (the "SC") and library systems (the "ACS", or ILS).
// It has both ends: a Client (and a Pool of them) for the SC side, a Server
// for the ACS side, and the codec they share, which can be used on its
// own, for example to read SIP2 log lines.
//
// # Codec
//
// The codec has two layers. A Frame is a message as it appears on the
// wire: command code, fixed part, variable fields in wire order, AY
// sequence number and AZ checksum verdict. A Message is one of the typed
// request/response structs (LoginRequest, CheckoutResponse, ...), with
// fixed fields at their specified offsets, variable fields by ID,
// repeatable fields as slices and everything else kept in Extra.
//
//	bytes   → Frame     ParseFrame, Decoder.Decode
//	bytes   → Message   Unmarshal, Decoder.DecodeMessage
//	Frame   → Message   Frame.Message
//	Message → Frame     NewFrame
//	Frame   → bytes     AppendFrame, Encoder.Encode
//	Message → bytes     AppendMessage, Encoder.EncodeMessage
//
// Options describes the peer: its Charset (UTF-8, CP850, ISO-8859-1 or
// ASCII; the checksum is over the encoded bytes), the Terminator written
// after each message, and whether AY/AZ error detection is on. A nil
// *Options means UTF-8, CR and no error detection. Checksum and
// VerifyChecksum work on raw bytes.
//
// Input is read leniently: CR, CRLF or LF terminators, a missing final
// "|", stray "|" after the fixed part or before AY, an AY/AZ trailer with
// no "|" before it (taken when its checksum verifies), repeated and unknown
// fields, lower-case, unpadded or space-padded checksums, and the date zone
// forms listed under Time. Output is strict: a value containing "|", CR,
// LF or NUL, or longer than 255 characters, is refused (or replaced, with
// Options.Values), and checksums are upper-case and zero-padded. A decoded
// message that is re-encoded unmodified gives back its original bytes,
// quirks included.
//
// Messages (code: request → response):
//
//	93 → 94  Login                  99 → 98  SC Status / ACS Status
//	23 → 24  Patron Status          63 → 64  Patron Information
//	11 → 12  Checkout               09 → 10  Checkin
//	17 → 18  Item Information       19 → 20  Item Status Update
//	25 → 26  Patron Enable          15 → 16  Hold
//	29 → 30  Renew                  65 → 66  Renew All
//	35 → 36  End Patron Session     37 → 38  Fee Paid
//	01 → 24  Block Patron           97 / 96  Request ACS / SC Resend
//
// # Client and Pool
//
// A Client (Dial, DialTLS, NewClient) is one connection from an SC to an
// ACS: login, AY sequence numbers, checksums, 96/97 resends, timeouts,
// reconnect with backoff and keep-alive, configured by ClientOptions; every
// call takes a context. A Pool shares logged-in Clients among concurrent
// callers, one request at a time per connection as SIP2 requires. Three
// outcomes stay apart:
//
//	resp, err := c.Checkout(ctx, req)
//	switch {
//	case errors.Is(err, sip2.ErrNotSent): // never left: safe to retry
//	case err != nil:                      // sent, outcome unknown: ask the ILS first
//	case !resp.OK:                        // refused: resp.Err() is a *RefusedError
//	}
//
// # Server
//
// A Server serves SIP2 over TCP or TLS with a Backend, in the manner of
// github.com/emersion/go-smtp: the Backend makes a Session per connection
// and the Session answers requests; optional interfaces (HoldSession,
// RenewSession, ...) add messages, and the ACS Status BX field is derived
// from them (a proxy narrows it to what the ACS behind it serves with
// SupportFilterSession). The server verifies checksums (answering 96), replays its last
// response to 97, and answers a request repeated on the same connection
// with the same AY and AZ (the whole message is compared) with the response
// it already sent, so that a retried locker checkout is not executed twice.
// This covers the last request that changes something (queries such as 99,
// 23, 63 and 17 are simply answered again) and needs error detection on; a
// retry on a new connection is a new request. Per-connection wire options
// (ConnOptions: charset, terminator, error detection) can be set at login
// with Conn.SetOptions.
//
// # Errors
//
// Decoding errors are *DecodeError (message, field, byte offset, reason)
// and encoding errors *EncodeError; both wrap a sentinel such as
// ErrChecksum or ErrBadValue for errors.Is. A Client's errors are
// *OpError (which step failed), *SequenceError, *UnexpectedResponseError
// or the sentinels listed with ErrNotSent; an ILS refusal is not an error
// but a response whose Err method returns a *RefusedError.
//
// # Secrets
//
// Patron PINs (AD), login passwords (CO) and terminal passwords (AC) never
// appear in this package's error messages or logs; Mask and MaskFrame
// render messages for logs with those values hidden, and the message
// types' String and GoString methods use them.
//
// # Related packages
//
// Package sip2test runs a Server on a loopback port for tests, or a
// scripted ACS that replays a transcript; package sip2mem is an in-memory
// ILS (patrons, items, holds, loans, fees) that implements Backend, with a
// ready-made demo library.
package sip2
