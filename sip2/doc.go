// Package sip2 implements the 3M Standard Interchange Protocol version 2.00
// (SIP2), spoken between self-service devices such as lockers ("SC") and
// library systems ("ACS").
//
// The package has two decoding layers. A Frame is a message as it appears
// on the wire: command code, fixed part, variable fields in wire order,
// AY sequence number and AZ checksum verdict. A Message is one of the
// typed request/response structs (LoginRequest, CheckoutResponse, ...),
// with fixed fields at their specified offsets, variable fields by ID,
// repeatable fields as slices and everything else kept in Extra.
//
//	ParseFrame / Decoder      bytes  → Frame
//	Frame.Message, Unmarshal         → Message
//	NewFrame                  Message → Frame
//	AppendFrame / AppendMessage / Encoder → bytes
//
// Input is read leniently: CR, CRLF or LF terminators, a missing final
// "|", stray "|" after the fixed part or before AY, repeated and unknown
// fields, lower-case or unpadded checksums, odd date zones. Output is
// strict: a value containing "|", CR, LF or NUL, or longer than 255
// characters, is refused (or replaced, by Options.Values), and checksums
// are upper-case and zero-padded. A decoded message that is re-encoded
// unmodified gives back its original bytes.
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
// Patron PINs (AD), login passwords (CO) and terminal passwords (AC) never
// appear in this package's error messages; Mask and MaskFrame render
// messages for logs with those values hidden.
package sip2
