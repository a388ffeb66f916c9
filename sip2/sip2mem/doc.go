// Package sip2mem is an in-memory library system (ILS) that serves SIP2
// through sip2.Server: patrons with PINs, blocks and fees; items with
// locations, circulation status and hold queues; loans with due dates and
// renewals; and SIP2 accounts. It implements sip2.Backend and every
// optional session interface, with the semantics lockers rely on: a
// checkin of an item someone is waiting for traps it and answers with the
// 3M routing fields (CV alert type, CY/DA hold patron, CT destination),
// blocked patrons are refused with a screen message, an item on loan to
// someone else is refused, and CQ reports whether the PIN was valid.
//
// A Library is safe for concurrent use. Seed it through the Go API
// (AddPatron, AddItem, PlaceHold, AddLoan, AddFee, AddAccount) or start
// from NewDemo; read back what happened with Loans, Holds, Fees, Counts
// and TotalCounts. SetDown simulates an ILS outage for gateway tests.
package sip2mem
