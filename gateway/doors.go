package gateway

// doors.go: door commands, the bank watchers, door-closed transitions,
// door faults and alerts.
//
// A workflow writes the compartment's next state (loading, unloading)
// before it sends the door command, so that a crash between the two leaves
// a state that start-up can read (write-ahead). Then:
//
//	open confirmed ─► recorded (Tx.ConfirmOpened) ─► wait for the door to close (event, or the sweep)
//	open failed    ─► out_of_service with the reason + AlertDoorFailed; the workflow reassigns
//
// The record is what lets the sweep tell "opened and closed again" from
// "never opened" (a crash before or during the command): both read closed.
// The second is not a close: see interrupted.go.
//
// Door closed, by compartment kind and state:
//
//	pickup    loading   ─► occupied; its items loaded; the reservation ready when nothing is loading
//	pickup    unloading ─► free (patron collected, or staff cleared)
//	return    loading   ─► return_pending; the return deposited; checkin queued
//	return    unloading ─► free; its returns emptied
//	equipment unloading ─► on_loan (the patron took it)
//	equipment loading   ─► available; checkin queued
//
// Door events: forced ─► AlertDoorForced; left open ─► AlertDoorLeftOpen;
// both clear when the door closes. Board offline ─► AlertBoardOffline and
// its compartments excluded from new assignments (their stored state, and
// what is inside, is kept); board online ─► cleared.
//
// The sweep reads every bank's doors every SweepInterval to catch an event
// the watcher missed: a compartment in loading or unloading whose opening
// was confirmed and whose door reads closed on two sweeps in a row, its
// stored state unchanged in between, gets its close transition (two
// readings, because a reading may predate the opening). At start-up one
// reading is enough for a compartment untouched for longer than
// DoorOpenTimeout: nothing of this process is in flight, and no other
// process is still opening it. A door read open in loading or unloading is
// itself proof of the opening: the sweep records it. A closed door whose
// opening was never confirmed is left alone until its state is older than
// two door commands, then handed to interrupted.go (at start-up on one
// reading, later on two).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// openDoor sends one door command for a compartment written in state
// (loading or unloading) and records the driver's confirmation of the
// opening. While it runs, the sweep leaves the compartment alone.
func (s *Service) openDoor(ctx context.Context, b *bankRT, id lockers.CompartmentID, cmdID string, state CompartmentState) error {
	b.mu.Lock()
	b.opening[id]++
	delete(b.seen, id)
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		if b.opening[id]--; b.opening[id] <= 0 {
			delete(b.opening, id)
		}
		b.mu.Unlock()
	}()
	cctx, cancel := context.WithTimeout(ctx, s.cfg.DoorOpenTimeout)
	defer cancel()
	doorHook(hookBeforeOpen, b.cfg.ID, id)
	// Issued is real time: the driver judges a command's age by its own
	// clock, and the command is issued now whatever the service clock says.
	_, err := b.driver.Open(cctx, lockers.Command{ID: cmdID, Compartment: id, Issued: time.Now()})
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": id, "command": cmdID})
	if err != nil {
		log.WithError(err).Warn("door did not open")
		return err
	}
	log.Debug("door opened")
	doorHook(hookOpenedUnrecorded, b.cfg.ID, id)
	s.confirmOpened(ctx, b, id, state)
	doorHook(hookOpened, b.cfg.ID, id)
	return nil
}

// confirmOpened records that a door opened in state. A failure is logged,
// not returned: the door is open whatever the database says. Without the
// record the close event still completes the workflow; only if that event
// is lost too does the sweep hand the compartment to staff.
func (s *Service) confirmOpened(ctx context.Context, b *bankRT, id lockers.CompartmentID, state CompartmentState) {
	var ok bool
	err := s.store.Tx(ctx, func(tx Tx) error {
		var err error
		ok, err = tx.ConfirmOpened(b.cfg.ID, id, state)
		return err
	})
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": id, "state": state})
	switch {
	case err != nil:
		log.WithError(err).Error("door opened, but its opening could not be recorded")
	case !ok:
		// Closed and transitioned already (a quick hand), or staff moved it.
		log.Debug("door opened; the compartment has moved on already")
	}
}

// Points of a door command where tests stop a "process" (doorHook).
const (
	hookBeforeOpen       = "before_open"       // the next state is written, the command not sent
	hookOpenedUnrecorded = "opened_unrecorded" // the driver confirmed the opening, not yet recorded
	hookOpened           = "opened"            // the opening is confirmed and recorded
)

// hookDoor, when set (by tests), runs at the points above.
var hookDoor atomic.Pointer[func(point, bank string, id lockers.CompartmentID)]

func doorHook(point, bank string, id lockers.CompartmentID) {
	if h := hookDoor.Load(); h != nil {
		(*h)(point, bank, id)
	}
}

// markDoorFailed takes a compartment out of service after its door failed,
// raises AlertDoorFailed and audits it, inside tx. clearHolder empties the
// compartment's holder (nothing of the holder is inside).
func (s *Service) markDoorFailed(tx Tx, b *bankRT, id lockers.CompartmentID, openErr error, clearHolder bool, actor string) (*Alert, error) {
	reason := "door failed to open: " + doorFault(openErr)
	var holder *string
	if clearHolder {
		empty := ""
		holder = &empty
	}
	if _, err := tx.MoveCompartment(b.cfg.ID, id, nil, CompOutOfService, holder, reason); err != nil {
		return nil, err
	}
	a, err := tx.RaiseAlert(Alert{Kind: AlertDoorFailed, Bank: b.cfg.ID, Compartment: id, RaisedAt: s.now(),
		Message: fmt.Sprintf("compartment %s: %s; taken out of service", id, reason)})
	if err != nil {
		return nil, err
	}
	if err := s.audit(tx, AuditEvent{Actor: actorOr(actor), Action: "door_failed", Bank: b.cfg.ID, Compartment: id, Detail: reason}); err != nil {
		return nil, err
	}
	return a, nil
}

// doorFailedEvents are the events of a door failure.
func (s *Service) doorFailedEvents(b *bankRT, id lockers.CompartmentID, a *Alert) []Event {
	evs := []Event{{Type: "out_of_service", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: "door_failed"}}
	if a != nil {
		evs = append(evs, Event{Type: "alert", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: a.Kind, Message: a.Message})
	}
	return evs
}

// doorClosed applies the close transition of a compartment (see the file
// comment). It is idempotent: a second close of the same door finds the
// compartment in its next state and does nothing.
func (s *Service) doorClosed(ctx context.Context, b *bankRT, id lockers.CompartmentID, source string) error {
	var evs []Event
	err := s.txDrawingCode(ctx, func(tx Tx) error {
		evs = nil
		return s.closeTx(tx, b, id, source, &evs)
	})
	if isCode(err, ECONFLICT) && !errors.Is(err, errCodeTaken) {
		// Another process (or the sweep) applied it first: the state
		// guard did its job.
		s.log.WithError(err).WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": id}).Debug("door closed: already applied")
		return nil
	}
	if err != nil {
		s.log.WithError(err).WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": id}).Error("door closed: transition failed")
		return err
	}
	s.emit(evs...)
	s.wake()
	return nil
}

// errCodeTaken: a fresh pickup code collided with an active one; the
// transaction runs again with a new code (txDrawingCode).
var errCodeTaken = errors.New("pickup code already in use at the bank")

// txDrawingCode runs a store transaction that may make a reservation ready
// (makeReady draws a pickup code), again while the code drawn collides.
func (s *Service) txDrawingCode(ctx context.Context, fn func(tx Tx) error) error {
	var err error
	for try := 0; try < 5; try++ {
		if err = s.store.Tx(ctx, fn); !errors.Is(err, errCodeTaken) {
			break
		}
	}
	return err
}

func (s *Service) closeTx(tx Tx, b *bankRT, id lockers.CompartmentID, source string, evs *[]Event) error {
	now := s.now()
	c, err := tx.Compartment(b.cfg.ID, id)
	if isCode(err, ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	kinds := []string{AlertDoorForced, AlertDoorLeftOpen}
	if c.Kind == KindPickup && c.State == CompLoading || c.Kind == KindReturn && c.State == CompUnloading {
		// The reload of an interrupted load, or the emptying done again,
		// ends what the interruption left for staff. (A patron's pickup
		// from a compartment whose load was interrupted does not: what
		// was inside is still for staff to find out.)
		kinds = append(kinds, AlertDoorUnconfirmed)
	}
	for _, kind := range kinds {
		n, err := tx.ClearAlerts(kind, b.cfg.ID, id, now)
		if err != nil {
			return err
		}
		if n > 0 {
			*evs = append(*evs, Event{Type: "alert_cleared", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: kind})
		}
	}
	switch {
	case c.State == CompLoading && c.Kind == KindPickup:
		return s.closeLoad(tx, b, c, evs)
	case c.State == CompLoading && c.Kind == KindReturn:
		return s.closeReturnDeposit(tx, b, c, evs)
	case c.State == CompLoading && c.Kind == KindEquipment:
		return s.closeEquipmentReturn(tx, b, c, evs)
	case c.State == CompUnloading && c.Kind == KindEquipment:
		return s.closeEquipmentLent(tx, b, c, evs)
	case c.State == CompUnloading && c.Kind == KindReturn:
		return s.closeReturnsEmptied(tx, b, c, evs)
	case c.State == CompUnloading:
		empty := ""
		if _, err := tx.MoveCompartment(b.cfg.ID, id, []CompartmentState{CompUnloading}, CompFree, &empty, ""); err != nil {
			return err
		}
		*evs = append(*evs, Event{Type: "collected", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Reservation: c.Holder, Outcome: "free"})
		return s.audit(tx, AuditEvent{Actor: "system", Action: "door_closed", Bank: b.cfg.ID, Compartment: id, Reservation: c.Holder, Detail: "emptied; compartment free (" + source + ")"})
	}
	*evs = append(*evs, Event{Type: "door", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: "closed"})
	return nil
}

// subscribe starts watching a bank's events; Start calls it before it
// returns, so that no door event after Start is missed.
func (s *Service) subscribe(ctx context.Context, b *bankRT) (<-chan lockers.Event, error) {
	w, ok := b.driver.(lockers.Watcher)
	if !ok {
		return nil, lockers.ErrUnsupported
	}
	return w.Watch(ctx)
}

// watchBank turns the bank's door events into transitions and alerts until
// ctx ends, re-subscribing when the driver's stream ends. ch is the first
// subscription (nil: subscribe here).
func (s *Service) watchBank(ctx context.Context, b *bankRT, ch <-chan lockers.Event) {
	for ctx.Err() == nil {
		var err error
		if ch == nil {
			ch, err = s.subscribe(ctx, b)
		}
		switch {
		case errors.Is(err, lockers.ErrClosed), errors.Is(err, lockers.ErrUnsupported):
			s.log.WithError(err).WithField("bank", b.cfg.ID).Warn("no door events from the bank; relying on the sweep")
			return
		case err != nil:
			s.log.WithError(err).WithField("bank", b.cfg.ID).Warn("cannot watch the bank; retrying")
		default:
			for ev := range ch {
				s.handleEvent(ctx, b, ev)
			}
		}
		ch = nil
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// handleEvent reacts to one door or board event.
func (s *Service) handleEvent(ctx context.Context, b *bankRT, ev lockers.Event) {
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": ev.Compartment, "event": ev.Type.String()})
	log.Debug("door event")
	switch ev.Type {
	case lockers.EventDoorOpened:
		s.emit(Event{Type: "door", Site: b.site.ID, Bank: b.cfg.ID, Compartment: ev.Compartment, Outcome: "opened"})
	case lockers.EventDoorClosed:
		_ = s.doorClosed(ctx, b, ev.Compartment, "door event")
	case lockers.EventDoorForced:
		s.raiseAlert(ctx, b, Alert{Kind: AlertDoorForced, Compartment: ev.Compartment,
			Message: fmt.Sprintf("compartment %s was opened without a command; check its contents", ev.Compartment)})
	case lockers.EventDoorLeftOpen:
		s.raiseAlert(ctx, b, Alert{Kind: AlertDoorLeftOpen, Compartment: ev.Compartment,
			Message: fmt.Sprintf("the door of compartment %s has been left open", ev.Compartment)})
	case lockers.EventBoardOffline:
		s.boardState(ctx, b, ev.Board, false)
	case lockers.EventBoardOnline:
		s.boardState(ctx, b, ev.Board, true)
	}
}

// raiseAlert records an alert (and its audit line) and publishes it.
func (s *Service) raiseAlert(ctx context.Context, b *bankRT, a Alert) {
	var evs []Event
	err := s.store.Tx(ctx, func(tx Tx) error {
		evs = nil
		return s.raiseAlertTx(tx, b, a, &evs)
	})
	if err != nil {
		s.log.WithError(err).WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": a.Compartment, "alert": a.Kind}).Error("raising alert")
		return
	}
	if len(evs) == 0 {
		// Already raised and not cleared (a sweep seeing the same open
		// door again): one alert, one event, one audit line.
		return
	}
	s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": a.Compartment, "alert": a.Kind}).Warn(a.Message)
	s.emit(evs...)
}

// raiseAlertTx records an alert of the bank (RaisedAt now when zero) and
// its audit line in tx, and adds its "alert" event to evs, unless an
// active alert of its kind is on the compartment already.
func (s *Service) raiseAlertTx(tx Tx, b *bankRT, a Alert, evs *[]Event) error {
	a.Bank = b.cfg.ID
	if a.RaisedAt.IsZero() {
		a.RaisedAt = s.now()
	}
	active, err := tx.Alerts(AlertFilter{Bank: a.Bank, ActiveOnly: true})
	if err != nil {
		return err
	}
	for _, x := range active {
		if x.Kind == a.Kind && x.Compartment == a.Compartment {
			return nil
		}
	}
	got, err := tx.RaiseAlert(a)
	if err != nil {
		return err
	}
	*evs = append(*evs, Event{Type: "alert", Site: b.site.ID, Bank: got.Bank, Compartment: got.Compartment, Outcome: got.Kind, Message: got.Message})
	return s.audit(tx, AuditEvent{Actor: "system", Action: "alert_" + a.Kind, Bank: a.Bank, Compartment: a.Compartment, Detail: a.Message})
}

// clearAlert clears the active alerts of a kind and publishes it.
func (s *Service) clearAlert(ctx context.Context, b *bankRT, kind string, id lockers.CompartmentID) {
	var n int
	err := s.store.Tx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.ClearAlerts(kind, b.cfg.ID, id, s.now())
		return err
	})
	if err != nil {
		s.log.WithError(err).WithField("bank", b.cfg.ID).Error("clearing alert")
		return
	}
	if n > 0 {
		s.emit(Event{Type: "alert_cleared", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: kind})
	}
}

// boardState records a board going offline or coming back.
func (s *Service) boardState(ctx context.Context, b *bankRT, board string, online bool) {
	var comps []lockers.CompartmentID
	cctx, cancel := context.WithTimeout(ctx, s.cfg.DoorOpenTimeout)
	h, err := b.driver.Health(cctx)
	cancel()
	if err == nil {
		for _, bh := range h.Boards {
			if bh.Board == board {
				comps = bh.Compartments
			}
		}
	}
	b.mu.Lock()
	if online {
		delete(b.offlineBoard, board)
	} else {
		b.offlineBoard[board] = true
	}
	for _, id := range comps {
		if online {
			delete(b.offline, id)
		} else {
			b.offline[id] = true
		}
	}
	anyOffline := len(b.offlineBoard) > 0
	b.online = !anyOffline
	b.mu.Unlock()
	if !online {
		s.raiseAlert(ctx, b, Alert{Kind: AlertBoardOffline,
			Message: fmt.Sprintf("board %s of bank %s does not answer; its compartments (%d) are not used until it does", board, b.cfg.ID, len(comps))})
		return
	}
	if !anyOffline {
		s.clearAlert(ctx, b, AlertBoardOffline, "")
	}
}

// offlineCompartments lists the compartments behind boards that do not
// answer (new assignments exclude them).
func (b *bankRT) offlineCompartments() []lockers.CompartmentID {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]lockers.CompartmentID, 0, len(b.offline))
	for id := range b.offline {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// runSweeps sweeps every bank every SweepInterval.
func (s *Service) runSweeps(ctx context.Context) { every(ctx, s.cfg.SweepInterval, s.Sweep) }

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func(ctx context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// Sweep reads every bank's doors now (as the periodic sweep does) and
// applies the close transitions due, and finishes equipment loans a dead
// process left half done: the demo and tests call it instead of waiting
// for SweepInterval.
func (s *Service) Sweep(ctx context.Context) {
	for _, id := range s.order {
		s.sweepBank(ctx, s.banks[id], false)
	}
	if err := s.reconcileEquipment(ctx); err != nil && ctx.Err() == nil {
		s.log.WithError(err).Error("door sweep: reconciling interrupted equipment loans")
	}
}

// sweepBank reads one bank's doors (see the file comment).
func (s *Service) sweepBank(ctx context.Context, b *bankRT, atStart bool) {
	log := s.log.WithField("bank", b.cfg.ID)
	b.mu.Lock()
	synced := b.synced
	b.mu.Unlock()
	if !synced {
		if err := s.syncBank(ctx, b); err != nil {
			log.WithError(err).Debug("bank still not synced")
			return
		}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.DoorOpenTimeout)
	sts, err := b.driver.StatusAll(cctx)
	cancel()
	if err != nil {
		log.WithError(err).Warn("door sweep failed")
		b.mu.Lock()
		b.online = false
		b.mu.Unlock()
		return
	}
	byID := map[lockers.CompartmentID]lockers.Status{}
	b.mu.Lock()
	b.online = len(b.offlineBoard) == 0
	for _, st := range sts {
		byID[st.Compartment] = st
		if st.Fault != nil && errors.Is(st.Fault, lockers.ErrOffline) {
			b.offline[st.Compartment] = true
		} else if len(b.offlineBoard) == 0 {
			delete(b.offline, st.Compartment)
		}
	}
	b.mu.Unlock()

	var cs []Compartment
	var opened map[lockers.CompartmentID]time.Time
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		cs, err = tx.Compartments(CompartmentFilter{Bank: b.cfg.ID, States: []CompartmentState{CompLoading, CompUnloading}})
		if err != nil || len(cs) == 0 {
			return err
		}
		opened, err = tx.OpenedDoors(b.cfg.ID)
		return err
	})
	if err != nil {
		log.WithError(err).Error("door sweep: reading compartments")
		return
	}
	var due, leftOpen []lockers.CompartmentID
	var seenOpen []Compartment
	var unconfirmed []sweepMark
	now := s.now()
	b.mu.Lock()
	live := map[lockers.CompartmentID]bool{}
	for _, c := range cs {
		live[c.ID] = true
		st, ok := byID[c.ID]
		if !ok || st.Fault != nil || b.opening[c.ID] > 0 {
			continue
		}
		_, confirmed := opened[c.ID]
		// A door neither sensor reads counts as not closed: nothing is
		// completed on a guess.
		open, known := lockers.IsOpen(st)
		closed := known && !open
		if !closed {
			delete(b.seen, c.ID)
			if !confirmed {
				seenOpen = append(seenOpen, c)
			}
			since, ok := b.openSince[c.ID]
			if !ok {
				b.openSince[c.ID] = now
			} else if now.Sub(since) > s.cfg.DoorTimeout {
				leftOpen = append(leftOpen, c.ID)
			}
			continue
		}
		delete(b.openSince, c.ID)
		mark := sweepMark{id: c.ID, state: c.State, at: c.UpdatedAt}
		again := b.seen[c.ID] == mark
		age := now.Sub(c.UpdatedAt)
		switch {
		case confirmed && (again || atStart && age >= s.cfg.DoorOpenTimeout):
			// Opened and closed again. At start-up one reading is enough
			// for a compartment nobody has touched for longer than a door
			// command takes; a fresher one waits for a second reading.
			due = append(due, c.ID)
			delete(b.seen, c.ID)
		case !confirmed && age >= 2*s.cfg.DoorOpenTimeout && (again || atStart):
			// Never confirmed open, and any command for it has long
			// finished: interrupted (interrupted.go).
			unconfirmed = append(unconfirmed, mark)
			delete(b.seen, c.ID)
		default:
			b.seen[c.ID] = mark
		}
	}
	for id := range b.seen {
		if !live[id] {
			delete(b.seen, id)
		}
	}
	for id := range b.openSince {
		if !live[id] {
			delete(b.openSince, id)
		}
	}
	b.mu.Unlock()
	for _, c := range seenOpen {
		// An open door in loading or unloading proves the opening (a
		// crash after the door opened and before it was recorded): its
		// close then counts as a close.
		log.WithField("compartment", c.ID).Info("door found open by the sweep; opening recorded")
		s.confirmOpened(ctx, b, c.ID, c.State)
	}
	for _, id := range leftOpen {
		s.raiseAlert(ctx, b, Alert{Kind: AlertDoorLeftOpen, Compartment: id,
			Message: fmt.Sprintf("the door of compartment %s has been open for more than %s", id, s.cfg.DoorTimeout)})
	}
	for _, m := range unconfirmed {
		log.WithField("compartment", m.id).Warn("door closed but never confirmed open: the command was interrupted")
		_ = s.doorUnconfirmed(ctx, b, m)
	}
	for _, id := range due {
		log.WithField("compartment", id).Info("door found closed by the sweep")
		_ = s.doorClosed(ctx, b, id, "door sweep")
	}
}
