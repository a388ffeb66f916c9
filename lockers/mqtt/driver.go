package mqtt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lockergate/lockergate/lockers"
)

type connState int

const (
	connUnknown connState = iota
	connOnline
	connOffline
)

// Driver is a lockers.Driver (and lockers.Watcher) for one bank behind an
// MQTT edge controller that follows the contract in README.md.
type Driver struct {
	cfg  Config
	name string // the bank in errors: broker and prefix, no credentials
	cli  paho.Client

	topicCommand string

	mu          sync.Mutex
	closed      bool
	snap        *SnapshotMessage
	snapAt      time.Time
	conn        connState
	reason      string // why offline
	lastSeen    time.Time
	started     time.Time
	hbInterval  time.Duration
	offlineCh   chan struct{} // closed when the bank goes offline
	pending     map[string]chan ResponseMessage
	confirms    map[*confirmWaiter]struct{}
	snapWaiters []chan struct{}
	events      lockers.Broadcaster
	badPayloads int
	lastBad     string

	done chan struct{}
	wg   sync.WaitGroup
}

type confirmWaiter struct {
	compartment string
	msgID       string
	ch          chan CompartmentState // buffered 1
}

var (
	_ lockers.Driver  = (*Driver)(nil)
	_ lockers.Watcher = (*Driver)(nil)
)

// Dial connects to the broker, subscribes to the bank's topics and returns
// a Driver. The bank's state arrives with the retained messages; a bank
// that never announces itself counts as offline after the heartbeat
// timeout.
//
// The driver refuses stale commands and reports the controller's own
// duplicates, but keeps no memory of command ids itself: wrap it in
// lockers.Guard, as lockers.Open does, so that a redelivered command never
// reaches the controller twice.
func Dial(ctx context.Context, cfg Config) (*Driver, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Driver{
		cfg:          c,
		name:         strings.TrimPrefix(strings.TrimPrefix(c.Broker, "tcp://"), "ssl://") + "/" + c.Prefix,
		topicCommand: c.Prefix + "/" + TopicCommand,
		offlineCh:    make(chan struct{}),
		pending:      make(map[string]chan ResponseMessage),
		confirms:     make(map[*confirmWaiter]struct{}),
		done:         make(chan struct{}),
		started:      c.Now(),
	}
	subscribed := make(chan error, 1)
	opts := paho.NewClientOptions().
		AddBroker(c.Broker).
		SetClientID(c.ClientID).
		SetUsername(c.Username).
		SetPassword(c.Password).
		SetCleanSession(true).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(5 * time.Second).
		SetConnectTimeout(c.ConnectTimeout).
		SetKeepAlive(15 * time.Second).
		SetOrderMatters(true). // our handlers never block, and order keeps snapshots and events in sequence
		SetOnConnectHandler(func(cli paho.Client) {
			// Clean sessions lose subscriptions on reconnect, so subscribe
			// on every connect; the retained state then arrives anew.
			tok := cli.SubscribeMultiple(map[string]byte{
				c.Prefix + "/" + TopicResponse: 1,
				c.Prefix + "/" + TopicEvent:    1,
				c.Prefix + "/state/#":          1,
			}, d.handle)
			go func() {
				err := errors.New("subscribe timed out")
				if tok.WaitTimeout(c.ConnectTimeout) {
					err = tok.Error()
				}
				select {
				case subscribed <- err:
				default:
				}
			}()
		}).
		SetConnectionLostHandler(func(paho.Client, error) {
			d.setOffline("connection to the broker lost")
		})
	if c.TLS != nil {
		opts.SetTLSConfig(c.TLS)
	}
	d.cli = paho.NewClient(opts)
	tok := d.cli.Connect()
	cctx, cancel := context.WithTimeout(ctx, c.ConnectTimeout)
	defer cancel()
	if err := waitToken(cctx, tok); err != nil {
		d.cli.Disconnect(0)
		return nil, fmt.Errorf("lockers/mqtt: connect to %s: %w", d.name, err)
	}
	select {
	case err := <-subscribed:
		if err != nil {
			d.cli.Disconnect(0)
			return nil, fmt.Errorf("lockers/mqtt: subscribe on %s: %w", d.name, err)
		}
	case <-cctx.Done():
		d.cli.Disconnect(0)
		return nil, fmt.Errorf("lockers/mqtt: subscribe on %s: %w", d.name, cctx.Err())
	}
	d.wg.Add(1)
	go d.watchdog()
	return d, nil
}

func waitToken(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Name is the bank as it appears in errors: broker address and prefix.
func (d *Driver) Name() string { return d.name }

func (d *Driver) err(op string, id lockers.CompartmentID, err error) error {
	return &lockers.Error{Op: op, Bank: d.name, Compartment: id, Err: err}
}

// handle dispatches every message of the bank. It runs on paho's delivery
// goroutine and must not block.
func (d *Driver) handle(_ paho.Client, m paho.Message) {
	if len(m.Payload()) == 0 {
		return // an empty retained message only deletes the retained state
	}
	suffix := strings.TrimPrefix(m.Topic(), d.cfg.Prefix+"/")
	now := d.cfg.Now()
	var err error
	switch suffix {
	case TopicResponse:
		var r ResponseMessage
		if r, err = DecodeResponse(m.Payload()); err == nil {
			d.onResponse(r, now)
		}
	case TopicSnapshot:
		var s SnapshotMessage
		if s, err = DecodeSnapshot(m.Payload()); err == nil {
			d.onSnapshot(s, now, m.Retained())
		}
	case TopicEvent:
		var e EventMessage
		if e, err = DecodeEvent(m.Payload()); err == nil {
			d.onEvent(e, now)
		}
	case TopicHeartbeat:
		var h HeartbeatMessage
		if h, err = DecodeHeartbeat(m.Payload()); err == nil {
			d.onHeartbeat(h, now)
		}
	case TopicConnection:
		var c ConnectionMessage
		if c, err = DecodeConnection(m.Payload()); err == nil {
			if c.Status == ConnectionOffline {
				r := "controller went offline"
				if c.Reason != "" {
					r += " (" + c.Reason + ")"
				}
				d.setOffline(r)
			} else {
				d.seen(now, !m.Retained())
			}
		}
	default:
		// Other state/ topics are reserved for later versions.
	}
	if err != nil {
		d.mu.Lock()
		d.badPayloads++
		d.lastBad = m.Topic() + ": " + err.Error()
		d.mu.Unlock()
	}
}

// seen records a sign of life; fresh says whether it proves the
// controller is alive now (a retained message does not).
func (d *Driver) seen(now time.Time, fresh bool) {
	d.mu.Lock()
	if fresh {
		d.lastSeen = now
	}
	wasOnline := d.conn == connOnline
	if !wasOnline {
		d.conn = connOnline
		d.reason = ""
		d.offlineCh = make(chan struct{})
	}
	d.mu.Unlock()
	if !wasOnline {
		d.emit(lockers.Event{Type: lockers.EventBoardOnline, Board: d.cfg.Prefix, At: now})
	}
}

func (d *Driver) setOffline(reason string) {
	d.mu.Lock()
	if d.conn == connOffline {
		d.mu.Unlock()
		return
	}
	d.conn = connOffline
	d.reason = reason
	close(d.offlineCh)
	d.mu.Unlock()
	d.emit(lockers.Event{Type: lockers.EventBoardOffline, Board: d.cfg.Prefix, At: d.cfg.Now()})
}

func (d *Driver) onResponse(r ResponseMessage, now time.Time) {
	d.seen(now, true)
	d.mu.Lock()
	ch := d.pending[r.MessageID]
	d.mu.Unlock()
	if ch != nil {
		select {
		case ch <- r:
		default: // a second redelivered answer; the first one counts
		}
	}
}

func (d *Driver) onSnapshot(s SnapshotMessage, now time.Time, retained bool) {
	d.seen(now, !retained)
	d.mu.Lock()
	if d.snap != nil && s.Seq != 0 && s.Seq < d.snap.Seq && !s.At.After(d.snap.At) {
		d.mu.Unlock()
		return // an older snapshot overtaken by a newer one
	}
	d.snap = &s
	d.snapAt = now
	for _, c := range s.Compartments {
		d.confirmLocked(c, c.LastMessageID)
	}
	for _, ch := range d.snapWaiters {
		close(ch)
	}
	d.snapWaiters = nil
	d.mu.Unlock()
}

// confirmLocked tells the waiter for the command msgID that c shows its
// open.
func (d *Driver) confirmLocked(c CompartmentState, msgID string) {
	if msgID == "" || (c.Lock != LockReleased && c.Door != DoorOpen) {
		return
	}
	for w := range d.confirms {
		if w.compartment == c.ID && w.msgID == msgID {
			select {
			case w.ch <- c:
			default:
			}
		}
	}
}

func (d *Driver) onEvent(e EventMessage, now time.Time) {
	d.seen(now, true)
	d.mu.Lock()
	if d.snap != nil {
		// Keep the cached snapshot current between snapshots.
		s := *d.snap
		s.Compartments = append([]CompartmentState(nil), s.Compartments...)
		for i := range s.Compartments {
			if s.Compartments[i].ID == e.Compartment {
				st := e.State
				if st.Size == "" {
					st.Size = s.Compartments[i].Size
					st.Features = s.Compartments[i].Features
				}
				s.Compartments[i] = st
			}
		}
		d.snap = &s
	}
	if e.Type == EventDoorOpened {
		d.confirmLocked(e.State, e.MessageID)
	}
	d.mu.Unlock()
	d.emit(lockers.Event{
		Type:        eventTypes[e.Type],
		Compartment: lockers.CompartmentID(e.Compartment),
		Board:       d.cfg.Prefix,
		Status:      toStatus(e.State, now),
		At:          now,
	})
}

// eventTypes maps the contract's event types to lockers' (DecodeEvent
// accepts no others).
var eventTypes = map[string]lockers.EventType{
	EventDoorOpened:   lockers.EventDoorOpened,
	EventDoorClosed:   lockers.EventDoorClosed,
	EventDoorForced:   lockers.EventDoorForced,
	EventDoorLeftOpen: lockers.EventDoorLeftOpen,
	EventItemChanged:  lockers.EventItemChanged,
}

func (d *Driver) onHeartbeat(h HeartbeatMessage, now time.Time) {
	d.mu.Lock()
	d.hbInterval = time.Duration(h.IntervalMS) * time.Millisecond
	d.mu.Unlock()
	d.seen(now, true)
}

func (d *Driver) heartbeatTimeout() time.Duration {
	if d.cfg.HeartbeatTimeout > 0 {
		return d.cfg.HeartbeatTimeout
	}
	if d.hbInterval > 0 {
		return 3 * d.hbInterval
	}
	return DefaultHeartbeatTimeout
}

// watchdog declares the bank offline when the controller falls silent:
// the broker sends the last will only once it notices a dead TCP
// connection, which can take 1.5 keep-alive periods, and a controller
// whose firmware hangs keeps its connection open.
func (d *Driver) watchdog() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		to := d.heartbeatTimeout()
		d.mu.Unlock()
		tick := to / 4
		if tick < 20*time.Millisecond {
			tick = 20 * time.Millisecond
		}
		select {
		case <-d.done:
			return
		case <-time.After(tick):
		}
		now := d.cfg.Now()
		d.mu.Lock()
		since := d.lastSeen
		if since.IsZero() {
			since = d.started
		}
		silent := d.conn != connOffline && now.Sub(since) > to
		d.mu.Unlock()
		if silent {
			d.setOffline(fmt.Sprintf("no heartbeat for %v", to))
		}
	}
}

// Open publishes an open command and waits for its confirmation: a
// snapshot or event carrying the command's message id with the lock
// released or the door open. A response without confirmation is
// ErrNotConfirmed; a confirmation without a response counts as success,
// because acknowledgements get lost while doors still open.
func (d *Driver) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	id := cmd.Compartment
	if err := ctx.Err(); err != nil {
		// Checked before publishing: paho sends a queued publish even when
		// the caller has given up, and a door must not open for nobody.
		return lockers.OpenResult{}, d.err("open", id, err)
	}
	if cmd.ID == "" || cmd.Issued.IsZero() || id == "" {
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrInvalidCommand)
	}
	maxAge := cmd.MaxAge
	if maxAge <= 0 {
		maxAge = lockers.DefaultMaxAge
	}
	expires := cmd.Issued.Add(maxAge)
	now := d.cfg.Now()
	if now.After(expires) {
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrStale)
	}

	msgID := randomHex(8)
	respCh := make(chan ResponseMessage, 1)
	w := &confirmWaiter{compartment: string(id), msgID: msgID, ch: make(chan CompartmentState, 1)}
	d.mu.Lock()
	switch {
	case d.closed:
		d.mu.Unlock()
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrClosed)
	case d.conn == connOffline:
		d.mu.Unlock()
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrOffline)
	}
	if d.snap != nil {
		c, ok := findState(d.snap, string(id))
		if !ok {
			d.mu.Unlock()
			return lockers.OpenResult{}, d.err("open", id, lockers.ErrUnknownCompartment)
		}
		if c.Fault == CodeBoardOffline {
			d.mu.Unlock()
			return lockers.OpenResult{}, d.err("open", id, lockers.ErrOffline)
		}
	}
	d.pending[msgID] = respCh
	d.confirms[w] = struct{}{}
	offline := d.offlineCh
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.pending, msgID)
		delete(d.confirms, w)
		d.mu.Unlock()
	}()

	payload, _ := json.Marshal(CommandMessage{
		MessageID:     msgID,
		TransactionID: cmd.ID,
		Action:        ActionOpen,
		Compartment:   string(id),
		IssuedAt:      cmd.Issued.UTC(),
		ExpiresAt:     expires.UTC(),
	})
	ctx, cancel := context.WithTimeoutCause(ctx, d.cfg.ConfirmTimeout, errConfirmDeadline)
	defer cancel()
	if err := waitToken(ctx, d.cli.Publish(d.topicCommand, 1, false, payload)); err != nil {
		return lockers.OpenResult{}, d.err("open", id, d.ctxOr(ctx, fmt.Errorf("lockers/mqtt: publish: %w", err)))
	}
	respTimer := time.NewTimer(d.cfg.ResponseTimeout)
	defer respTimer.Stop()
	var resp *ResponseMessage
	for {
		select {
		case r := <-respCh:
			if r.Result == ResultError {
				return lockers.OpenResult{}, d.err("open", id, codeError(r.ErrorCode, r.Message))
			}
			if r.Duplicate {
				st := lockers.Status{Compartment: id, At: d.cfg.Now()}
				if r.State != nil {
					st = toStatus(*r.State, d.cfg.Now())
				}
				return lockers.OpenResult{Status: st, Duplicate: true}, nil
			}
			resp = &r
			respTimer.Stop()
		case c := <-w.ch:
			return lockers.OpenResult{Status: toStatus(c, d.cfg.Now())}, nil
		case <-respTimer.C:
			if resp == nil {
				return lockers.OpenResult{}, d.err("open", id, fmt.Errorf("%w: no response from the controller within %v", lockers.ErrTimeout, d.cfg.ResponseTimeout))
			}
		case <-offline:
			return lockers.OpenResult{}, d.err("open", id, lockers.ErrOffline)
		case <-d.done:
			return lockers.OpenResult{}, d.err("open", id, lockers.ErrClosed)
		case <-ctx.Done():
			if err := parentDone(ctx); err != nil {
				return lockers.OpenResult{}, d.err("open", id, err)
			}
			if resp != nil {
				return lockers.OpenResult{}, d.err("open", id, fmt.Errorf("%w within %v", lockers.ErrNotConfirmed, d.cfg.ConfirmTimeout))
			}
			return lockers.OpenResult{}, d.err("open", id, fmt.Errorf("%w: no response from the controller", lockers.ErrTimeout))
		}
	}
}

// parentDone reports the caller's own context error, as opposed to the
// driver's confirm deadline; context.Cause tells them apart.
func parentDone(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), errConfirmDeadline) {
		return nil
	}
	return ctx.Err()
}

var errConfirmDeadline = errors.New("confirm deadline")

func (d *Driver) ctxOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// codeError maps a contract error code to a lockers sentinel.
func codeError(code, msg string) error {
	var s error
	switch code {
	case CodeDoorJammed:
		s = lockers.ErrJammed
	case CodeUnknownCompartment:
		s = lockers.ErrUnknownCompartment
	case CodeStaleCommand:
		s = lockers.ErrStale
	case CodeInvalidCommand:
		s = lockers.ErrInvalidCommand
	case CodeBoardOffline:
		s = lockers.ErrOffline
	default:
		s = fmt.Errorf("lockers/mqtt: controller error %s", code)
	}
	if msg != "" {
		return fmt.Errorf("%w (controller says: %.200s)", s, msg)
	}
	return s
}

func findState(s *SnapshotMessage, id string) (CompartmentState, bool) {
	for _, c := range s.Compartments {
		if c.ID == id {
			return c, true
		}
	}
	return CompartmentState{}, false
}

func toStatus(c CompartmentState, at time.Time) lockers.Status {
	st := lockers.Status{Compartment: lockers.CompartmentID(c.ID), At: at}
	// The contract's words are the ones lockers' String methods print.
	st.Lock = lockers.ParseLockState(c.Lock)
	st.Door = lockers.ParseDoorState(c.Door)
	st.Item = lockers.ParsePresence(c.Item)
	if c.Fault != "" {
		st.Fault = codeError(c.Fault, "")
	}
	return st
}

// snapshot returns the bank's state. With fresh set (and the controller
// not known to be offline) it asks the controller to republish its
// snapshot and waits for one that arrives after the request, so that a
// read never returns a state older than the call; otherwise it uses the
// latest snapshot, asking only when none has arrived yet. offline reports
// a bank that is offline, whose snapshot is the last one known.
func (d *Driver) snapshot(ctx context.Context, fresh bool) (s *SnapshotMessage, at time.Time, offline bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, at, false, err
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, at, false, lockers.ErrClosed
	}
	if d.conn == connOffline {
		s, at = d.snap, d.snapAt
		d.mu.Unlock()
		if s == nil {
			return nil, at, true, lockers.ErrOffline
		}
		return s, at, true, nil
	}
	if d.snap != nil && (!fresh || d.cfg.CachedStatus) {
		s, at = d.snap, d.snapAt
		d.mu.Unlock()
		return s, at, false, nil
	}
	id := randomHex(8)
	respCh := make(chan ResponseMessage, 1)
	d.pending[id] = respCh
	offCh := d.offlineCh
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.pending, id)
		d.mu.Unlock()
	}()

	now := d.cfg.Now()
	payload, _ := json.Marshal(CommandMessage{
		MessageID: id, TransactionID: id, Action: ActionStatus,
		IssuedAt: now.UTC(), ExpiresAt: now.Add(d.cfg.ResponseTimeout).UTC(),
	})
	ctx, cancel := context.WithTimeoutCause(ctx, d.cfg.ResponseTimeout, errConfirmDeadline)
	defer cancel()
	if err := waitToken(ctx, d.cli.Publish(d.topicCommand, 1, false, payload)); err != nil {
		if perr := parentDone(ctx); perr != nil {
			return nil, at, false, perr
		}
		return nil, at, false, fmt.Errorf("lockers/mqtt: publish status request: %w", err)
	}
	// The controller publishes the snapshot, then answers with its seq;
	// snapshots older than that one may still be in flight, so wait for
	// the one named (or, from a controller that names none, use what has
	// arrived by the time of the answer).
	var want uint64
	for answered := false; ; {
		d.mu.Lock()
		if answered && d.snap != nil && d.snap.Seq >= want {
			s, at = d.snap, d.snapAt
			d.mu.Unlock()
			return s, at, false, nil
		}
		ch := make(chan struct{})
		d.snapWaiters = append(d.snapWaiters, ch)
		d.mu.Unlock()
		select {
		case r := <-respCh:
			if r.Result == ResultError {
				return nil, at, false, codeError(r.ErrorCode, r.Message)
			}
			answered, want = true, r.SnapshotSeq
		case <-ch:
		case <-offCh:
			return d.snapshot(ctx, false)
		case <-d.done:
			return nil, at, false, lockers.ErrClosed
		case <-ctx.Done():
			if err := parentDone(ctx); err != nil {
				return nil, at, false, err
			}
			return nil, at, false, fmt.Errorf("%w: no snapshot from the controller within %v", lockers.ErrTimeout, d.cfg.ResponseTimeout)
		}
	}
}

// Compartments lists the compartments of the latest snapshot.
func (d *Driver) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	s, _, _, err := d.snapshot(ctx, false)
	if err != nil {
		return nil, d.err("compartments", "", err)
	}
	out := make([]lockers.Compartment, 0, len(s.Compartments))
	for _, c := range s.Compartments {
		lc := lockers.Compartment{ID: lockers.CompartmentID(c.ID), Size: lockers.SizeClass(c.Size)}
		for _, f := range c.Features {
			switch f {
			case FeatureCharging:
				lc.Features.Charging = true
			case FeatureItemSensor:
				lc.Features.ItemSensor = true
			case FeatureLight:
				lc.Features.Light = true
			}
		}
		out = append(out, lc)
	}
	return out, nil
}

// Status reports one compartment from a fresh snapshot (see
// Config.CachedStatus). While the bank
// is offline the compartment comes back with Fault set to ErrOffline.
func (d *Driver) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	s, at, offline, err := d.snapshot(ctx, true)
	if err != nil {
		return lockers.Status{}, d.err("status", id, err)
	}
	c, ok := findState(s, string(id))
	if !ok {
		return lockers.Status{}, d.err("status", id, lockers.ErrUnknownCompartment)
	}
	return d.status(c, at, offline), nil
}

func (d *Driver) status(c CompartmentState, at time.Time, offline bool) lockers.Status {
	if offline {
		return lockers.Status{Compartment: lockers.CompartmentID(c.ID), Fault: d.err("status", lockers.CompartmentID(c.ID), lockers.ErrOffline), At: d.cfg.Now()}
	}
	return toStatus(c, at)
}

// StatusAll reports every compartment from a fresh snapshot (see
// Config.CachedStatus), in the controller's order.
func (d *Driver) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	s, at, offline, err := d.snapshot(ctx, true)
	if errors.Is(err, lockers.ErrTimeout) {
		// A controller that does not answer does not fail the sweep: its
		// compartments (as last known) come back with ErrOffline.
		d.mu.Lock()
		s, at = d.snap, d.snapAt
		d.mu.Unlock()
		if s != nil {
			out := make([]lockers.Status, len(s.Compartments))
			for i, c := range s.Compartments {
				out[i] = lockers.Status{Compartment: lockers.CompartmentID(c.ID), At: d.cfg.Now(),
					Fault: d.err("status all", lockers.CompartmentID(c.ID), fmt.Errorf("%w: %w", lockers.ErrOffline, err))}
			}
			return out, nil
		}
	}
	if err != nil {
		return nil, d.err("status all", "", err)
	}
	out := make([]lockers.Status, len(s.Compartments))
	for i, c := range s.Compartments {
		out[i] = d.status(c, at, offline)
	}
	return out, nil
}

// Health reports the controller as the bank's single board.
func (d *Driver) Health(ctx context.Context) (lockers.Health, error) {
	if err := ctx.Err(); err != nil {
		return lockers.Health{}, d.err("health", "", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return lockers.Health{}, d.err("health", "", lockers.ErrClosed)
	}
	b := lockers.BoardHealth{Board: d.cfg.Prefix, Online: d.conn == connOnline, LastSeen: d.lastSeen}
	if d.snap != nil {
		for _, c := range d.snap.Compartments {
			b.Compartments = append(b.Compartments, lockers.CompartmentID(c.ID))
		}
	}
	h := lockers.Health{Online: b.Online, Boards: []lockers.BoardHealth{b}}
	switch d.conn {
	case connOnline:
		h.Detail = "controller online"
	case connOffline:
		b.Err = fmt.Errorf("%w: %s", lockers.ErrOffline, d.reason)
		h.Boards[0] = b
		h.Detail = "controller offline: " + d.reason
	default:
		h.Detail = "controller not heard from yet"
	}
	if n := d.events.Dropped(); n > 0 {
		h.Detail += fmt.Sprintf("; %d events dropped for slow watchers", n)
	}
	if d.badPayloads > 0 {
		h.Detail += fmt.Sprintf("; %d payloads broke the contract, the last: %s", d.badPayloads, d.lastBad)
	}
	return h, nil
}

// Close disconnects from the broker. Waiting calls return ErrClosed.
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.done)
	d.mu.Unlock()
	d.cli.Disconnect(250)
	d.events.Close()
	d.wg.Wait()
	return nil
}
