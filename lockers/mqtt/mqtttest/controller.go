// Package mqtttest provides Controller, an emulator of an MQTT locker edge
// controller that speaks the contract of package lockers/mqtt over a real
// broker, with fault hooks for tests: a jammed lock, lost responses, a hung
// controller, a door left open, a forced door, a dropped connection (so
// that the broker publishes the last will) and redelivered commands.
package mqtttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lockergate/lockergate/lockers"
	lm "github.com/lockergate/lockergate/lockers/mqtt"
)

// Compartment describes one emulated compartment.
type Compartment struct {
	ID       string
	Size     string
	Features []string
}

// Config configures a Controller.
type Config struct {
	// Broker is "tcp://host:port". Required.
	Broker string
	// Prefix is the bank's topic prefix. Required.
	Prefix string
	// Compartments lists the bank. If empty, "1" to "8", size M, with an
	// item sensor.
	Compartments []Compartment
	// HeartbeatInterval is the heartbeat period. If zero, 500ms.
	HeartbeatInterval time.Duration
	// LeftOpenAfter is how long a door may stay open before the
	// controller reports door_left_open. If zero, it never does.
	LeftOpenAfter time.Duration
	// Now is the controller's clock. If nil, time.Now.
	Now func() time.Time
}

type door struct {
	comp     Compartment
	released bool
	open     bool
	occupied bool
	jammed   bool
	offline  bool // the board behind it does not answer
	lastTx   string
	lastMsg  string
	pulses   int
	openedAt time.Time
	leftSent bool
	stayShut bool // the lock releases but the door neither pops nor reports
}

// Controller is the emulated controller. Its methods are safe for
// concurrent use.
type Controller struct {
	cfg Config

	mu           sync.Mutex
	cli          paho.Client
	conn         net.Conn // the live TCP connection, to drop it uncleanly
	doors        map[string]*door
	order        []string
	byMessage    map[string][]byte // message_id → response payload
	byTx         map[string]lm.ResponseMessage
	seq          uint64
	dropResp     int
	mute         bool
	redeliver    int
	redeliveries int
	commands     int
	online       bool

	stop chan struct{}
	wg   sync.WaitGroup
}

// Start connects a controller to the broker and publishes its online
// state, snapshot and heartbeats. Close it with Shutdown or Close.
func Start(ctx context.Context, cfg Config) (*Controller, error) {
	if cfg.Broker == "" || cfg.Prefix == "" {
		return nil, errors.New("mqtttest: Config.Broker and Config.Prefix are required")
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 500 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Compartments) == 0 {
		for i := 1; i <= 8; i++ {
			cfg.Compartments = append(cfg.Compartments, Compartment{ID: strconv.Itoa(i), Size: "M", Features: []string{lm.FeatureItemSensor}})
		}
	}
	c := &Controller{
		cfg:       cfg,
		doors:     make(map[string]*door),
		byMessage: make(map[string][]byte),
		byTx:      make(map[string]lm.ResponseMessage),
		stop:      make(chan struct{}),
	}
	for _, k := range cfg.Compartments {
		c.doors[k.ID] = &door{comp: k}
		c.order = append(c.order, k.ID)
	}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	c.wg.Add(1)
	go c.loop()
	return c, nil
}

func (c *Controller) topic(s string) string { return c.cfg.Prefix + "/" + s }

func (c *Controller) connect(ctx context.Context) error {
	will, _ := json.Marshal(lm.ConnectionMessage{Status: lm.ConnectionOffline, Reason: "mqtt_last_will"})
	opts := paho.NewClientOptions().
		AddBroker(c.cfg.Broker).
		SetClientID("ctl-"+randomHex(6)).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetKeepAlive(5*time.Second).
		SetOrderMatters(true).
		SetBinaryWill(c.topic(lm.TopicConnection), will, 1, true).
		SetCustomOpenConnectionFn(func(u *url.URL, _ paho.ClientOptions) (net.Conn, error) {
			var dl net.Dialer
			conn, err := dl.DialContext(ctx, "tcp", u.Host)
			if err == nil {
				c.mu.Lock()
				c.conn = conn
				c.mu.Unlock()
			}
			return conn, err
		})
	cli := paho.NewClient(opts)
	if err := wait(ctx, cli.Connect()); err != nil {
		return fmt.Errorf("mqtttest: connect: %w", err)
	}
	if err := wait(ctx, cli.Subscribe(c.topic(lm.TopicCommand), 1, c.onCommand)); err != nil {
		cli.Disconnect(0)
		return fmt.Errorf("mqtttest: subscribe: %w", err)
	}
	c.mu.Lock()
	c.cli = cli
	c.online = true
	c.mu.Unlock()
	online, _ := json.Marshal(lm.ConnectionMessage{Status: lm.ConnectionOnline, At: c.cfg.Now().UTC()})
	if err := wait(ctx, cli.Publish(c.topic(lm.TopicConnection), 1, true, online)); err != nil {
		return fmt.Errorf("mqtttest: publish online: %w", err)
	}
	c.mu.Lock()
	c.publishSnapshotLocked()
	c.mu.Unlock()
	c.heartbeat()
	return nil
}

func wait(ctx context.Context, tok paho.Token) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Controller) loop() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.heartbeat()
			c.checkLeftOpen()
		}
	}
}

func (c *Controller) heartbeat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.online || c.mute {
		return
	}
	b, _ := json.Marshal(lm.HeartbeatMessage{At: c.cfg.Now().UTC(), IntervalMS: c.cfg.HeartbeatInterval.Milliseconds()})
	c.cli.Publish(c.topic(lm.TopicHeartbeat), 0, false, b)
}

func (c *Controller) checkLeftOpen() {
	if c.cfg.LeftOpenAfter <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Now()
	for _, id := range c.order {
		d := c.doors[id]
		if d.open && !d.leftSent && now.Sub(d.openedAt) >= c.cfg.LeftOpenAfter {
			d.leftSent = true
			c.publishEventLocked(lm.EventDoorLeftOpen, d, "", "")
		}
	}
}

func (d *door) state() lm.CompartmentState {
	s := lm.CompartmentState{ID: d.comp.ID, Lock: lm.LockLatched, Door: lm.DoorClosed, Item: lm.ItemEmpty,
		Size: d.comp.Size, Features: d.comp.Features, LastTransactionID: d.lastTx, LastMessageID: d.lastMsg}
	if d.released {
		s.Lock = lm.LockReleased
	}
	if d.open {
		s.Door = lm.DoorOpen
	}
	if d.occupied {
		s.Item = lm.ItemOccupied
	}
	if d.jammed {
		s.Fault = lm.CodeDoorJammed
	}
	if d.offline {
		s = lm.CompartmentState{ID: d.comp.ID, Lock: lm.StateUnknown, Door: lm.StateUnknown, Item: lm.StateUnknown,
			Size: d.comp.Size, Features: d.comp.Features, Fault: lm.CodeBoardOffline, LastTransactionID: d.lastTx, LastMessageID: d.lastMsg}
	}
	return s
}

func (c *Controller) publishSnapshotLocked() {
	if !c.online {
		return
	}
	c.seq++
	s := lm.SnapshotMessage{Seq: c.seq, At: c.cfg.Now().UTC(), Compartments: []lm.CompartmentState{}}
	for _, id := range c.order {
		s.Compartments = append(s.Compartments, c.doors[id].state())
	}
	b, _ := json.Marshal(s)
	c.cli.Publish(c.topic(lm.TopicSnapshot), 1, true, b)
}

func (c *Controller) publishEventLocked(typ string, d *door, tx, msgID string) {
	if !c.online {
		return
	}
	b, _ := json.Marshal(lm.EventMessage{EventID: randomHex(8), Type: typ, Compartment: d.comp.ID,
		TransactionID: tx, MessageID: msgID, State: d.state(), At: c.cfg.Now().UTC()})
	c.cli.Publish(c.topic(lm.TopicEvent), 1, false, b)
}

func (c *Controller) onCommand(_ paho.Client, m paho.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.online {
		return
	}
	c.commands++
	c.handleLocked(m.Payload())
	if c.redeliver > 0 {
		// What a broker does when our PUBACK was lost: the same packet again.
		c.redeliver--
		c.handleLocked(m.Payload())
	}
}

func (c *Controller) handleLocked(payload []byte) {
	if c.mute {
		return
	}
	cmd, err := lm.DecodeCommand(payload)
	if err != nil {
		// Without a message id there is nobody to answer; a partial one is
		// answered so the gateway sees why.
		var raw struct {
			MessageID     string `json:"message_id"`
			TransactionID string `json:"transaction_id"`
		}
		if json.Unmarshal(payload, &raw) == nil && raw.MessageID != "" {
			c.respondLocked(raw.MessageID, lm.ResponseMessage{MessageID: raw.MessageID, TransactionID: raw.TransactionID,
				Result: lm.ResultError, ErrorCode: lm.CodeInvalidCommand, Message: err.Error()}, true)
		}
		return
	}
	if b, ok := c.byMessage[cmd.MessageID]; ok {
		c.redeliveries++
		c.cli.Publish(c.topic(lm.TopicResponse), 1, false, b)
		return
	}
	r := lm.ResponseMessage{MessageID: cmd.MessageID, TransactionID: cmd.TransactionID, Action: cmd.Action, Result: lm.ResultOK}
	if cmd.Action == lm.ActionStatus {
		c.publishSnapshotLocked()
		r.SnapshotSeq = c.seq
		c.respondLocked(cmd.MessageID, r, true)
		return
	}
	if prev, ok := c.byTx[cmd.TransactionID]; ok {
		prev.MessageID = cmd.MessageID
		prev.Duplicate = true
		if d := c.doors[cmd.Compartment]; d != nil {
			s := d.state()
			prev.State = &s
		}
		c.respondLocked(cmd.MessageID, prev, true)
		return
	}
	d := c.doors[cmd.Compartment]
	switch {
	case c.cfg.Now().After(cmd.ExpiresAt):
		r.Result, r.ErrorCode, r.Message = lm.ResultError, lm.CodeStaleCommand, "received after expires_at"
	case d == nil:
		r.Result, r.ErrorCode, r.Message = lm.ResultError, lm.CodeUnknownCompartment, "no compartment "+cmd.Compartment
	case d.offline:
		r.Result, r.ErrorCode, r.Message = lm.ResultError, lm.CodeBoardOffline, "board does not answer"
	case d.jammed:
		d.pulses++
		r.Result, r.ErrorCode, r.Message = lm.ResultError, lm.CodeDoorJammed, "lock did not release"
	default:
		d.pulses++
		d.released = true
		d.lastTx = cmd.TransactionID
		d.lastMsg = cmd.MessageID
		if !d.stayShut {
			d.open = true
			d.openedAt = c.cfg.Now()
			d.leftSent = false
		}
	}
	if d != nil {
		s := d.state()
		r.State = &s
	}
	r.At = c.cfg.Now().UTC()
	c.byTx[cmd.TransactionID] = r
	send := true
	if r.Result == lm.ResultOK && c.dropResp > 0 {
		c.dropResp--
		send = false
	}
	c.respondLocked(cmd.MessageID, r, send)
	if r.Result == lm.ResultOK && d != nil && !d.stayShut {
		c.publishEventLocked(lm.EventDoorOpened, d, cmd.TransactionID, cmd.MessageID)
		c.publishSnapshotLocked()
	}
}

func (c *Controller) respondLocked(msgID string, r lm.ResponseMessage, send bool) {
	if r.At.IsZero() {
		r.At = c.cfg.Now().UTC()
	}
	b, _ := json.Marshal(r)
	c.byMessage[msgID] = b
	if send {
		c.cli.Publish(c.topic(lm.TopicResponse), 1, false, b)
	}
}

// Jam makes the lock of compartment id fail (or work again): opens are
// answered DOOR_JAMMED and the snapshot shows the fault.
func (c *Controller) Jam(id lockers.CompartmentID, jammed bool) error {
	return c.withDoor(id, func(d *door) { d.jammed = jammed })
}

// BoardOffline marks the board behind id as not answering: the snapshot
// reports BOARD_OFFLINE for it while the rest of the bank works.
func (c *Controller) BoardOffline(id lockers.CompartmentID, offline bool) error {
	return c.withDoor(id, func(d *door) { d.offline = offline })
}

// StayShut makes the next opens of id release the lock without the door
// moving and without any later snapshot or event showing it: the case
// of an acknowledged open that is never confirmed.
func (c *Controller) StayShut(id lockers.CompartmentID, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.doors[string(id)]
	if d == nil {
		return fmt.Errorf("mqtttest: no compartment %s", id)
	}
	d.stayShut = on
	return nil
}

// DropResponses makes the controller carry out the next n opens without
// sending their responses: the door opens, the event and snapshot are
// published, the acknowledgement is lost.
func (c *Controller) DropResponses(n int) {
	c.mu.Lock()
	c.dropResp = n
	c.mu.Unlock()
}

// Mute makes the controller ignore commands and stop its heartbeat while
// its connection stays up: a hung firmware.
func (c *Controller) Mute(on bool) {
	c.mu.Lock()
	c.mute = on
	c.mu.Unlock()
}

// RedeliverNext makes the controller handle each of the next n commands
// twice, as it would receive them after a lost PUBACK.
func (c *Controller) RedeliverNext(n int) {
	c.mu.Lock()
	c.redeliver = n
	c.mu.Unlock()
}

// CloseDoor closes the door of id; the lock latches.
func (c *Controller) CloseDoor(id lockers.CompartmentID) error {
	return c.withDoor(id, func(d *door) {
		if d.open || d.released {
			d.open, d.released = false, false
			c.publishEventLocked(lm.EventDoorClosed, d, "", "")
		}
	})
}

// Force opens the door of id without a command: tamper.
func (c *Controller) Force(id lockers.CompartmentID) error {
	return c.withDoor(id, func(d *door) {
		d.open = true
		d.openedAt = c.cfg.Now()
		d.leftSent = false
		c.publishEventLocked(lm.EventDoorForced, d, "", "")
	})
}

// SetItem sets the item sensor of id.
func (c *Controller) SetItem(id lockers.CompartmentID, occupied bool) error {
	return c.withDoor(id, func(d *door) {
		if d.occupied != occupied {
			d.occupied = occupied
			c.publishEventLocked(lm.EventItemChanged, d, "", "")
		}
	})
}

func (c *Controller) withDoor(id lockers.CompartmentID, f func(*door)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.doors[string(id)]
	if d == nil {
		return fmt.Errorf("mqtttest: no compartment %s", id)
	}
	f(d)
	c.publishSnapshotLocked()
	return nil
}

// Pulses reports how many times the lock of id was pulsed.
func (c *Controller) Pulses(id lockers.CompartmentID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.doors[string(id)]; d != nil {
		return d.pulses
	}
	return 0
}

// Redeliveries reports how many commands arrived again with a message id
// already handled.
func (c *Controller) Redeliveries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.redeliveries
}

// Commands reports how many command messages arrived.
func (c *Controller) Commands() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commands
}

// IDs lists the compartment ids in order.
func (c *Controller) IDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

// GoOffline drops the TCP connection without a DISCONNECT packet, so that
// the broker publishes the controller's last will.
func (c *Controller) GoOffline() {
	c.mu.Lock()
	conn := c.conn
	c.online = false
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// SetBoardOnline takes the whole controller (the bank's single board, named
// by its prefix in Health) offline by GoOffline, or back by Reconnect. It
// returns once the broker has published the last will, plus a short grace
// for subscribers to receive it, so that callers can assert on the
// gateway's view right away. It implements lockerstest.Faults.
func (c *Controller) SetBoardOnline(board string, online bool) error {
	if board != c.cfg.Prefix {
		return fmt.Errorf("mqtttest: no board %q; the controller is board %q", board, c.cfg.Prefix)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if online {
		return c.Reconnect(ctx)
	}
	seen := make(chan struct{}, 1)
	obs := paho.NewClient(paho.NewClientOptions().AddBroker(c.cfg.Broker).SetClientID("obs-" + randomHex(6)))
	if err := wait(ctx, obs.Connect()); err != nil {
		return fmt.Errorf("mqtttest: observer: %w", err)
	}
	defer obs.Disconnect(0)
	err := wait(ctx, obs.Subscribe(c.topic(lm.TopicConnection), 1, func(_ paho.Client, m paho.Message) {
		if cm, err := lm.DecodeConnection(m.Payload()); err == nil && cm.Status == lm.ConnectionOffline && !m.Retained() {
			select {
			case seen <- struct{}{}:
			default:
			}
		}
	}))
	if err != nil {
		return fmt.Errorf("mqtttest: observer: %w", err)
	}
	c.GoOffline()
	select {
	case <-seen:
		time.Sleep(100 * time.Millisecond)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mqtttest: the broker did not publish the last will: %w", ctx.Err())
	}
}

// Reconnect connects again after GoOffline and announces itself online.
func (c *Controller) Reconnect(ctx context.Context) error {
	c.mu.Lock()
	old := c.cli
	c.mu.Unlock()
	if old != nil {
		old.Disconnect(0)
	}
	return c.connect(ctx)
}

// Shutdown stops the heartbeat, publishes "offline" (a clean shutdown
// sends no last will) and disconnects.
func (c *Controller) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	select {
	case <-c.stop:
		c.mu.Unlock()
		return nil
	default:
	}
	close(c.stop)
	cli, online := c.cli, c.online
	c.online = false
	c.mu.Unlock()
	c.wg.Wait()
	var err error
	if online {
		b, _ := json.Marshal(lm.ConnectionMessage{Status: lm.ConnectionOffline, Reason: "shutdown", At: c.cfg.Now().UTC()})
		err = wait(ctx, cli.Publish(c.topic(lm.TopicConnection), 1, true, b))
	}
	if cli != nil {
		cli.Disconnect(100)
	}
	return err
}

// Close is Shutdown with a five-second limit.
func (c *Controller) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Shutdown(ctx)
}

// ClearRetained removes the retained messages under the prefix, so that
// a test leaves nothing behind on a shared broker.
func ClearRetained(ctx context.Context, broker, prefix string) error {
	cli := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("clr-" + randomHex(6)))
	if err := wait(ctx, cli.Connect()); err != nil {
		return fmt.Errorf("mqtttest: connect: %w", err)
	}
	defer cli.Disconnect(100)
	for _, t := range []string{lm.TopicSnapshot, lm.TopicConnection} {
		if err := wait(ctx, cli.Publish(prefix+"/"+t, 1, true, []byte{})); err != nil {
			return fmt.Errorf("mqtttest: clear %s: %w", t, err)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
