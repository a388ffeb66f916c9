package httpvendor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// maxWebhookBody bounds a webhook body.
const maxWebhookBody = 64 << 10

// maxSeenEvents bounds the replay cache; the tolerance window keeps it far
// smaller in practice.
const maxSeenEvents = 100000

// WebhookHandler returns the handler the gateway mounts at the URL it
// gives the vendor for events. It accepts a POST only when its
// Lockers-Signature matches the body under the shared secret and its
// Lockers-Timestamp lies within the tolerance; an event id seen before is
// refused with 409 DUPLICATE_EVENT and not delivered again. Accepted
// events go to every Watch channel, and the answer is 204.
//
// Through the registry the driver is wrapped in a Guard; reach the handler
// with lockers.Unguard(d).(interface{ WebhookHandler() http.Handler }).
func (d *Driver) WebhookHandler() http.Handler { return http.HandlerFunc(d.serveWebhook) }

// WebhookPathPrefix starts the path at which a gateway takes a vendor's
// webhook; the bank's id follows it (README.md, "Webhook").
const WebhookPathPrefix = "/hooks/vendor/"

// WebhookPath is the path, on the gateway's address, where the vendor
// posts this bank's events: WebhookPathPrefix and the bank's id,
// path-escaped, as README.md documents. The handler itself does not look
// at the path (it checks the bank named in the body); WebhookPath is what
// a server mounts it at and what the vendor is told, so that both come
// from one place.
func (d *Driver) WebhookPath() string { return WebhookPathPrefix + url.PathEscape(d.cfg.Bank) }

// ErrNoWebhookSecret is WebhookReady's answer for a driver configured
// without the webhook's shared secret.
var ErrNoWebhookSecret = errors.New("httpvendor: no webhook secret configured (set webhook_secret_env): the webhook refuses every event")

// WebhookReady returns nil when the webhook can accept events, and
// ErrNoWebhookSecret when it would refuse them all for want of the shared
// secret. A server checks it before telling a vendor where to send events,
// rather than letting every delivery fail with 503.
func (d *Driver) WebhookReady() error {
	if len(d.cfg.WebhookSecret) == 0 {
		return ErrNoWebhookSecret
	}
	return nil
}

func (d *Driver) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, CodeInvalidRequest, "POST only")
		return
	}
	if len(d.cfg.WebhookSecret) == 0 {
		writeError(w, http.StatusServiceUnavailable, CodeUnauthorized, "webhook secret not configured on the gateway")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, CodeInvalidRequest, fmt.Sprintf("body larger than %d bytes or unreadable", maxWebhookBody))
		return
	}
	now := d.cfg.Now()
	err = VerifySignature(d.cfg.WebhookSecret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, now, d.cfg.WebhookTolerance)
	switch {
	case errors.Is(err, ErrStaleEvent):
		writeError(w, http.StatusBadRequest, CodeStaleEvent, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusUnauthorized, CodeBadSignature, err.Error())
		return
	}
	e, err := DecodeEvent(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeInvalidRequest, err.Error())
		return
	}
	if e.Bank != d.cfg.Bank {
		writeError(w, http.StatusBadRequest, CodeUnknownBank, fmt.Sprintf("event for bank %q sent to the webhook of bank %q", clip(e.Bank, 64), d.cfg.Bank))
		return
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, CodeControllerOffline, "driver closed")
		return
	}
	for id, until := range d.seen {
		if len(d.seen) < maxSeenEvents/2 {
			break
		}
		if now.After(until) {
			delete(d.seen, id)
		}
	}
	if _, dup := d.seen[e.EventID]; dup {
		d.mu.Unlock()
		writeError(w, http.StatusConflict, CodeDuplicateEvent, "event "+clip(e.EventID, 64)+" was delivered before")
		return
	}
	if len(d.seen) >= maxSeenEvents {
		d.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, CodeRateLimited, "too many events in the replay window")
		return
	}
	// Twice the tolerance: a replay with a timestamp just inside the
	// window is still recognised.
	d.seen[e.EventID] = now.Add(2 * d.cfg.WebhookTolerance)
	d.mu.Unlock()
	d.emit(toEvent(e, now))
	w.WriteHeader(http.StatusNoContent)
}

func toEvent(e Event, now time.Time) lockers.Event {
	ev := lockers.Event{Compartment: lockers.CompartmentID(e.Compartment), At: e.OccurredAt}
	if ev.At.IsZero() {
		ev.At = now
	}
	switch e.Type {
	case EventDoorOpened:
		ev.Type = lockers.EventDoorOpened
	case EventDoorClosed:
		ev.Type = lockers.EventDoorClosed
	case EventDoorForced:
		ev.Type = lockers.EventDoorForced
	case EventDoorLeftOpen:
		ev.Type = lockers.EventDoorLeftOpen
	case EventItemChanged:
		ev.Type = lockers.EventItemChanged
	case EventControllerOffline:
		ev.Type, ev.Board = lockers.EventBoardOffline, e.Bank
	case EventControllerOnline:
		ev.Type, ev.Board = lockers.EventBoardOnline, e.Bank
	}
	if e.Status != nil {
		ev.Status = toStatus(*e.Status, now)
	}
	return ev
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b ErrorBody
	b.Error.Code, b.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(b)
}
