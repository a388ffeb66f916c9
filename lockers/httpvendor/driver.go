package httpvendor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/lockergate/lockergate/lockers"
)

// maxBody bounds a vendor's response body; a status of hundreds of
// compartments is a few tens of kilobytes.
const maxBody = 1 << 20

// Driver is a lockers.Driver (and lockers.Watcher) for one bank behind a
// vendor's cloud API that follows the contract in README.md.
type Driver struct {
	cfg  Config
	r    *resty.Client
	name string // the bank in errors: host, path and bank id; never the key
	bank string // the bank's path prefix, escaped

	mu     sync.Mutex
	closed bool
	comps  []lockers.Compartment // cached for sweeps while the vendor is offline
	events lockers.Broadcaster
	seen   map[string]time.Time // webhook event ids → when they may be forgotten
	done   chan struct{}
	wg     sync.WaitGroup
}

var (
	_ lockers.Driver  = (*Driver)(nil)
	_ lockers.Watcher = (*Driver)(nil)
)

// New returns a Driver. It makes no request; the first call does.
// The driver refuses stale commands and reports the vendor's duplicates,
// but keeps no memory of command ids itself: wrap it in lockers.Guard, as
// lockers.Open does.
func New(cfg Config) (*Driver, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.BaseURL)
	d := &Driver{
		cfg:  c,
		name: u.Host + u.Path + " bank " + c.Bank,
		bank: "/banks/" + url.PathEscape(c.Bank),
		seen: make(map[string]time.Time),
		done: make(chan struct{}),
	}
	d.r = resty.NewWithClient(c.HTTPClient).
		SetBaseURL(c.BaseURL).
		SetTimeout(c.Timeout).
		SetRetryCount(c.Retries).
		SetRetryWaitTime(100*time.Millisecond).
		SetRetryMaxWaitTime(2*time.Second).
		SetResponseBodyLimit(maxBody).
		SetLogger(quiet{}). // resty logs failed attempts; logging is the gateway's business
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "lockergate-httpvendor")
	switch c.Auth {
	case AuthHeader:
		d.r.SetHeader("X-API-Key", c.Key)
	default:
		d.r.SetAuthToken(c.Key)
	}
	return d, nil
}

type quiet struct{}

func (quiet) Errorf(string, ...any) {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Debugf(string, ...any) {}

// Name is the bank as it appears in errors.
func (d *Driver) Name() string { return d.name }

func (d *Driver) err(op string, id lockers.CompartmentID, err error) error {
	return &lockers.Error{Op: op, Bank: d.name, Compartment: id, Err: err}
}

// APIError is a non-2xx answer from the vendor. It unwraps to the lockers
// sentinel its code stands for, so callers can use errors.Is.
type APIError struct {
	Method, Path string
	Status       int
	Code         string // the vendor's error code; empty if the body had none
	Message      string // the vendor's message, or the start of a non-JSON body
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("httpvendor: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap maps the vendor's code (or, without one, the HTTP status) to a
// lockers sentinel.
func (e *APIError) Unwrap() error {
	switch e.Code {
	case CodeUnknownCompartment:
		return lockers.ErrUnknownCompartment
	case CodeDoorJammed:
		return lockers.ErrJammed
	case CodeControllerOffline:
		return lockers.ErrOffline
	case CodeStaleCommand:
		return lockers.ErrStale
	case CodeInvalidRequest, CodeIdempotencyConflict:
		return lockers.ErrInvalidCommand
	}
	switch e.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return lockers.ErrOffline
	case http.StatusGatewayTimeout:
		return lockers.ErrTimeout
	}
	return nil
}

// retryable reports whether a call may be sent again: the idempotent
// methods (GET, HEAD, PUT, DELETE), and POSTs that carry an
// Idempotency-Key the vendor de-duplicates by.
func retryable(method string, idemKey string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodPut:
		return true
	}
	return idemKey != ""
}

// call sends one request and decodes a 2xx JSON body into out.
func (d *Driver) call(ctx context.Context, method, path string, body any, out any, idemKey string) error {
	if err := d.checkOpen(); err != nil {
		return err
	}
	again := retryable(method, idemKey)
	req := d.r.R().SetContext(ctx).
		AddRetryCondition(func(resp *resty.Response, err error) bool {
			if !again || ctx.Err() != nil {
				return false
			}
			if err != nil {
				return true
			}
			switch resp.StatusCode() {
			case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				return true
			}
			return false
		})
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	if idemKey != "" {
		req.SetHeader(HeaderIdempotencyKey, idemKey)
	}
	resp, err := req.Execute(method, path)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ne net.Error
		kind := lockers.ErrOffline
		if errors.As(err, &ne) && ne.Timeout() {
			kind = lockers.ErrTimeout
		}
		// The text of a transport error names the URL; the key travels in
		// a header, but scrub it anyway in case a vendor put it in the path.
		return fmt.Errorf("httpvendor: %s %s: %w: %s", method, path, kind, d.scrub(err.Error()))
	}
	if resp.StatusCode() < 200 || resp.StatusCode() > 299 {
		return d.apiError(method, path, resp)
	}
	if out == nil || resp.StatusCode() == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		return fmt.Errorf("httpvendor: %s %s: %d with a body that breaks the contract: %w; body starts %s", method, path, resp.StatusCode(), jsonErr(err), d.start(resp.Body()))
	}
	return nil
}

func (d *Driver) apiError(method, path string, resp *resty.Response) error {
	e := &APIError{Method: method, Path: path, Status: resp.StatusCode()}
	var eb ErrorBody
	if json.Unmarshal(resp.Body(), &eb) == nil && eb.Error.Code != "" {
		e.Code = d.scrub(clip(eb.Error.Code, 64))
		e.Message = d.scrub(clip(eb.Error.Message, 200))
	} else if len(resp.Body()) > 0 {
		e.Message = "body starts " + d.start(resp.Body())
	}
	return e
}

// start quotes the first bytes of a body for an error message. The quoted
// form is bounded too: a byte that is not UTF-8 quotes as four characters.
func (d *Driver) start(b []byte) string {
	return clip(fmt.Sprintf("%q", d.scrub(clip(string(b), 120))), 200)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func (d *Driver) scrub(s string) string {
	if len(d.cfg.Key) >= 3 {
		s = strings.ReplaceAll(s, d.cfg.Key, "REDACTED")
	}
	return s
}

func (d *Driver) checkOpen() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return lockers.ErrClosed
	}
	return nil
}

func (d *Driver) compPath(id lockers.CompartmentID) string {
	return d.bank + "/compartments/" + url.PathEscape(string(id))
}

// Compartments lists the bank's compartments.
func (d *Driver) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	var l CompartmentList
	if err := d.call(ctx, http.MethodGet, d.bank+"/compartments", nil, &l, ""); err != nil {
		return nil, d.err("compartments", "", err)
	}
	out := make([]lockers.Compartment, 0, len(l.Compartments))
	for _, c := range l.Compartments {
		lc := lockers.Compartment{ID: lockers.CompartmentID(c.ID), Size: lockers.SizeClass(c.Size)}
		if c.Dimensions != nil {
			lc.Dimensions = &lockers.Dimensions{WidthMM: c.Dimensions.WidthMM, HeightMM: c.Dimensions.HeightMM, DepthMM: c.Dimensions.DepthMM}
		}
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
	d.mu.Lock()
	d.comps = out
	d.mu.Unlock()
	return out, nil
}

func toStatus(s CompartmentStatus, now time.Time) lockers.Status {
	st := lockers.Status{Compartment: lockers.CompartmentID(s.Compartment), At: s.ReadAt}
	if st.At.IsZero() {
		st.At = now
	}
	// The contract's words are the ones lockers' String methods print.
	st.Lock = lockers.ParseLockState(s.Lock)
	st.Door = lockers.ParseDoorState(s.Door)
	st.Item = lockers.ParsePresence(s.Item)
	switch s.Fault {
	case "":
	case CodeDoorJammed:
		st.Fault = lockers.ErrJammed
	case CodeControllerOffline:
		st.Fault = lockers.ErrOffline
	default:
		st.Fault = fmt.Errorf("httpvendor: compartment fault %s", clip(s.Fault, 64))
	}
	return st
}

// Status reads one compartment.
func (d *Driver) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	var s CompartmentStatus
	if err := d.call(ctx, http.MethodGet, d.compPath(id)+"/status", nil, &s, ""); err != nil {
		return lockers.Status{}, d.err("status", id, err)
	}
	if err := checkStatus(s); err != nil || s.Compartment != string(id) {
		if err == nil {
			err = fmt.Errorf("status is for compartment %q", s.Compartment)
		}
		return lockers.Status{}, d.err("status", id, fmt.Errorf("httpvendor: status body breaks the contract: %w", err))
	}
	return toStatus(s, d.cfg.Now()), nil
}

// StatusAll reads every compartment. When the vendor reports the bank's
// controller offline, every compartment comes back with Fault ErrOffline
// (from the last compartment list) instead of failing the sweep.
func (d *Driver) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	var b BankStatus
	err := d.call(ctx, http.MethodGet, d.bank+"/status", nil, &b, "")
	now := d.cfg.Now()
	if err != nil {
		d.mu.Lock()
		comps := d.comps
		d.mu.Unlock()
		if errors.Is(err, lockers.ErrOffline) && comps != nil {
			out := make([]lockers.Status, len(comps))
			for i, c := range comps {
				out[i] = lockers.Status{Compartment: c.ID, Fault: d.err("status all", c.ID, err), At: now}
			}
			return out, nil
		}
		return nil, d.err("status all", "", err)
	}
	out := make([]lockers.Status, 0, len(b.Compartments))
	for _, s := range b.Compartments {
		if err := checkStatus(s); err != nil {
			return nil, d.err("status all", "", fmt.Errorf("httpvendor: status body breaks the contract: %w", err))
		}
		st := toStatus(s, now)
		if !b.Online && st.Fault == nil {
			st.Fault = lockers.ErrOffline
		}
		out = append(out, st)
	}
	return out, nil
}

// Health asks the vendor for its controllers. A vendor that cannot be
// reached is reported as an offline bank, not as an error.
func (d *Driver) Health(ctx context.Context) (lockers.Health, error) {
	var b BankHealth
	if err := d.call(ctx, http.MethodGet, d.bank+"/health", nil, &b, ""); err != nil {
		if errors.Is(err, lockers.ErrClosed) || ctx.Err() != nil {
			return lockers.Health{}, d.err("health", "", err)
		}
		return lockers.Health{Online: false, Detail: "vendor API: " + err.Error(),
			Boards: []lockers.BoardHealth{{Board: "api", Online: false, Err: err}}}, nil
	}
	h := lockers.Health{Online: b.Online}
	up := 0
	for _, c := range b.Controllers {
		bh := lockers.BoardHealth{Board: c.ID, Online: c.Online, LastSeen: c.LastSeen}
		for _, id := range c.Compartments {
			bh.Compartments = append(bh.Compartments, lockers.CompartmentID(id))
		}
		if c.Online {
			up++
		} else {
			msg := c.Error
			if msg == "" {
				msg = "vendor reports the controller offline"
			}
			bh.Err = fmt.Errorf("%w: %s", lockers.ErrOffline, clip(msg, 200))
		}
		h.Boards = append(h.Boards, bh)
	}
	h.Detail = fmt.Sprintf("%d of %d controllers online", up, len(b.Controllers))
	if n := d.events.Dropped(); n > 0 {
		h.Detail += fmt.Sprintf("; %d events dropped for slow watchers", n)
	}
	return h, nil
}

// Open asks the vendor to open a compartment, with the command id as
// Idempotency-Key (so a retried request never pulses twice), then
// confirms by reading the status, and by webhook events when the handler
// is mounted, until the lock shows released or the door open.
func (d *Driver) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	id := cmd.Compartment
	if cmd.ID == "" || cmd.Issued.IsZero() || id == "" {
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrInvalidCommand)
	}
	maxAge := cmd.MaxAge
	if maxAge <= 0 {
		maxAge = lockers.DefaultMaxAge
	}
	expires := cmd.Issued.Add(maxAge)
	if d.cfg.Now().After(expires) {
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrStale)
	}
	// Listen before asking, so that the webhook's door.opened cannot come
	// before we listen.
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	events, err := d.Watch(wctx)
	if err != nil {
		return lockers.OpenResult{}, d.err("open", id, lockers.ErrClosed)
	}
	var or OpenResponse
	req := OpenRequest{CommandID: cmd.ID, IssuedAt: cmd.Issued.UTC(), ExpiresAt: expires.UTC()}
	if err := d.call(ctx, http.MethodPost, d.compPath(id)+"/open", req, &or, cmd.ID); err != nil {
		return lockers.OpenResult{}, d.err("open", id, err)
	}
	if or.Duplicate {
		res := lockers.OpenResult{Duplicate: true, Status: lockers.Status{Compartment: id, At: d.cfg.Now()}}
		if or.Status != nil {
			res.Status = toStatus(*or.Status, d.cfg.Now())
		}
		return res, nil
	}
	st, err := lockers.ConfirmOpen(ctx, lockers.ConfirmOptions{
		Status:      func(ctx context.Context) (lockers.Status, error) { return d.Status(ctx, id) },
		Events:      events,
		Compartment: id,
		Interval:    d.cfg.ConfirmInterval,
		Timeout:     d.cfg.ConfirmTimeout,
	})
	if err != nil {
		var le *lockers.Error
		if errors.As(err, &le) {
			return lockers.OpenResult{Status: st}, err
		}
		return lockers.OpenResult{Status: st}, d.err("open", id, err)
	}
	return lockers.OpenResult{Status: st}, nil
}

// Reserve asks the vendor to hold a compartment for an external id (a hold
// or transfer id). It is idempotent: the same external id returns the
// same reservation.
func (d *Driver) Reserve(ctx context.Context, r ReservationRequest) (Reservation, error) {
	var out Reservation
	if r.ExternalID == "" {
		return out, d.err("reserve", lockers.CompartmentID(r.Compartment), fmt.Errorf("%w: no external id", lockers.ErrInvalidCommand))
	}
	if err := d.call(ctx, http.MethodPost, d.bank+"/reservations", r, &out, r.ExternalID); err != nil {
		return out, d.err("reserve", lockers.CompartmentID(r.Compartment), err)
	}
	return out, nil
}

// CancelReservation releases the reservation of an external id. Cancelling
// one that does not exist is not an error.
func (d *Driver) CancelReservation(ctx context.Context, externalID string) error {
	err := d.call(ctx, http.MethodDelete, d.bank+"/reservations/"+url.PathEscape(externalID), nil, nil, "")
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return d.err("cancel reservation", "", err)
	}
	return nil
}

// Close ends watches and makes every later call fail with ErrClosed.
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.done)
	d.mu.Unlock()
	d.events.Close()
	d.wg.Wait()
	d.cfg.HTTPClient.CloseIdleConnections()
	return nil
}
