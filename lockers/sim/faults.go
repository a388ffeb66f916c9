package sim

import (
	"fmt"
	"strconv"

	"github.com/lockergate/lockergate/lockers"
)

// CloseDoor closes the door of id, as a patron pushing it shut; the lock
// latches again. Closing a closed door does nothing.
func (b *Bank) CloseDoor(id lockers.CompartmentID) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) {
		if c.door == lockers.DoorClosed {
			c.lock = lockers.LockLatched
			return nil, nil
		}
		c.door, c.lock, c.leftOpen = lockers.DoorClosed, lockers.LockLatched, false
		return []lockers.Event{b.eventLocked(lockers.EventDoorClosed, c)}, nil
	})
}

// PutItem places an item in the open compartment id.
func (b *Bank) PutItem(id lockers.CompartmentID) error { return b.setItem(id, true) }

// TakeItem removes the item from the open compartment id.
func (b *Bank) TakeItem(id lockers.CompartmentID) error { return b.setItem(id, false) }

func (b *Bank) setItem(id lockers.CompartmentID, in bool) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) {
		if c.door != lockers.DoorOpen {
			return nil, fmt.Errorf("lockers/sim: compartment %s: the door is closed", id)
		}
		if c.item == in {
			return nil, nil
		}
		c.item = in
		if !c.info.Features.ItemSensor {
			return nil, nil
		}
		return []lockers.Event{b.eventLocked(lockers.EventItemChanged, c)}, nil
	})
}

// ForceOpen opens the door of id with no command, as a crowbar or a
// badly fitted lock would: the bank reports EventDoorForced.
func (b *Bank) ForceOpen(id lockers.CompartmentID) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) {
		if c.door == lockers.DoorOpen {
			return nil, nil
		}
		c.door, c.openedAt, c.leftOpen = lockers.DoorOpen, b.cfg.Now(), false
		return []lockers.Event{b.eventLocked(lockers.EventDoorForced, c)}, nil
	})
}

// Jam makes the lock of id fail to release (ice, a bent bolt) until
// called again with false.
func (b *Bank) Jam(id lockers.CompartmentID, jammed bool) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) { c.jammed = jammed; return nil, nil })
}

// DropAck makes the controller open id without acknowledging the command,
// as the KR-CU16 sometimes does; the open must still be confirmed by
// status.
func (b *Bank) DropAck(id lockers.CompartmentID, drop bool) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) { c.noAck = drop; return nil, nil })
}

// AckWithoutOpen makes the controller acknowledge opens of id while the
// lock does not move.
func (b *Bank) AckWithoutOpen(id lockers.CompartmentID, on bool) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) { c.ackNoOpen = on; return nil, nil })
}

// InvertItemSensor makes the item sensor of id read the opposite of the
// truth (a dirty IR sensor, a miscalibrated scale).
func (b *Bank) InvertItemSensor(id lockers.CompartmentID, on bool) error {
	return b.with(id, func(c *compartment) ([]lockers.Event, error) { c.sensorInvert = on; return nil, nil })
}

// SetBoardOnline takes the simulated board named board ("1", "2", ...,
// as in Health) offline or back online. Its compartments fail with
// ErrOffline while the others work on.
func (b *Bank) SetBoardOnline(board string, online bool) error {
	n, err := strconv.Atoi(board)
	b.mu.Lock()
	// Boards are numbered 1… in compartment order (see New), so the count
	// is known without a scan: a scan made sim:?offline=all quadratic.
	boards := (len(b.comps) + b.cfg.BoardSize - 1) / b.cfg.BoardSize
	if err != nil || n < 1 || n > boards {
		b.mu.Unlock()
		return fmt.Errorf("lockers/sim: no board %q", board)
	}
	changed := b.offline[n] == online
	b.offline[n] = !online
	b.mu.Unlock()
	if changed {
		t := lockers.EventBoardOffline
		if online {
			t = lockers.EventBoardOnline
		}
		b.emit(lockers.Event{Type: t, Board: board, At: b.cfg.Now()})
	}
	return nil
}

// Check runs the door timers against the bank's clock: a door open for
// longer than LeftOpenAfter yields one EventDoorLeftOpen per opening.
// Watch calls it every PollInterval and StatusAll on every sweep; tests
// that move an injected clock call it directly.
func (b *Bank) Check() {
	b.mu.Lock()
	now := b.cfg.Now()
	var ev []lockers.Event
	for _, id := range b.order {
		c := b.comps[id]
		if c.door == lockers.DoorOpen && !c.leftOpen && now.Sub(c.openedAt) >= b.cfg.LeftOpenAfter {
			c.leftOpen = true
			ev = append(ev, b.eventLocked(lockers.EventDoorLeftOpen, c))
		}
	}
	b.mu.Unlock()
	b.emit(ev...)
}

// Pulses reports how many times the lock output of id has been pulsed.
func (b *Bank) Pulses(id lockers.CompartmentID) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.comps[id]; ok {
		return c.pulses
	}
	return 0
}

// Energised lists the lock outputs that are on now, in compartment order.
// Outside a pulse it must be empty.
func (b *Bank) Energised() []lockers.CompartmentID {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []lockers.CompartmentID
	for _, id := range b.order {
		if b.comps[id].energised {
			out = append(out, id)
		}
	}
	return out
}

// AllOffs reports how many times every output was switched off at once
// (once at start-up).
func (b *Bank) AllOffs() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.allOffs
}

// Acks reports, for every pulse so far in order, whether the simulated
// controller acknowledged it.
func (b *Bank) Acks() []bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]bool(nil), b.acks...)
}

// Light reports whether the light of id is on.
func (b *Bank) Light(id lockers.CompartmentID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.comps[id]
	return ok && c.light
}

// Charging reports whether the outlet of id is on.
func (b *Bank) Charging(id lockers.CompartmentID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.comps[id]
	return ok && c.charging
}
