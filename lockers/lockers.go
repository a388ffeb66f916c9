// Package lockers is the driver layer between the gateway and locker
// hardware: one small Driver interface, optional interfaces for what some
// hardware has (events, lights, charging), typed errors, and a registry that
// opens a driver from a URL-like configuration string.
//
// A bank is one physical locker unit at a site; it has compartments, each
// behind one door. The gateway knows nothing of controller protocols and the
// drivers know nothing of libraries.
//
// Rules every driver keeps (from the failure modes of real installations):
//   - An open counts as confirmed only when a status read or an event shows
//     the lock released or the door open; an acknowledgement alone is not proof.
//   - A relay or lock output is never left energised: all off at start-up and
//     after every pulse.
//   - A command carries an id and is de-duplicated: the same id never pulses a
//     door twice. A command older than its maximum age is refused.
//   - A board that stops answering puts its compartments out of service, while
//     the rest of the bank works on.
//   - Errors are typed (an *Error wrapping ErrJammed, ErrOffline and the
//     other Err variables) so that the gateway can decide to reassign a
//     compartment.
//
// Configuration strings are URL-like and chosen by scheme (see Open). Each
// driver documents its own query options; two more are common to all and
// handled by Open before the driver sees the string:
//
//	watch_poll=500ms     time between the status sweeps from which door
//	                     events are derived (default 1s)
//	watch_leftopen=2m    how long a door may stay open before a left-open
//	                     event (default 2m; off: none)
//
// They apply to drivers whose hardware pushes no events (kerong, modbus),
// which Guard watches by polling; Open refuses them for a driver that
// reports its own events.
//
// The root package depends on the standard library only; each driver lives in
// its own subpackage with the libraries it needs.
package lockers

import (
	"context"
	"time"
)

// CompartmentID names one compartment (one door) within a bank, as the
// bank's configuration and the staff label it ("1", "17", "A03").
type CompartmentID string

// SizeClass is a compartment's size class, used to decide whether items fit.
// The usual classes are S, M, L and XL; sites may use their own.
type SizeClass string

// Dimensions are a compartment's inner dimensions in millimetres.
type Dimensions struct {
	WidthMM, HeightMM, DepthMM int
}

// Features is the set of optional hardware a compartment has.
type Features struct {
	Charging   bool // a power outlet that can be switched (laptop lending)
	ItemSensor bool // an item-presence sensor (IR or weight)
	Light      bool // a light that can be switched (guides the patron)
}

// Compartment describes one compartment of a bank.
type Compartment struct {
	ID         CompartmentID
	Size       SizeClass
	Dimensions *Dimensions // nil when unknown
	Features   Features
}

// LockState is what a lock sensor (or the controller's bookkeeping) reports.
type LockState int

// Lock states.
const (
	LockUnknown  LockState = iota // no sensor, or not read
	LockLatched                   // locked: the door cannot be opened
	LockReleased                  // unlocked: the door can be pulled open
)

// DoorState is what a door-position sensor reports.
type DoorState int

// Door states.
const (
	DoorUnknown DoorState = iota // no door sensor, or not read
	DoorClosed
	DoorOpen
)

// Presence is what an item-presence sensor reports.
type Presence int

// Presence values.
const (
	PresenceUnknown  Presence = iota // no sensor, or not read
	PresenceEmpty                    // the sensor sees nothing
	PresenceOccupied                 // the sensor sees an item
)

// Status is the state of one compartment at one moment.
type Status struct {
	Compartment CompartmentID
	Lock        LockState
	Door        DoorState
	Item        Presence
	// Fault is nil when the compartment works; otherwise an error matching
	// one of the package's sentinel errors (ErrOffline for a board that does
	// not answer, ErrJammed for a lock that failed), so callers can take the
	// compartment out of service with errors.Is.
	Fault error
	// At is when the hardware was read (the driver's clock).
	At time.Time
}

// Command is one request to open a compartment.
type Command struct {
	// ID identifies the command for de-duplication: a driver that has
	// already carried out a command with this ID does not pulse the door
	// again but reports the earlier outcome. Required.
	ID string
	// Compartment is the compartment to open.
	Compartment CompartmentID
	// Issued is when the command was created. Required.
	Issued time.Time
	// MaxAge is how long after Issued the command may still be carried out;
	// an older command is refused with ErrStale, because a door that opens
	// minutes after the patron left is a theft risk. If zero, DefaultMaxAge.
	MaxAge time.Duration
}

// DefaultMaxAge is the maximum age of a Command whose MaxAge is zero.
const DefaultMaxAge = 30 * time.Second

// OpenResult is what the hardware confirmed about an open.
type OpenResult struct {
	// Status is the compartment's state as read after the open.
	Status Status
	// Duplicate is true when the command's ID had been carried out before
	// and this result is the earlier one, replayed without pulsing the door.
	Duplicate bool
}

// Health is the state of a bank's controllers.
type Health struct {
	// Online is true when the driver can reach the bank at all.
	Online bool
	// Boards lists each controller board (or the single controller) with its
	// own reachability; compartments behind an offline board are out of
	// service while the rest of the bank works.
	Boards []BoardHealth
	// Detail is a human-readable summary for technicians.
	Detail string
}

// BoardHealth is the reachability of one controller board.
type BoardHealth struct {
	Board        string // the board's address or name
	Online       bool
	Compartments []CompartmentID // the compartments it controls
	LastSeen     time.Time       // last successful exchange; zero if never
	Err          error           // the last error, when offline
}

// Driver controls one locker bank. Implementations must be safe for
// concurrent use; commands to different compartments may run concurrently.
type Driver interface {
	// Compartments lists the bank's compartments.
	Compartments(ctx context.Context) ([]Compartment, error)

	// Open releases the lock of cmd.Compartment and returns once the
	// hardware has confirmed it (a status read or an event showing the lock
	// released or the door open). It returns ErrUnknownCompartment,
	// ErrJammed (the lock did not release), ErrOffline (the board does not
	// answer), ErrNotConfirmed (acknowledged but never seen open) or a
	// context error, each wrapped in an *Error; through Guard (so from
	// Open) also ErrInvalidCommand and ErrStale.
	Open(ctx context.Context, cmd Command) (OpenResult, error)

	// Status reads one compartment. It returns ErrUnknownCompartment for an
	// id the bank does not have.
	Status(ctx context.Context, id CompartmentID) (Status, error)

	// StatusAll reads every compartment, in the order of Compartments. A
	// board that does not answer does not fail the sweep: its compartments
	// come back with Fault set to ErrOffline.
	StatusAll(ctx context.Context) ([]Status, error)

	// Health reports the reachability of the bank's controllers.
	Health(ctx context.Context) (Health, error)

	// Close releases the driver's resources (ports, connections). It is
	// safe to call more than once.
	Close() error
}

// EventType is what happened to a door.
type EventType int

// Event types.
const (
	EventDoorOpened   EventType = iota + 1 // the door opened after a command
	EventDoorClosed                        // the door closed
	EventDoorForced                        // the door opened with no command: tamper
	EventDoorLeftOpen                      // the door stayed open longer than the driver's limit
	EventBoardOffline                      // a board stopped answering
	EventBoardOnline                       // a board answers again
	EventItemChanged                       // the item sensor changed
)

// Event is something the hardware reported without being asked.
type Event struct {
	Type        EventType
	Compartment CompartmentID // empty for board events
	Board       string        // for board events
	Status      Status        // the compartment's state after the event, when known
	At          time.Time
}

// Watcher is an optional interface that may be implemented by a Driver
// whose hardware pushes events (or that polls on the caller's behalf).
// Guard, and so Open, makes every driver a Watcher: a driver that is not
// one gets events derived from StatusAll sweeps (see PollWatcher).
type Watcher interface {
	// Watch delivers events until ctx is done, then closes the channel.
	Watch(ctx context.Context) (<-chan Event, error)
}

// Lighter is an optional interface for compartments with a switchable light.
type Lighter interface {
	SetLight(ctx context.Context, id CompartmentID, on bool) error
}

// Charger is an optional interface for compartments with a switchable power
// outlet, used for lent laptops and cameras.
type Charger interface {
	SetCharging(ctx context.Context, id CompartmentID, on bool) error
}
