package gateway

import (
	"context"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Store keeps the gateway's state. gateway/sqlstore implements it over
// SQLite (embedded default) and PostgreSQL (production, several gateway
// processes sharing one database).
//
// Every change happens inside Tx, so that a state change and the outbox
// intent it causes are written together or not at all.
type Store interface {
	// Tx runs fn in one read-write transaction and commits it if fn
	// returns nil. When the database reports a serialization failure or a
	// busy lock, Tx runs fn again (fn must not have side effects outside
	// the transaction, nor call Tx itself). The Tx must not be used after
	// fn returns, and fn must not wait on anything outside the database:
	// PostgreSQL ends a session idle in a transaction for a minute
	// (sqlstore sets idle_in_transaction_session_timeout). Errors: fn's own, as returned; EUNAVAILABLE when ctx
	// ends or the database is busy for too long; EINTERNAL when the
	// database fails.
	Tx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction. Errors as for Tx.
	View(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers (for /readyz): EUNAVAILABLE
	// when ctx ends first, EINTERNAL when it fails.
	Ping(ctx context.Context) error
	// Close closes the database; EINTERNAL if the driver fails to.
	Close() error
}

// Tx is one database transaction. Methods return *Error values: ENOTFOUND
// when the object does not exist, ECONFLICT when a condition on its state
// or a uniqueness rule fails, EINVALID for a malformed argument (a missing
// id or state), EUNAVAILABLE when the transaction's context ends, and
// EINTERNAL for database failures; each method names the codes it returns
// beyond EINVALID, EUNAVAILABLE and EINTERNAL, which any may.
type Tx interface {
	// PutBank inserts or updates a bank (from configuration). No other code.
	PutBank(b Bank) error
	// Banks lists the banks ordered by ID. No other code.
	Banks() ([]Bank, error)
	// Bank returns one bank. ENOTFOUND if unknown.
	Bank(id string) (*Bank, error)

	// SyncCompartments makes the store's compartments of a bank match its
	// configuration: new ones are inserted (free, or available for
	// equipment), the size and kind of existing ones updated, their state
	// kept. Compartments no longer configured are put out of service with
	// the reason "removed from configuration" unless they hold something.
	// ENOTFOUND if the bank is unknown.
	SyncCompartments(bank string, cs []Compartment) error
	// Compartments lists compartments matching the filter, ordered by bank
	// then by SizeRank then by ID (natural order: "2" before "10"). No
	// other code.
	Compartments(f CompartmentFilter) ([]Compartment, error)
	// Compartment returns one compartment. ENOTFOUND if unknown.
	Compartment(bank string, id lockers.CompartmentID) (*Compartment, error)
	// AssignCompartment atomically takes the smallest free compartment of
	// the bank with the given kind and at least the given size rank,
	// marks it reserved with the holder, and returns it. A database
	// constraint makes it impossible for two transactions (or two gateway
	// processes) to assign one compartment twice. ENOSPACE if none is
	// free. Exclude lists compartments not to take (ones that just failed).
	AssignCompartment(req AssignRequest) (*Compartment, error)
	// MoveCompartment changes a compartment's state if its current state
	// is one of from (any state if from is empty), and sets its holder
	// (holder nil: unchanged; pointing to "": cleared) and reason.
	// ECONFLICT if the state is not one of from.
	MoveCompartment(bank string, id lockers.CompartmentID, from []CompartmentState, to CompartmentState, holder *string, reason string) (*Compartment, error)
	// ConfirmOpened records that the driver confirmed the door of a
	// compartment open while the compartment is in state (loading or
	// unloading): the proof start-up needs before it takes a closed door
	// for "opened and closed again". It records nothing and returns false
	// when the compartment is in another state (its close transition ran
	// first). A repeated confirmation keeps the first time. Any later
	// change of the compartment's state voids the record. ENOTFOUND if the
	// compartment is unknown.
	ConfirmOpened(bank string, id lockers.CompartmentID, state CompartmentState) (bool, error)
	// OpenedDoors returns the compartments of a bank whose door was
	// confirmed open in their current state, with the time of the
	// confirmation. No other code.
	OpenedDoors(bank string) (map[lockers.CompartmentID]time.Time, error)

	// CreateReservation inserts a reservation and its items. The caller
	// sets the ID (random). ECONFLICT if an item is already in another
	// active reservation.
	CreateReservation(r *Reservation) error
	// Reservation returns one reservation with its items. ENOTFOUND if unknown.
	Reservation(id string) (*Reservation, error)
	// Reservations lists reservations (with items) matching the filter,
	// ordered by CreatedAt then ID. No other code.
	Reservations(f ReservationFilter) ([]Reservation, error)
	// UpdateReservation writes r's State, CodeHash, PatronName, ReadyAt,
	// ExpiresAt, CollectedAt and ClearedAt, if the stored state is one of
	// from (any if empty). ECONFLICT otherwise, or if CodeHash is already
	// used by another active reservation at the bank.
	UpdateReservation(r *Reservation, from ...ReservationState) error
	// ReservationByCode returns the ready reservation at the bank whose
	// CodeHash matches. ENOTFOUND if none.
	ReservationByCode(bank, codeHash string) (*Reservation, error)
	// ActiveReservationForItem returns the active reservation that holds
	// the item. ENOTFOUND if none.
	ActiveReservationForItem(item string) (*Reservation, error)
	// AddReservationItem adds an item to an existing reservation.
	// ECONFLICT if the item is in another active reservation.
	AddReservationItem(it ReservationItem) error
	// UpdateReservationItem writes an item's Compartment, State,
	// CheckedOut and LoadedAt. ENOTFOUND if the pair is unknown.
	UpdateReservationItem(it ReservationItem) error

	// CreateReturn inserts a return (the caller sets the ID). ECONFLICT if
	// the ID exists.
	CreateReturn(r *Return) error
	// Return returns one return. ENOTFOUND if unknown.
	Return(id string) (*Return, error)
	// Returns lists returns matching the filter, ordered by CreatedAt. No
	// other code.
	Returns(f ReturnFilter) ([]Return, error)
	// UpdateReturn writes r's State, Patron, DepositedAt and EmptiedAt if
	// the stored state is one of from (any if empty). ECONFLICT otherwise.
	UpdateReturn(r *Return, from ...ReturnState) error

	// PutEquipment inserts an equipment item or updates its bank, home,
	// type and title (from configuration), keeping its state. No other
	// code.
	PutEquipment(e Equipment) error
	// Equipment returns one equipment item. ENOTFOUND if unknown.
	Equipment(item string) (*Equipment, error)
	// EquipmentList lists equipment of a bank ("" for all), of a type (""
	// for all), ordered by type then item. No other code.
	EquipmentList(bank, typ string) ([]Equipment, error)
	// UpdateEquipment writes e's Compartment, State and Patron if the
	// stored state is one of from (any if empty). ECONFLICT otherwise.
	UpdateEquipment(e *Equipment, from ...EquipmentState) error

	// Enqueue records an outbox entry (State pending, NextAttemptAt now
	// if zero) and sets its ID. An entry whose Key exists already is not
	// inserted again: e is filled from the stored one and no error is
	// returned. No other code.
	Enqueue(e *OutboxEntry) error
	// ClaimOutbox leases up to limit entries that are due (pending with
	// NextAttemptAt <= now, or sent) and whose lease is free or expired,
	// taking only the oldest unfinished entry of each topic (pending, sent
	// or failed block their topic), in ID order. The lease (ClaimedBy,
	// ClaimedUntil = now+lease) is written before returning. On
	// PostgreSQL, rows are claimed with FOR UPDATE SKIP LOCKED so that
	// several nodes share the work. No other code.
	ClaimOutbox(owner string, now time.Time, lease time.Duration, limit int) ([]OutboxEntry, error)
	// OutboxEntry returns one entry and, inside Tx, locks it until the
	// transaction ends, so that a read-modify-write of an entry (marking it
	// sent, recording its answer) cannot lose another node's update.
	// ENOTFOUND if unknown.
	OutboxEntry(id int64) (*OutboxEntry, error)
	// UpdateOutbox writes e's Payload, State, Attempts, NextAttemptAt,
	// LastError, Result, DoneAt, ClaimedBy and ClaimedUntil. ENOTFOUND if
	// unknown.
	UpdateOutbox(e *OutboxEntry) error
	// Outbox lists entries matching the filter, in ID order. No other code.
	Outbox(f OutboxFilter) ([]OutboxEntry, error)
	// OutboxDepth counts entries by state (done entries excluded). No
	// other code.
	OutboxDepth() (map[OutboxState]int, error)

	// RaiseAlert records an alert unless an active alert of the same kind,
	// bank and compartment exists; either way it returns the active one.
	// No other code.
	RaiseAlert(a Alert) (*Alert, error)
	// ClearAlerts clears the active alerts of a kind on a compartment
	// (compartment "" for bank-wide alerts) and returns how many. No other
	// code.
	ClearAlerts(kind, bank string, compartment lockers.CompartmentID, at time.Time) (int, error)
	// Alerts lists alerts matching the filter, newest first. No other code.
	Alerts(f AlertFilter) ([]Alert, error)
	// AckAlert records that staff saw an alert. ENOTFOUND if unknown.
	AckAlert(id int64, by string, at time.Time) error

	// Audit appends an event to the audit log. No other code.
	Audit(e AuditEvent) error
	// AuditLog lists audit events matching the filter, newest first. No
	// other code.
	AuditLog(f AuditFilter) ([]AuditEvent, error)

	// Attempts returns the failed-attempt record for a key ("card:<hash>",
	// "bank:<id>", "code:<bank>"); a zero record if none. Inside Tx it
	// locks the key until the transaction ends, so that concurrent wrong
	// PINs are all counted. No other code.
	Attempts(key string) (Attempts, error)
	// PutAttempts stores a failed-attempt record (a zero Failures deletes
	// it). No other code.
	PutAttempts(a Attempts) error

	// CreateILLRequest inserts an ILL request (CreatedAt and UpdatedAt
	// set to now when zero). ECONFLICT if its ID exists, or if another
	// request that is not Final holds the same item.
	CreateILLRequest(r *ILLRequest) error
	// ILLRequest returns one ILL request. ENOTFOUND if unknown.
	ILLRequest(id string) (*ILLRequest, error)
	// ILLRequestForItem returns the newest request holding the item whose
	// state is not Final. ENOTFOUND if none.
	ILLRequestForItem(item string) (*ILLRequest, error)
	// ILLRequests lists requests matching the filter, ordered by
	// CreatedAt then ID. No other code.
	ILLRequests(f ILLFilter) ([]ILLRequest, error)
	// UpdateILLRequest writes r's State, Bank, Reservation, PatronName,
	// Title, Due, PickupExpires and UpdatedAt (now when zero) if the
	// stored state is one of from (any if empty). ENOTFOUND if unknown;
	// ECONFLICT otherwise.
	UpdateILLRequest(r *ILLRequest, from ...ILLState) error
}

// AssignRequest asks for a free compartment.
type AssignRequest struct {
	Bank        string
	Kind        CompartmentKind
	MinSizeRank int
	Holder      string
	Exclude     []lockers.CompartmentID
}

// CompartmentFilter selects compartments; zero fields match all.
type CompartmentFilter struct {
	Bank   string
	Kind   CompartmentKind
	States []CompartmentState
	Holder string
}

// ReservationFilter selects reservations; zero fields match all.
type ReservationFilter struct {
	Bank          string
	Patron        string
	ILLRequest    string
	States        []ReservationState
	ExpiresBefore time.Time // ExpiresAt before this (and set)
	Limit         int
}

// ReturnFilter selects returns; zero fields match all.
type ReturnFilter struct {
	Bank        string
	Compartment lockers.CompartmentID
	States      []ReturnState
	Limit       int
}

// OutboxFilter selects outbox entries; zero fields match all.
type OutboxFilter struct {
	States []OutboxState
	Topic  string
	Item   string
	Op     string
	Limit  int
}

// AlertFilter selects alerts; zero fields match all.
type AlertFilter struct {
	Bank       string
	ActiveOnly bool
	Limit      int
}

// AuditFilter selects audit events; zero fields match all.
type AuditFilter struct {
	Bank        string
	Item        string
	Reservation string
	Action      string
	Since       time.Time
	Limit       int
}

// Attempts is the failed-attempt record behind PIN and code lockouts.
type Attempts struct {
	Key         string
	Failures    int
	First       time.Time // the first failure of the current window
	LockedUntil time.Time
}
