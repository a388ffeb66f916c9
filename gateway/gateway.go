// Package gateway holds lockergate's workflows: hold pickup, expiry, returns,
// equipment lending and interlibrary loans (ill.go). It turns library
// traffic into compartment assignments, opens doors through the driver
// layer and reports every transaction to the ILS through a durable outbox.
//
// The root package holds the domain types, the workflow Service, the error
// codes and the interfaces the workflows need: Store (gateway/sqlstore),
// ILS (gateway/ils), Notifier (gateway/notify) and lockers.Driver. It
// imports no SQL, no HTTP and no SIP2.
//
// docs/design.md, at the repository root, is the design sheet: how the
// pieces fit as built, the outbox's rules, and what each workflow does
// while the ILS is down.
//
// Compartment states (one door):
//
//	free ──assign──► reserved ──door opened──► loading ──door closed──► occupied
//	  (reserved stays committed only for an ILL item scanned at a desk:
//	   ArriveILL; its load, cancellation or clearing moves it on)
//	occupied ──patron identified, checkout in outbox, door opened──► unloading
//	unloading ──door closed──► free (a returns compartment: return_pending until staff empty it)
//	any ──door fails, forced, board dead──► out_of_service (staff put it back)
//	loading/unloading ──door closed, its opening never confirmed (a crash
//	    before or during the door command)──► out_of_service "... interrupted:
//	    check contents" + AlertDoorUnconfirmed (see interrupted.go)
//
// The next state (loading, unloading) is written before the door command;
// the driver's confirmation that the door opened is recorded right after
// (Tx.ConfirmOpened). Only a confirmed opening lets a closed door count as
// "opened and closed again" when no door event says so.
//
// An equipment compartment is its item's home: available (item inside) →
// lent: door opened and closed → on_loan (empty) → returned: door opened and
// closed, checkin → available.
//
// Reservation states:
//
//	awaited (ILL, parcel not here) ─arrival─► assigned ─loaded─► ready (patron notified)
//	awaited, or assigned with its ILL item still awaited ─ILL cancelled─► cancelled
//	  (they never expire by themselves; see ill.go)
//	ready ─patron opens─► collected     ready ─expiry─► expired ─staff clears─► cleared
//	assigned, no door open for it ─PickupPeriod passed, or staff─► expired
//	assigned ─no door would open for any of its items─► cancelled
//
// Reservation item states:
//
//	awaited ─arrival─► loading ─door closed─► loaded ─► collected or cleared
//	  (an ILL item scanned at a desk stays awaited, its Compartment set to the
//	   one reserved for it; every door failing makes it awaited again)
//	loading ─door failed everywhere─► cancelled
//	loading ─crash before the door was confirmed open─► interrupted ─loaded again─► loading
//	interrupted ─its reservation expired and cleared─► cleared
//
// Outbox entry states:
//
//	pending ─send─► sent ─ILS confirms─► done
//	   ▲              │ timeout, ILS down, connection lost
//	   └──backoff─────┘   (a definite refusal, or too old: failed, shown to staff)
package gateway

import (
	"encoding/json"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// CompartmentKind is what a compartment is used for.
type CompartmentKind string

// Compartment kinds.
const (
	KindPickup    CompartmentKind = "pickup"    // holds and ILL items for patrons to collect
	KindReturn    CompartmentKind = "return"    // patrons drop returned items; staff empty it
	KindEquipment CompartmentKind = "equipment" // the home of one lendable equipment item
)

// CompartmentState is where a compartment is in its life cycle.
type CompartmentState string

// Compartment states (see the package documentation).
const (
	CompFree          CompartmentState = "free"
	CompReserved      CompartmentState = "reserved"
	CompLoading       CompartmentState = "loading"
	CompOccupied      CompartmentState = "occupied"
	CompUnloading     CompartmentState = "unloading"
	CompReturnPending CompartmentState = "return_pending"
	CompOutOfService  CompartmentState = "out_of_service"
	// Equipment compartments.
	CompAvailable CompartmentState = "available" // its equipment item is inside
	CompOnLoan    CompartmentState = "on_loan"   // its equipment item is out
)

// Bank is one physical locker unit at a site.
type Bank struct {
	ID       string
	Site     string
	Name     string
	Location string // the location code the ILS knows the bank by (SIP2 AP/AQ, hold pickup location)
}

// Compartment is one door of a bank, as the store knows it.
type Compartment struct {
	Bank string
	ID   lockers.CompartmentID
	Size lockers.SizeClass
	// SizeRank orders sizes (S=1 < M=2 < L=3 < XL=4; site-defined classes
	// get their configured rank): an item fits any compartment whose rank
	// is at least its own.
	SizeRank int
	Kind     CompartmentKind
	State    CompartmentState
	// Holder is what occupies it: a reservation id, a return id or an
	// equipment item id; empty when free.
	Holder string
	// Reason says why it is out of service.
	Reason    string
	UpdatedAt time.Time
}

// ReservationState is where a reservation is in its life cycle.
type ReservationState string

// Reservation states (see the package documentation).
const (
	ResAwaited   ReservationState = "awaited"
	ResAssigned  ReservationState = "assigned"
	ResReady     ReservationState = "ready"
	ResCollected ReservationState = "collected"
	ResExpired   ReservationState = "expired"
	ResCleared   ReservationState = "cleared"
	ResCancelled ReservationState = "cancelled"
)

// Active reports whether a reservation in this state still holds items or
// compartments.
func (s ReservationState) Active() bool {
	switch s {
	case ResAwaited, ResAssigned, ResReady, ResExpired:
		return true
	}
	return false
}

// Reservation is what a patron will collect at one bank: one or more items
// in one or more compartments.
type Reservation struct {
	ID         string
	Site       string
	Bank       string
	Patron     string
	PatronName string
	State      ReservationState
	// CodeHash is the keyed hash of the pickup code (the code itself is
	// never stored); empty until the reservation is ready.
	CodeHash    string
	ILLRequest  string // the ILL request id, for interlibrary loans
	CreatedAt   time.Time
	ReadyAt     time.Time
	ExpiresAt   time.Time
	CollectedAt time.Time
	ClearedAt   time.Time
	Items       []ReservationItem
}

// ItemState is where one reserved item is.
type ItemState string

// Item states.
const (
	ItemAwaited   ItemState = "awaited"   // not here yet (ILL)
	ItemLoading   ItemState = "loading"   // the door is open for it
	ItemLoaded    ItemState = "loaded"    // in its compartment, door closed
	ItemCollected ItemState = "collected" // taken by the patron
	ItemCleared   ItemState = "cleared"   // taken back by staff
	ItemCancelled ItemState = "cancelled"
	// ItemInterrupted: its load was interrupted before the door was
	// confirmed open (a crash); it is with staff or in Compartment, which
	// is out of service until staff look. Loading it again reopens that
	// compartment.
	ItemInterrupted ItemState = "interrupted"
)

// ReservationItem is one item of a reservation.
type ReservationItem struct {
	Reservation string
	Item        string
	Title       string
	Compartment lockers.CompartmentID // empty while awaited
	State       ItemState
	// CheckedOut is true once the outbox has recorded the checkout intent
	// (at load or at pickup, per the site's policy).
	CheckedOut bool
	LoadedAt   time.Time
}

// ReturnState is where a returned item is.
type ReturnState string

// Return states.
const (
	ReturnOpening   ReturnState = "opening"   // the door is open for the patron
	ReturnDeposited ReturnState = "deposited" // door closed; checkin queued in the outbox
	ReturnEmptied   ReturnState = "emptied"   // staff took it out
	ReturnAbandoned ReturnState = "abandoned" // the door failed or the patron walked away
)

// Return is one item returned into a returns compartment.
type Return struct {
	ID          string
	Bank        string
	Compartment lockers.CompartmentID
	Item        string
	Patron      string // when the patron identified; may be empty
	State       ReturnState
	CreatedAt   time.Time
	DepositedAt time.Time
	EmptiedAt   time.Time
}

// EquipmentState is where a lendable equipment item is.
type EquipmentState string

// Equipment states.
const (
	EquipAvailable    EquipmentState = "available"      // in its home compartment
	EquipLending      EquipmentState = "lending"        // checked out, door open for the patron
	EquipOnLoan       EquipmentState = "on_loan"        // with a patron
	EquipReturning    EquipmentState = "returning"      // door open for the return
	EquipOutOfService EquipmentState = "out_of_service" // its compartment failed; staff must look
)

// Equipment is one lendable item (a laptop, a camera) with a home
// compartment.
type Equipment struct {
	Item        string
	Bank        string
	Compartment lockers.CompartmentID // its home
	Type        string                // "laptop", "camera": what patrons choose from
	Title       string
	State       EquipmentState
	Patron      string // while lent
	UpdatedAt   time.Time
}

// OutboxState is where an outbox entry is.
type OutboxState string

// Outbox states (see the package documentation).
const (
	OutboxPending OutboxState = "pending"
	OutboxSent    OutboxState = "sent" // sent, answer not recorded: ask the ILS before sending again
	OutboxDone    OutboxState = "done"
	OutboxFailed  OutboxState = "failed" // given up; shown to staff, who may retry it
)

// Outbox entry kinds.
const (
	OpCheckout = "checkout"
	OpCheckin  = "checkin"
	OpNotify   = "notify"
)

// OutboxEntry is one transaction with the ILS (or one notification) that
// must happen exactly once. Its intent is written in the same database
// transaction as the state change that causes it.
type OutboxEntry struct {
	ID int64
	// Key is unique: the same intent recorded twice (a retried request, a
	// replayed event) is one entry.
	Key string
	// Topic orders delivery: entries with the same topic are delivered one
	// at a time in ID order ("item:<id>" for ILS transactions, so that a
	// checkin never overtakes the checkout before it).
	Topic  string
	Op     string // OpCheckout, OpCheckin, OpNotify, OpILLAccept, OpILLCancel, OpILLDelete
	Site   string
	Item   string
	Patron string
	// Payload holds what the operation needs beyond the columns (a
	// CheckoutRequest, a Notification). A notification's pickup code is
	// removed from it once delivered.
	Payload json.RawMessage
	State   OutboxState
	// Attempts counts sends.
	Attempts      int
	NextAttemptAt time.Time
	LastError     string // safe text: never a PIN, code or password
	// Result is the ILS's answer, once done (a CheckoutResult, ...).
	Result    json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
	DoneAt    time.Time
	// ClaimedBy and ClaimedUntil are the lease of the node delivering it.
	ClaimedBy    string
	ClaimedUntil time.Time
}

// Alert kinds.
const (
	AlertDoorFailed   = "door_failed"    // a door did not open; the compartment is out of service
	AlertDoorForced   = "door_forced"    // opened without a command; clears when it closes
	AlertDoorLeftOpen = "door_left_open" // clears when it closes
	AlertBoardOffline = "board_offline"  // clears when the board answers
	AlertOutboxFailed = "outbox_failed"  // an ILS transaction or notification was given up
	AlertReturnsFull  = "returns_full"   // no empty returns compartment
	// AlertDoorUnconfirmed: a door command was interrupted (a crash) before
	// the door was confirmed open, and the door reads closed: whether the
	// load, pickup or return happened is unknown, so staff must look. It
	// clears when staff put the compartment back in service, when the
	// interrupted item is loaded again into it, or when an interrupted
	// emptying of returns is done again.
	AlertDoorUnconfirmed = "door_unconfirmed"
	// AlertEquipmentRouted: an equipment item was checked in and the ILS
	// routes it elsewhere (a hold it traps, a transit, a destination other
	// than the bank). The item is not lent meanwhile; the alert clears
	// when staff put its home back in service.
	AlertEquipmentRouted = "equipment_routed"
	// AlertILLDeletedReturned: an interlibrary loan that the ILL system had
	// deleted (DeleteItem) was returned into a returns compartment. No
	// checkin was sent (the ILS no longer has the temporary item); staff
	// send the item back to the lender. It clears when that compartment
	// is emptied.
	AlertILLDeletedReturned = "ill_deleted_returned"
)

// Alert is something staff must look at.
type Alert struct {
	ID          int64
	Kind        string
	Bank        string
	Compartment lockers.CompartmentID // empty for bank-wide alerts
	Message     string
	RaisedAt    time.Time
	ClearedAt   time.Time // zero while active
	AckedBy     string
	AckedAt     time.Time
}

// Active reports whether the alert has not cleared.
func (a Alert) Active() bool { return a.ClearedAt.IsZero() }

// AuditEvent is one line of the audit log: who did what, where and when.
type AuditEvent struct {
	ID          int64
	At          time.Time
	Actor       string // "patron:<hash>", "staff:<token name>", "system", "ils"
	Action      string // "load", "pickup", "door_closed", "checkout_done", ...
	Bank        string
	Compartment lockers.CompartmentID
	Reservation string
	Item        string
	Detail      string // free text; never a secret
}
