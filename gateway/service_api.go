package gateway

// THIS FILE IS SCAFFOLDING: it fixes the Service's method set so that the
// REST API and the commands can be written against it while the workflows
// are built. Each method moves to its workflow file (pickup.go, returns.go,
// equipment.go, outbox.go, ...) and this file is deleted.

import (
	"context"
	"errors"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

var errScaffold = errors.New("not built yet")

// Service runs the workflows.
type Service struct{ cfg Config }

// New checks the configuration and returns a Service; Start runs it.
func New(cfg Config) (*Service, error) { return nil, errScaffold }

// Start syncs banks, compartments and equipment from the configuration into
// the store, reconciles what a crash left half done (doors in loading or
// unloading, outbox entries in sent), and starts the door watchers, the
// outbox sender and the expiry timer. They run until Shutdown.
func (s *Service) Start(ctx context.Context) error { return errScaffold }

// Shutdown stops the background work, waiting for in-flight sends until ctx
// is done.
func (s *Service) Shutdown(ctx context.Context) error { return errScaffold }

// Load checks an item in at the bank, reads its hold and opens a
// compartment for it. ENOTFOUND for an unknown bank; ECONFLICT when the item
// has no hold for this bank's location (Screen says what the ILS said);
// ENOSPACE when nothing fits; EUNAVAILABLE when the ILS cannot be reached;
// EDOOR when no compartment would open.
func (s *Service) Load(ctx context.Context, req LoadRequest) (*LoadResult, error) {
	return nil, errScaffold
}

// Pickup identifies a patron and opens every compartment holding their
// ready items at the bank, checking the items out through the outbox.
// EUNAUTHORIZED for a wrong card, PIN or code; ELOCKED after too many
// failures; EFORBIDDEN for a blocked patron; ENOTFOUND when nothing waits.
func (s *Service) Pickup(ctx context.Context, req PickupRequest) (*PickupResult, error) {
	return nil, errScaffold
}

// Return opens an empty returns compartment (or an equipment item's home)
// for a returned item. ENOSPACE when no returns compartment is empty.
func (s *Service) Return(ctx context.Context, req ReturnRequest) (*ReturnResult, error) {
	return nil, errScaffold
}

// EmptyReturns opens a returns compartment for staff to empty it; its door
// closing frees it.
func (s *Service) EmptyReturns(ctx context.Context, bank string, id lockers.CompartmentID, actor string) error {
	return errScaffold
}

// Equipment lists the equipment of a bank.
func (s *Service) Equipment(ctx context.Context, bank string) ([]Equipment, error) {
	return nil, errScaffold
}

// Lend checks an equipment item out to a patron and opens its compartment.
func (s *Service) Lend(ctx context.Context, req LendRequest) (*LendResult, error) {
	return nil, errScaffold
}

// Reservations lists reservations.
func (s *Service) Reservations(ctx context.Context, f ReservationFilter) ([]Reservation, error) {
	return nil, errScaffold
}

// Reservation returns one reservation.
func (s *Service) Reservation(ctx context.Context, id string) (*Reservation, error) {
	return nil, errScaffold
}

// Expire expires one ready reservation now (staff action).
func (s *Service) Expire(ctx context.Context, id, actor string) error { return errScaffold }

// ExpireDue expires every ready reservation past its expiry and returns how
// many; the expiry timer calls it.
func (s *Service) ExpireDue(ctx context.Context) (int, error) { return 0, errScaffold }

// ClearList lists the expired reservations staff must clear at a bank ("" for all).
func (s *Service) ClearList(ctx context.Context, bank string) ([]Reservation, error) {
	return nil, errScaffold
}

// Clear opens an expired reservation's compartments for staff and checks
// its items back in through the outbox.
func (s *Service) Clear(ctx context.Context, id, actor string) ([]lockers.CompartmentID, error) {
	return nil, errScaffold
}

// Banks lists the banks with their compartments and health.
func (s *Service) Banks(ctx context.Context) ([]BankState, error) { return nil, errScaffold }

// SetInService takes a compartment out of service (in=false, with a reason)
// or puts it back.
func (s *Service) SetInService(ctx context.Context, bank string, id lockers.CompartmentID, in bool, reason, actor string) error {
	return errScaffold
}

// Alerts lists alerts.
func (s *Service) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	return nil, errScaffold
}

// AckAlert records that staff saw an alert.
func (s *Service) AckAlert(ctx context.Context, id int64, actor string) error { return errScaffold }

// Outbox lists outbox entries (payloads stripped of secrets).
func (s *Service) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxEntry, error) {
	return nil, errScaffold
}

// OutboxDepth counts unfinished outbox entries by state.
func (s *Service) OutboxDepth(ctx context.Context) (map[OutboxState]int, error) {
	return nil, errScaffold
}

// RetryOutbox puts a failed entry back to pending.
func (s *Service) RetryOutbox(ctx context.Context, id int64, actor string) error { return errScaffold }

// Flush delivers every outbox entry that is due now and returns when none is
// left that can be delivered (the demo and tests use it instead of waiting).
func (s *Service) Flush(ctx context.Context) error { return errScaffold }

// Subscribe returns a channel of events until cancel is called. A
// subscriber that does not keep up loses events (counted in the logs);
// it never slows the workflows.
func (s *Service) Subscribe(buffer int) (events <-chan Event, cancel func()) { return nil, func() {} }

// AuditLog lists audit events.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	return nil, errScaffold
}

// Ready reports whether the database and every ILS answer.
func (s *Service) Ready(ctx context.Context) error { return errScaffold }

// Now is the service's clock.
func (s *Service) Now() time.Time { return time.Now() }
