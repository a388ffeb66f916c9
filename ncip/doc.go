// Package ncip implements NCIP, the NISO Circulation Interchange Protocol
// (ANSI/NISO Z39.83-1-2012, version 2.02), over HTTP: typed messages, a
// strict encoder, a lenient decoder and an HTTP responder (Handler) over a
// Backend. The HTTP client lives in the subpackage ncipclient, so that this
// package depends on the standard library and golang.org/x/text only.
//
// # Messages
//
// A Message is the NCIPMessage envelope. It has one pointer field per
// service; exactly one is set (or Problems, for a top-level Problem). The
// supported services, each with its Response:
//
//	LookupVersion (not in the 2.02 schema; see LookupVersion)
//	LookupUser, LookupItem, LookupAgency, LookupRequest
//	AcceptItem, CheckOutItem, CheckInItem, RenewItem
//	RequestItem, CancelRequestItem, DeleteItem, CreateUserFiscalTransaction
//	ItemShipped, ItemReceived, ItemRequested (notifications)
//
// # Strict output, lenient input
//
// Marshal writes what ncip_v2_02.xsd requires: the default namespace
// http://www.niso.org/2008/ncip, a qualified ncip:version attribute, a
// qualified ncip:Scheme attribute, and elements in schema order. The tests
// validate the request and response of every service with xmllint and
// with the pure-Go validator in the subpackage schema.
//
// Unmarshal accepts what real systems send: a bare version attribute, no
// namespace or any prefix, a byte-order mark, an ISO-8859-1 (or other)
// prolog, date-only and offset dates, NCIP 1-style <Scheme>/<Value>
// children, and unknown elements (ignored). NCIP version 1 messages are
// recognised and refused with a Problem. ReadBody additionally unwraps a
// message posted as a form field.
//
// A DOCTYPE is tolerated but never acted on:
//
//   - A document that uses no entity the DOCTYPE could define is read as
//     if the DOCTYPE were not there, whatever it names or declares: an
//     external DTD is never fetched, and entity declarations (internal,
//     external or parameter entities) are not read.
//   - A reference to any entity other than the five predefined ones
//     (&lt; &gt; &amp; &apos; &quot;), in text or in an attribute value,
//     fails with "Invalid Message Syntax Error", whether the DOCTYPE
//     declares that entity or not. Character references (&#233;) are not
//     entities and are read as usual.
//   - Nothing is ever expanded, so external entities (XXE) and "billion
//     laughs" documents fail fast, without reading a file or growing
//     memory.
//
// The validator in the subpackage schema is stricter: it refuses any
// document with a DOCTYPE.
//
// Unmarshal reads the common case (plain UTF-8 NCIP 2 with elements,
// attributes, references, comments, CDATA) with a table-driven decoder of
// its own, several times faster than encoding/xml; anything else — a
// DOCTYPE, another encoding, NCIP 1 forms, any error — goes through
// encoding/xml, which is also the reference the fast path is tested (and
// fuzzed) against, so both paths return the same Message or the same
// error.
//
// # Errors
//
// *Problem is both the NCIP Problem element and the error type: Unmarshal
// returns one of type "Invalid Message Syntax Error" for unreadable input
// (or "Invalid Date" for a date it cannot read), and a Backend returns one
// for a business error. errors.Is(err, ProblemTypeUnknownUser) and the
// like match a Problem by type.
package ncip
