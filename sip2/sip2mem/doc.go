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
// and TotalCounts. SetDown simulates an ILS outage for gateway tests;
// front ends other than SIP2 honour it through WaitUp.
//
// Interlibrary loans: AddILLItem creates an ILL system's temporary item
// with the patron's hold in one step, idempotently per request id;
// RemoveItem deletes it again. CheckoutUntil (a due date set elsewhere)
// and ReturnLoan (a checkin that does nothing for an item not on loan)
// serve protocols with other rules than SIP2's. The simulated ILS's NCIP
// responder (internal/ilssim) is built on them.
//
// # The demo library
//
// NewDemo builds the same small library every time; tests, the examples,
// "lockergate sip2 ping" and "lockergate bench sip2" against a demo server,
// and the gateway demo all use this data. Dates are relative to when
// NewDemo runs. Serve it with
//
//	srv := &sip2.Server{Addr: "127.0.0.1:6001", Backend: sip2mem.NewDemo()}
//	go srv.ListenAndServe()
//
// and then, for example,
//
//	lockergate sip2 ping --addr 127.0.0.1:6001 --user locker1 \
//	    --password-env SIP_PASSWORD --institution DEMO --location MAIN
//	lockergate bench sip2 --addr 127.0.0.1:6001 --user locker1 \
//	    --password-env SIP_PASSWORD --institution DEMO \
//	    --msg 23 --patron P0001 --pin 1234
//
// with SIP_PASSWORD=locker1-secret.
//
// Institution (AO) DEMO; two branches, MAIN and EAST. SIP2 accounts (CN /
// CO, any CP):
//
//	locker1 / locker1-secret   at MAIN   (DemoUser, DemoPassword)
//	locker2 / locker2-secret   at EAST
//
// Patrons P0001 to P0012. The PIN is 1234 for odd numbers and 4321 for
// even ones, except P0010, who has none:
//
//	P0001  Ada Lovelace        1234  a hold waiting on the shelf: I0010
//	P0002  Grace Hopper        4321  I0005 and I0006 on loan (not yet due);
//	                                 a hold waiting on the shelf: I0011
//	P0003  Alan Turing         1234  blocked: charge privileges denied,
//	                                 "Borrowing suspended, please contact
//	                                 the library"
//	P0004  Katherine Johnson   4321  I0007 on loan, 6 days overdue; a
//	                                 title hold on I0005's title, queued
//	P0005  Edsger Dijkstra     1234  a hold on I0031 (at EAST) for pickup
//	                                 at MAIN, not yet trapped
//	P0006  Barbara Liskov      4321  blocked: card reported lost (status
//	                                 positions 0 and 4)
//	P0007  Donald Knuth        1234  a hold on I0012, not yet trapped
//	P0008  Frances Allen       4321  nothing: a plain patron
//	P0009  John Backus         1234  blocked by fees: 12.50 overdue fine
//	                                 (fee type 04), limit 10.00 (status
//	                                 positions 0 and 10)
//	P0010  Margaret Hamilton   none  every PIN is refused (CQ N)
//	P0011  Ken Thompson        1234  nothing
//	P0012  Radia Perlman       4321  nothing
//
// Every patron is valid (BL Y); an unknown ID gets BL N. CQ is sent only
// when the request carries a PIN (AD). A request without AD is not
// PIN-checked: a checkout for P0001 with no AD goes through, as it does
// on ILSs whose SIP accounts are trusted.
//
// Items I0001 to I0040: I0001–I0030 at MAIN, I0031–I0038 at EAST, and
// I0039–I0040 at MAIN again (the lockergate demo lends them as laptops
// from MAIN's lockers, so their checkins there must not send them away), media
// type 001 (book) except every fifth item (I0005, I0010, ...), which is
// 006 (CD). Each item is its own title for holds (TitleID = item ID).
//
//	I0001–I0004, I0008, I0009, I0013–I0030, I0032–I0040
//	       available: anyone may check them out
//	I0005, I0006  on loan to P0002 (14-day loans); I0005 has a title hold
//	              (P0004) queued, so its checkin traps it
//	I0007  on loan to P0004, overdue: its checkin charges P0004 a fine
//	       of 1.75 (7 days: every day or part of one counts)
//	I0010  on the hold shelf at MAIN for P0001 (status 08, 7 days left)
//	I0011  on the hold shelf at MAIN for P0002 (status 08)
//	I0012  on the shelf, held for P0007: only P0007 may check it out, and
//	       checking it in traps it for P0007
//	I0031  at EAST, held for P0005 with pickup at MAIN: checking it in at
//	       EAST sends it in transit (status 10) to MAIN
//
// An item with no hold checked in at the other branch (I0032 at MAIN) is
// sent in transit home; a checkin that traps an item for a hold answers
// with the 3M routing fields (CV, CY/DA, CT).
//
// Loans are 14 days with up to 3 renewals; overdue fines are 0.25 a day
// (fee type 04), charged at checkin; a trapped item waits 7 days on the
// shelf; a patron may have 20 items out; fees of 10.00 or more block
// borrowing. Amounts are in USD. The Go API (Library.Patron, Item, Loans, Holds, Fees) reads
// the same data.
package sip2mem
