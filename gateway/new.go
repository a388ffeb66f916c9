package gateway

// new.go: building, starting and stopping the Service.
//
//	New: check the configuration (EINVALID naming the field), apply defaults,
//	     guard every driver; nothing is opened or started
//	Start: banks, compartments and equipment into the store
//	     ─► leases left under this node's name released (a crash's)
//	     ─► every door read: closed doors of loading/unloading compartments
//	        whose opening was recorded get their close transition (a crash
//	        between door and database); those never confirmed open go to
//	        staff (interrupted.go); open ones have their opening recorded
//	     ─► equipment loans interrupted before their door, undone
//	     ─► bank events subscribed; outbox sender, door sweeps and expiry
//	        timer started (outbox entries left sent are resolved by the
//	        sender, asking the ILS first)
//	Shutdown: new workflow calls refused (EUNAVAILABLE) ─► loops stopped
//	     ─► workflow calls, door commands and sends in flight finish (until
//	        ctx ends; then they are cut off and waited for briefly) ─► event
//	        subscriptions closed; store and drivers stay open (the caller's)

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// Service runs the workflows. It is safe for concurrent use. Build it with
// New, run its background work (door watchers, outbox sender, expiry timer,
// door sweeps) with Start, and stop that with Shutdown.
//
// Several Services may share one PostgreSQL database (several gateway
// processes): everything they share lives in the Store, compartments are
// assigned atomically there, and outbox entries are leased per node.
//
// Once Shutdown has begun, the workflow calls that open doors or talk to
// the ILS (Load, Pickup, Return, EmptyReturns, Lend, Clear) return
// EUNAVAILABLE; the staff screens' reads keep working.
type Service struct {
	cfg   Config
	store Store
	log   *logrus.Logger
	now   func() time.Time
	node  string
	// inlineOwner leases the entries a workflow delivers itself while a
	// person waits. It differs from node so that this process's own sender
	// never claims them, whatever the store's lease rules for an owner.
	inlineOwner string

	sites map[string]*Site
	banks map[string]*bankRT
	order []string // bank ids, sorted

	bus *bus

	mu      sync.Mutex
	started bool
	stopped bool
	ctx     context.Context // the background loops; ends when Shutdown starts
	cancel  context.CancelFunc
	// work is the context of sends and other steps that must finish once
	// begun; it ends only when Shutdown's own deadline passes.
	work       context.Context
	cancelWork context.CancelFunc
	wg         sync.WaitGroup
	kick       chan struct{}

	// inflight holds the outbox entries this process is delivering, so
	// that Flush can wait for them and no entry is delivered twice at once.
	inflightMu sync.Mutex
	inflight   map[int64]bool
	claiming   int // sendDue calls running
	// ops counts the workflow calls running (enter/leave): Shutdown waits
	// for them, and once closing is set refuses new ones.
	ops     int
	closing bool
	idle    *sync.Cond
}

// bankRT is a configured bank with what the running Service knows about
// its hardware.
type bankRT struct {
	cfg    BankConfig
	site   *Site
	driver lockers.Driver
	ranks  map[lockers.SizeClass]int

	// assign serialises this process's compartment choices at the bank, so
	// that two loads for one patron do not both start a reservation.
	assign sync.Mutex

	mu     sync.Mutex
	synced bool
	// offline holds the compartments behind boards that do not answer; new
	// assignments exclude them, so a dead board takes its compartments out
	// of use without losing what the store says is inside.
	offline      map[lockers.CompartmentID]bool
	offlineBoard map[string]bool
	online       bool
	// opening counts door commands in flight per compartment; the sweep
	// leaves those compartments alone.
	opening map[lockers.CompartmentID]int
	// openSince is when the sweep first saw a loading or unloading door
	// open (for DoorTimeout).
	openSince map[lockers.CompartmentID]time.Time
	// seen is the previous sweep's observation of compartments in loading
	// or unloading with their door closed (see sweepBank).
	seen map[lockers.CompartmentID]sweepMark
}

// sweepMark is a sweep's reading of a compartment's stored state: two
// sweeps agree when the compartment has not moved in between.
type sweepMark struct {
	id    lockers.CompartmentID
	state CompartmentState
	at    time.Time
}

// Defaults of Config and Site.
const (
	defaultPickupPeriod  = 7 * 24 * time.Hour
	defaultCapacity      = 3
	defaultCodeLength    = 6
	minCodeLength        = 6
	maxCodeLength        = 12
	defaultMaxFailures   = 5
	defaultFailureWindow = 15 * time.Minute
	defaultLockout       = 15 * time.Minute
	defaultDoorTimeout   = 2 * time.Minute
	defaultOutboxEvery   = time.Second
	defaultBackoff       = 2 * time.Second
	defaultMaxBackoff    = 5 * time.Minute
	defaultGiveUpAfter   = 7 * 24 * time.Hour
	defaultExpiryEvery   = time.Minute
	defaultInlineWait    = 3 * time.Second
	defaultILSTimeout    = 20 * time.Second
	defaultLease         = 2 * time.Minute
	defaultSweepEvery    = 30 * time.Second
	defaultOpenTimeout   = 10 * time.Second
	minSecretLen         = 32
	maxDoorAttempts      = 3
)

// defaultSizeRanks ranks the usual size classes.
var defaultSizeRanks = map[lockers.SizeClass]int{"S": 1, "M": 2, "L": 3, "XL": 4}

// New checks the configuration and returns a Service; Start runs it. Every
// bank's driver is wrapped in lockers.Guard (a no-op for a driver from
// lockers.Open) so that door commands are de-duplicated and every driver
// reports events. New opens no connection and starts no goroutine. Errors
// are EINVALID and name the field at fault.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, Errorf(EINVALID, "config: store is missing")
	}
	if len(cfg.Secret) < minSecretLen {
		return nil, Errorf(EINVALID, "config: secret must be at least %d bytes (it has %d)", minSecretLen, len(cfg.Secret))
	}
	if cfg.Log == nil {
		cfg.Log = logrus.New()
		cfg.Log.SetOutput(io.Discard)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Node == "" {
		host, _ := os.Hostname()
		// The random suffix keeps two Services in one process (tests, a
		// demo) from sharing leases.
		cfg.Node = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randHex(3))
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	setDur(&cfg.DoorTimeout, defaultDoorTimeout)
	setDur(&cfg.OutboxInterval, defaultOutboxEvery)
	setDur(&cfg.Backoff, defaultBackoff)
	setDur(&cfg.MaxBackoff, defaultMaxBackoff)
	setDur(&cfg.GiveUpAfter, defaultGiveUpAfter)
	setDur(&cfg.ExpiryInterval, defaultExpiryEvery)
	setDur(&cfg.InlineWait, defaultInlineWait)
	setDur(&cfg.ILSTimeout, defaultILSTimeout)
	setDur(&cfg.OutboxLease, defaultLease)
	setDur(&cfg.SweepInterval, defaultSweepEvery)
	setDur(&cfg.DoorOpenTimeout, defaultOpenTimeout)
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = cfg.Backoff
	}
	if cfg.OutboxLease < 2*cfg.ILSTimeout {
		cfg.OutboxLease = 2 * cfg.ILSTimeout
	}

	s := &Service{
		cfg:         cfg,
		store:       cfg.Store,
		log:         cfg.Log,
		now:         cfg.Now,
		node:        cfg.Node,
		inlineOwner: cfg.Node + "/inline",
		sites:       map[string]*Site{},
		banks:       map[string]*bankRT{},
		bus:         newBus(cfg.Log),
		kick:        make(chan struct{}, 1),
		inflight:    map[int64]bool{},
	}
	s.idle = sync.NewCond(&s.inflightMu)

	for i := range cfg.Sites {
		site := cfg.Sites[i] // a copy: defaults must not change the caller's
		where := fmt.Sprintf("config: sites[%d]", i)
		if site.ID == "" {
			return nil, Errorf(EINVALID, "%s: id is empty", where)
		}
		where = fmt.Sprintf("config: site %q", site.ID)
		if _, dup := s.sites[site.ID]; dup {
			return nil, Errorf(EINVALID, "%s: defined twice", where)
		}
		if cfg.ILS[site.ILS] == nil {
			return nil, Errorf(EINVALID, "%s: ils %q is not configured", where, site.ILS)
		}
		switch site.CheckoutAt {
		case "":
			site.CheckoutAt = CheckoutAtPickup
		case CheckoutAtPickup, CheckoutAtLoad:
		default:
			return nil, Errorf(EINVALID, "%s: checkout_at %q is neither %q nor %q", where, site.CheckoutAt, CheckoutAtPickup, CheckoutAtLoad)
		}
		if site.CodeLength == 0 {
			site.CodeLength = defaultCodeLength
		}
		if site.CodeLength < minCodeLength || site.CodeLength > maxCodeLength {
			return nil, Errorf(EINVALID, "%s: code length %d is outside %d..%d", where, site.CodeLength, minCodeLength, maxCodeLength)
		}
		setDur(&site.PickupPeriod, defaultPickupPeriod)
		setDur(&site.FailureWindow, defaultFailureWindow)
		setDur(&site.Lockout, defaultLockout)
		if site.MaxFailures <= 0 {
			site.MaxFailures = defaultMaxFailures
		}
		if site.BankMaxFailures <= 0 {
			site.BankMaxFailures = 3 * site.MaxFailures
		}
		if site.Language == "" {
			site.Language = "en"
		}
		caps := map[lockers.SizeClass]int{}
		for k, v := range site.Capacity {
			if v <= 0 {
				return nil, Errorf(EINVALID, "%s: capacity of size %q is %d; it must be at least 1", where, k, v)
			}
			caps[k] = v
		}
		site.Capacity = caps
		site.Banks = slices.Clone(site.Banks)
		sp := &site
		s.sites[site.ID] = sp

		for j, bc := range site.Banks {
			bw := fmt.Sprintf("%s: banks[%d]", where, j)
			if bc.ID == "" {
				return nil, Errorf(EINVALID, "%s: id is empty", bw)
			}
			bw = fmt.Sprintf("%s: bank %q", where, bc.ID)
			if _, dup := s.banks[bc.ID]; dup {
				return nil, Errorf(EINVALID, "config: bank %q is defined twice", bc.ID)
			}
			if bc.Driver == nil {
				return nil, Errorf(EINVALID, "%s: driver is missing", bw)
			}
			if bc.Location == "" {
				return nil, Errorf(EINVALID, "%s: location (the ILS location code of the bank) is empty", bw)
			}
			ranks := map[lockers.SizeClass]int{}
			for k, v := range defaultSizeRanks {
				ranks[k] = v
			}
			for k, v := range bc.SizeRanks {
				if v <= 0 {
					return nil, Errorf(EINVALID, "%s: size rank of %q is %d; it must be at least 1", bw, k, v)
				}
				ranks[k] = v
			}
			used := map[lockers.CompartmentID]string{}
			for _, id := range bc.Returns {
				if id == "" {
					return nil, Errorf(EINVALID, "%s: a returns compartment id is empty", bw)
				}
				if _, dup := used[id]; dup {
					return nil, Errorf(EINVALID, "%s: returns compartment %q is listed twice", bw, id)
				}
				used[id] = "returns"
			}
			items := map[string]bool{}
			for k, e := range bc.Equipment {
				ew := fmt.Sprintf("%s: equipment[%d]", bw, k)
				if e.Item == "" || e.Compartment == "" || e.Type == "" {
					return nil, Errorf(EINVALID, "%s: item, compartment and type are required", ew)
				}
				if items[e.Item] {
					return nil, Errorf(EINVALID, "%s: item %q is listed twice", ew, e.Item)
				}
				items[e.Item] = true
				if what, dup := used[e.Compartment]; dup {
					return nil, Errorf(EINVALID, "%s: compartment %q is already used for %s", ew, e.Compartment, what)
				}
				used[e.Compartment] = "equipment " + e.Item
			}
			bc.Driver = lockers.Guard(bc.Driver, lockers.GuardOptions{Bank: bc.ID})
			sp.Banks[j] = bc
			s.banks[bc.ID] = &bankRT{
				cfg:          bc,
				site:         sp,
				driver:       bc.Driver,
				ranks:        ranks,
				offline:      map[lockers.CompartmentID]bool{},
				offlineBoard: map[string]bool{},
				online:       true,
				opening:      map[lockers.CompartmentID]int{},
				seen:         map[lockers.CompartmentID]sweepMark{},
				openSince:    map[lockers.CompartmentID]time.Time{},
			}
			s.order = append(s.order, bc.ID)
		}
	}
	slices.Sort(s.order)
	// Equipment items are unique across banks too: a return scan finds
	// the item's home by its id alone.
	seenItem := map[string]string{}
	for _, id := range s.order {
		for _, e := range s.banks[id].cfg.Equipment {
			if other, dup := seenItem[e.Item]; dup {
				return nil, Errorf(EINVALID, "config: equipment item %q is in banks %q and %q", e.Item, other, id)
			}
			seenItem[e.Item] = id
		}
	}
	return s, nil
}

// Start syncs banks, compartments and equipment from the configuration into
// the store, reconciles what a crash left half done (doors in loading or
// unloading, outbox entries in sent), and starts the door watchers, the
// outbox sender, the door sweep and the expiry timer. They run until
// Shutdown.
//
// A bank whose driver does not answer does not stop the start: its
// compartments are synced when it answers (the sweep retries) and staff see
// a board-offline alert. Start fails only when the store fails.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return Errorf(ECONFLICT, "service already started")
	}
	s.started = true
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.work, s.cancelWork = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()

	for _, id := range s.order {
		b := s.banks[id]
		bank := Bank{ID: id, Site: b.site.ID, Name: b.cfg.Name, Location: b.cfg.Location}
		if err := s.store.Tx(ctx, func(tx Tx) error { return tx.PutBank(bank) }); err != nil {
			return fmt.Errorf("start: bank %s: %w", id, err)
		}
		if err := s.syncBank(ctx, b); err != nil {
			if ErrorCode(err) != EUNAVAILABLE {
				return fmt.Errorf("start: %w", err)
			}
			s.log.WithError(err).WithField("bank", id).Warn("bank not synced at start; retrying at each sweep")
		}
	}
	if err := s.releaseOwnLeases(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	// Doors first: a compartment whose door closed while no process was
	// watching gets its close transition before anything else looks at it.
	for _, id := range s.order {
		s.sweepBank(ctx, s.banks[id], true)
	}
	if err := s.reconcileEquipment(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}

	for _, id := range s.order {
		b := s.banks[id]
		ch, err := s.subscribe(s.ctx, b)
		if err != nil {
			s.log.WithError(err).WithField("bank", id).Warn("cannot watch the bank yet")
			ch = nil
		}
		s.goBackground(func(ctx context.Context) { s.watchBank(ctx, b, ch) })
	}
	s.goBackground(s.runSender)
	s.goBackground(s.runSweeps)
	s.goBackground(s.runExpiry)
	s.log.WithField("node", s.node).WithField("banks", len(s.order)).Info("gateway started")
	return nil
}

// goBackground runs fn until Shutdown.
func (s *Service) goBackground(fn func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(s.ctx)
	}()
}

// Shutdown refuses new workflow calls (EUNAVAILABLE), stops the background
// work and waits until ctx is done for what is in flight: workflow calls
// with their door commands, and sends. When ctx ends first, the sends still
// running are cut off (their entries stay sent and are resolved by asking
// the ILS, after their lease, by whichever process runs next) and waited
// for a little longer, and Shutdown returns EUNAVAILABLE. It closes
// neither the store nor the drivers: the caller opened them and closes
// them after Shutdown.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.started || s.stopped {
		s.stopped = true
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	s.mu.Unlock()
	s.inflightMu.Lock()
	s.closing = true
	s.inflightMu.Unlock()
	s.cancel()
	loops := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(loops)
	}()
	quiet := func(ctx context.Context) error {
		select {
		case <-loops:
		case <-ctx.Done():
			return ctx.Err()
		}
		return s.waitUntil(ctx, func() bool { return s.ops == 0 && !s.busyLocked() })
	}
	err := quiet(ctx)
	s.cancelWork()
	if err != nil {
		// What was cut off ends on its cancelled context; a call that
		// ignores it is not waited for for ever.
		wctx, cancel := context.WithTimeout(context.Background(), max(s.cfg.ILSTimeout, s.cfg.DoorOpenTimeout))
		if werr := quiet(wctx); werr != nil {
			s.log.WithError(werr).Warn("shutdown: work still running after being cut off (an ILS or driver call that ignores its context)")
		}
		cancel()
	}
	s.bus.close()
	if err != nil {
		return WrapError(EUNAVAILABLE, err, "shutdown: in-flight work cut off")
	}
	return nil
}

// enter registers a workflow call (one that may open doors, start sends,
// or change state for a front door's message: the ILL calls), to be
// paired with leave; EUNAVAILABLE once Shutdown has begun.
func (s *Service) enter() error {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	if s.closing {
		return Errorf(EUNAVAILABLE, "the gateway is shutting down; try again in a moment")
	}
	s.ops++
	return nil
}

// leave ends a workflow call registered by enter.
func (s *Service) leave() {
	s.inflightMu.Lock()
	s.ops--
	s.inflightMu.Unlock()
	s.idle.Broadcast()
}

// Ready reports whether the database and every ILS answer.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return WrapError(EUNAVAILABLE, err, "the database does not answer")
	}
	names := make([]string, 0, len(s.cfg.ILS))
	for name := range s.cfg.ILS {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.ILSTimeout)
		err := s.cfg.ILS[name].Ping(cctx)
		cancel()
		if err != nil {
			return WrapError(EUNAVAILABLE, err, "the library system %q does not answer", name)
		}
	}
	return nil
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// background returns the context for work that must finish once begun even
// if the request that started it goes away (a door opened after its intent
// was committed, a send after it was marked sent): a request context's
// cancellation would otherwise leave a state only a restart reconciles.
func (s *Service) background() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.work != nil {
		return s.work
	}
	return context.Background()
}

// bank returns a configured bank. ENOTFOUND if unknown.
func (s *Service) bank(id string) (*bankRT, error) {
	if id == "" {
		return nil, Errorf(EINVALID, "bank is missing")
	}
	b := s.banks[id]
	if b == nil {
		return nil, Errorf(ENOTFOUND, "unknown bank %q", id)
	}
	return b, nil
}

// bankItem returns the bank of a request about an item, whose id it trims.
// ENOTFOUND for an unknown bank; EINVALID for a missing bank or item.
func (s *Service) bankItem(bank string, item *string) (*bankRT, error) {
	b, err := s.bank(bank)
	if err != nil {
		return nil, err
	}
	if *item = strings.TrimSpace(*item); *item == "" {
		return nil, invalidField(FieldItem, "item is missing")
	}
	return b, nil
}

// ils returns a site's ILS.
func (s *Service) ils(site string) (ILS, error) {
	st := s.sites[site]
	if st == nil {
		return nil, Errorf(EINTERNAL, "unknown site %q", site)
	}
	return s.cfg.ILS[st.ILS], nil
}

// syncBank puts the bank's compartments (from its driver) and equipment
// into the store. EUNAVAILABLE when the driver does not answer.
func (s *Service) syncBank(ctx context.Context, b *bankRT) error {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.DoorOpenTimeout)
	hw, err := b.driver.Compartments(cctx)
	cancel()
	if err != nil {
		return WrapError(EUNAVAILABLE, err, "bank %s does not list its compartments", b.cfg.ID)
	}
	kinds := map[lockers.CompartmentID]CompartmentKind{}
	for _, id := range b.cfg.Returns {
		kinds[id] = KindReturn
	}
	for _, e := range b.cfg.Equipment {
		kinds[e.Compartment] = KindEquipment
	}
	known := map[lockers.CompartmentID]bool{}
	cs := make([]Compartment, 0, len(hw))
	for _, c := range hw {
		known[c.ID] = true
		rank, ok := b.ranks[c.Size]
		if !ok {
			s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": c.ID, "size": c.Size}).Warn("size class has no rank; treating it as the smallest")
			rank = 1
		}
		kind := kinds[c.ID]
		if kind == "" {
			kind = KindPickup
		}
		cs = append(cs, Compartment{Bank: b.cfg.ID, ID: c.ID, Size: c.Size, SizeRank: rank, Kind: kind})
	}
	for id := range kinds {
		if !known[id] {
			s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": id}).Warn("configured returns or equipment compartment is not in the bank")
		}
	}
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.SyncCompartments(b.cfg.ID, cs); err != nil {
			return err
		}
		for _, e := range b.cfg.Equipment {
			if !known[e.Compartment] {
				continue
			}
			if err := tx.PutEquipment(Equipment{Item: e.Item, Bank: b.cfg.ID, Compartment: e.Compartment, Type: e.Type, Title: e.Title, State: EquipAvailable}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bank %s: sync compartments: %w", b.cfg.ID, err)
	}
	b.mu.Lock()
	b.synced = true
	b.mu.Unlock()
	return nil
}

// releaseOwnLeases frees the outbox leases held under this node's name: a
// process that has just started is delivering nothing, so leases under its
// name are left from a previous run that died. (Node names must therefore
// be unique among running processes, as the default is.)
func (s *Service) releaseOwnLeases(ctx context.Context) error {
	return s.store.Tx(ctx, func(tx Tx) error {
		es, err := tx.Outbox(OutboxFilter{States: []OutboxState{OutboxPending, OutboxSent}})
		if err != nil {
			return err
		}
		for i := range es {
			e := &es[i]
			if e.ClaimedBy != s.node && e.ClaimedBy != s.inlineOwner {
				continue
			}
			e.ClaimedBy, e.ClaimedUntil = "", time.Time{}
			if err := tx.UpdateOutbox(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand does not fail on supported platforms; a panic here
		// is better than predictable ids.
		panic("gateway: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// newID returns a random id with a prefix ("r-" reservations, "t-" returns).
func newID(prefix string) string { return prefix + randHex(8) }

// isCode reports whether err is a gateway error with the code.
func isCode(err error, code string) bool { return err != nil && ErrorCode(err) == code }

// doorFault says why a door command failed, in words staff read.
func doorFault(err error) string {
	switch {
	case errors.Is(err, lockers.ErrJammed):
		return "lock jammed"
	case errors.Is(err, lockers.ErrOffline):
		return "controller offline"
	case errors.Is(err, lockers.ErrNotConfirmed):
		return "open not confirmed"
	case errors.Is(err, lockers.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "door did not answer in time"
	case errors.Is(err, lockers.ErrUnknownCompartment):
		return "compartment unknown to the bank"
	case errors.Is(err, lockers.ErrStale):
		return "door command too old"
	case errors.Is(err, lockers.ErrClosed):
		return "driver closed"
	}
	return "door failed"
}
