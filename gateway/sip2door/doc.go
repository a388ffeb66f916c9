// Package sip2door is the gateway's SIP2 front door: it listens for SIP2
// as an ACS, so that software which already speaks SIP2 (self-check
// stations, sorters, staff clients, a locker vendor's kiosk) uses the
// lockers without change.
//
// A checkin (09) whose current location (AP) is the location code or ID of
// a locker bank loads the item through the hold-pickup workflow
// (gateway.Service.Load) and answers with where it goes; every other
// message is passed to the client's ILS unchanged and the ILS's answer is
// passed back.
//
// # Accounts and login
//
// Each client logs in (93) with an Account's login (CN) and password (CO).
// All accounts are compared in constant time; an unknown login, a wrong
// password and, for an account with RequireTLS, a login over plain TCP get
// the same 94 with ok 0, as does a 93 carrying an AO (which some stations
// add) that is not the account's Institution. After three refused logins
// the connection is closed. On success the account's wire options
// (charset, terminator, error detection) apply from the 94 on. The login's
// CP (location code) is not checked: stations put a branch, a desk or a
// device name there.
//
// Before a login only 93 and 99 are served (anything else closes the
// connection, as SIP2 has no "not logged in" answer). Many stations send 99
// before 93, so the door answers that 99 itself (on-line Y, institution
// empty): it does not yet know which ILS the client belongs to.
//
// An account with an Institution only acts for it: a request whose AO
// names another institution is not passed on. Messages with an ok flag get
// a refusal (ok 0, screen message), the others close the connection.
//
// # Locker checkins
//
// A 09 whose AP names a bank (and whose no-block flag is N: an offline
// replay concerns an item returned earlier, for which no door must open,
// so it goes to the ILS like any checkin) is a load:
//
//   - a bank the account may not use: 10 ok 0, "Not allowed ...";
//     BI cancel Y or an empty item: 10 ok 0.
//   - loaded: 10 ok 1, alert Y, AB item, AJ title, CL the compartment (sort
//     bin), CT the bank's location (destination), CV 01 (03 for an
//     interlibrary loan), CY/DA the hold patron's id and name, AF "Put item
//     I0007 in locker LOCKER1 compartment 7", AQ empty (the gateway does
//     not learn the item's permanent location).
//   - not loaded, but the item is checked in (the error wraps
//     gateway.ErrCheckedIn): 10 ok 1, alert Y and a CV that routes it: no
//     hold to fill (CV 99, back to the shelf); held for pickup elsewhere
//     or in transit (CV 02); no compartment would open, or none is free
//     (CV 01: the hold shelf); any other failure past the checkin (CV 99).
//     AJ the title when the gateway knows it; CY/DA the hold patron when
//     no compartment opened or none is free (the hold shelf's slip).
//   - already loaded or being loaded by an earlier scan, on this
//     connection or another: 10 ok 1, CV 01 (03 for an interlibrary
//     loan), CL its compartment, AJ, CY/DA as the first answer had them
//     (the load is not repeated).
//   - not loaded and not known to be checked in (the ILS refused or cannot
//     be reached, the same item being scanned elsewhere at this moment, an
//     interlibrary loan, which is never checked in at load, that could not
//     be placed): 10 ok 0.
//
// The AF then carries the gateway's message, which is written for the
// person at the station and never holds a secret. The outcome is decided
// on typed facts, never on that message: gateway.ErrCheckedIn, and the
// *gateway.LoadConflict of an ECONFLICT (its reason and compartment).

// # Pass-through
//
// Every other message (23, 63, 11, 17, 35, 37, 19, 25, 15, 29, 65, 01, 99
// after login, and 09 at other locations) goes to the account's Upstream
// as the station sent it: the decoded request is re-encoded with its
// fields in the station's order, vendor fields included, in the ILS's
// charset and with the ILS connection's own AY/AZ. The ILS's response comes
// back the same way, its field order and vendor fields kept, in the
// station's charset. The BX field of a 98 lists the messages the ILS said
// it serves in its last 98 (to any station of the door), plus login,
// status and resend, which the door answers itself: a station is not told
// of a message that only the ILS could answer and does not. Until the ILS
// has sent a 98 (and before a login, when the door has several ILSs and
// does not yet know the station's) BX lists every message; a message the
// ILS does not support then gets whatever answer the ILS gives.
//
// A request that the ILS connection refuses to write (a character outside
// the ILS's charset, a field over 255 characters, when its codec does not
// replace them) is not sent: a message with an ok flag gets a refusal (ok
// 0) saying that the library system cannot take it as written, any other
// closes the connection.
//
// When the ILS cannot be reached:
//
//   - 99 is answered with on-line status N, so the station goes offline.
//   - a message with an ok flag (11, 09, 29, 65, 15, 37, 19, 35) that
//     certainly never reached the ILS (sip2.ErrNotSent: no connection)
//     gets a refusal: ok 0 (payment accepted N, end session N) and a
//     screen message saying nothing was done.
//   - otherwise (a query, or a request that may have reached the ILS
//     without an answer coming back) the connection is closed: the outcome
//     is unknown, and a station must never be told ok 1, or even ok 0,
//     for something that may or may not have happened.
//
// A request repeated byte for byte with the same AY/AZ on one connection
// is answered by the sip2 server from its cache; a repeat on another
// connection reaches the door again, where a locker load is not repeated
// (the gateway answers where the item already is) and a passed-through
// request is the ILS's to recognise.
//
// Passwords, PINs and terminal passwords (CO, AD, AC) are never logged; a
// refused login is logged with its login only when that is an account's
// login, so a password typed into the login field is not written down.
package sip2door
