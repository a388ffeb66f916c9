package gateway

import (
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// Policy values for Site.CheckoutAt.
const (
	CheckoutAtPickup = "pickup" // default: the loan starts when the patron collects
	CheckoutAtLoad   = "load"   // the loan starts when staff load the locker
)

// Site is one library location with its locker banks and policies.
type Site struct {
	ID string
	// ILS names the entry of Config.ILS this site talks to.
	ILS string
	// CheckoutAt is CheckoutAtPickup (default) or CheckoutAtLoad.
	CheckoutAt string
	// PickupPeriod is how long a loaded reservation waits for its patron
	// before it expires (default 7 days).
	PickupPeriod time.Duration
	// Language is the default language of notifications ("en").
	Language string
	// Capacity is how many items a compartment of each size class may hold
	// for one patron (default 3 for every class).
	Capacity map[lockers.SizeClass]int
	// CodeLength is the number of digits of pickup codes (default 6, at
	// least 6).
	CodeLength int
	// MaxFailures failed PIN or code attempts within FailureWindow lock
	// the card (or the bank's code entry) for Lockout (defaults 5, 15m, 15m).
	MaxFailures   int
	FailureWindow time.Duration
	Lockout       time.Duration
	// BankMaxFailures is the threshold of the bank-wide counter, which
	// counts every failed PIN and code at a bank (default 3×MaxFailures).
	// It is higher than the per-card limit because it is shared: a few
	// patrons mistyping must not lock everyone out, while a stranger
	// guessing codes at the bank still is.
	BankMaxFailures int
	Banks           []BankConfig
}

// BankConfig is one bank as configured.
type BankConfig struct {
	ID       string
	Name     string
	Location string // the ILS location code of the bank (hold pickup location, SIP2 AP)
	// Driver is the bank's driver, opened by the caller (cmd/lockergate)
	// from its configuration string.
	Driver lockers.Driver
	// Returns lists the compartments reserved for returns.
	Returns []lockers.CompartmentID
	// Equipment lists the lendable items and their home compartments.
	Equipment []EquipmentConfig
	// SizeRanks ranks the bank's size classes (default S=1, M=2, L=3, XL=4).
	SizeRanks map[lockers.SizeClass]int
}

// EquipmentConfig is one lendable item in its home compartment.
type EquipmentConfig struct {
	Item        string
	Compartment lockers.CompartmentID
	Type        string
	Title       string
}

// Config is what New needs.
type Config struct {
	Store Store
	// ILS holds the library systems by name (Site.ILS).
	ILS      map[string]ILS
	Notifier Notifier // nil: notifications are recorded as done without delivery
	Sites    []Site
	// Secret keys the hash of pickup codes and of card numbers in logs;
	// at least 32 bytes. Keep it stable: changing it invalidates codes.
	Secret []byte
	// Node names this process in outbox leases (default: host name + pid).
	Node string
	Log  *logrus.Logger // nil: a logger that discards
	Now  func() time.Time
	// DoorTimeout is how long a door may stay open for loading or pickup
	// before it counts as left open (default 2 minutes).
	DoorTimeout time.Duration
	// OutboxInterval is how often the outbox sender looks for due entries
	// (default 1s); Backoff the first retry delay, doubling up to
	// MaxBackoff (defaults 2s and 5m); GiveUpAfter how long an entry is
	// retried before it fails and alerts staff (default 7 days).
	OutboxInterval time.Duration
	Backoff        time.Duration
	MaxBackoff     time.Duration
	GiveUpAfter    time.Duration
	// ExpiryInterval is how often due reservations are expired (default 1m).
	ExpiryInterval time.Duration
	// InlineWait is how long a pickup waits for its checkouts to be
	// confirmed before answering "queued" (default 3s).
	InlineWait time.Duration
	// ILSTimeout bounds one ILS call made by the workflows or the outbox
	// (default 20s). A load or a loan waits this long for the ILS.
	ILSTimeout time.Duration
	// OutboxLease is how long a node holds an outbox entry it is
	// delivering (default 2m, at least 2×ILSTimeout): another node takes
	// the entry over only when the lease has run out, so a node that died
	// mid-send delays that entry by at most this long.
	OutboxLease time.Duration
	// SweepInterval is how often every bank's doors are read to catch a
	// missed door event (default 30s).
	SweepInterval time.Duration
	// DoorOpenTimeout bounds one door command (default 10s).
	DoorOpenTimeout time.Duration
}

// Event is something that happened, published to subscribers (the SSE
// stream, metrics, the demo's timeline). It never holds a secret.
type Event struct {
	Type        string // "load", "loaded", "pickup", "collected", "expired", "cleared", "return", "returned", "lent", "equipment_returned", "door", "alert", "alert_cleared", "outbox", "out_of_service", and for interlibrary loans "ill_accepted", "ill_arrived", "ill_cancelled", "ill_withdrawn", "ill_deleted", "ill_returned" (Message names the request)
	At          time.Time
	Site        string
	Bank        string
	Compartment lockers.CompartmentID
	Reservation string
	Item        string
	// Patron is a keyed hash of the patron id, never the id itself.
	Patron string
	// Duration is set on "pickup": from the patron's request to the doors
	// open, and on "outbox": the ILS round trip.
	Duration time.Duration
	// Outcome: "ok", "queued", "failed", "refused", a door fault, an
	// outbox op's result.
	Outcome string
	Message string
}

// LoadRequest asks to load an item into a locker (staff scan at a bank).
type LoadRequest struct {
	Bank  string
	Item  string
	Size  lockers.SizeClass // optional: staff name a size; otherwise the smallest free
	Actor string            // who: "staff:<name>"
}

// LoadResult says where the item goes.
type LoadResult struct {
	Reservation string
	Patron      string // the hold patron's id (staff see it on the screen)
	PatronName  string
	Compartment lockers.CompartmentID
	Size        lockers.SizeClass
	Title       string
	// Shared is true when the item joined a compartment already holding
	// this patron's items.
	Shared bool
	// Reassigned lists compartments that failed to open on the way.
	Reassigned []lockers.CompartmentID
	Screen     string // the ILS's screen message
	// ILLRequest is the interlibrary-loan request the item was recognised
	// as (no ILS checkin was made for it); empty for holds.
	ILLRequest string
}

// PickupRequest identifies a patron at a bank: card and PIN, or a code.
type PickupRequest struct {
	Bank   string
	Patron string // card number
	PIN    string
	Code   string // pickup code, instead of card and PIN
}

// PickupResult says which doors opened.
type PickupResult struct {
	Reservations []string
	Compartments []lockers.CompartmentID
	Items        []PickedItem
	// Failed lists compartments whose doors did not open (staff alerted).
	Failed []lockers.CompartmentID
}

// PickedItem is one collected item and its checkout.
type PickedItem struct {
	Item        string
	Title       string
	Compartment lockers.CompartmentID
	// Checkout is "done" (confirmed by the ILS), "queued" (the ILS is
	// down: it will be replayed), "at_load" (checked out at load), or
	// "none" (an interlibrary loan the ILS does not hold: no checkout is
	// sent; Due is the lender's).
	Checkout string
	// Due is the ILS's due date once the checkout is done; for an
	// interlibrary loan, the lender's until then (zero if not given).
	Due time.Time
}

// ReturnRequest is a patron returning an item at a bank.
type ReturnRequest struct {
	Bank   string
	Item   string
	Patron string // optional
}

// ReturnResult says which door opened.
type ReturnResult struct {
	Return      string // the return id (equipment returns: empty)
	Compartment lockers.CompartmentID
	Equipment   bool // the item went back to its equipment home
}

// LendRequest is a patron borrowing an equipment item.
type LendRequest struct {
	Bank   string
	Patron string
	PIN    string
	Item   string // a specific item, or
	Type   string // any available item of this type
}

// LendResult says what was lent and which door opened.
type LendResult struct {
	Item        string
	Title       string
	Compartment lockers.CompartmentID
	Due         time.Time
	Reassigned  []lockers.CompartmentID
}

// BankState is a bank with its compartments and health, for staff screens.
type BankState struct {
	Bank         Bank
	Online       bool
	Compartments []Compartment
	Counts       map[CompartmentState]int
}
