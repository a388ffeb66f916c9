package gateway

import (
	"context"
	"time"
)

// Notifier tells a patron (or staff) about something. Implementations:
// gateway/notify (webhook, SMTP, fan-out). A notification is delivered
// through the outbox: Notify is retried with backoff until it succeeds or
// the entry is given up and shown to staff; it never blocks a load.
type Notifier interface {
	// Notify delivers one notification. Any error, whatever its code,
	// means "not delivered": the outbox retries it until the entry is
	// given up after GiveUpAfter and shown to staff. Errors never hold the
	// pickup code.
	Notify(ctx context.Context, n Notification) error
}

// Notification kinds.
const (
	NotifyReady   = "ready"   // items are in a locker: here is the pickup code
	NotifyExpired = "expired" // the reservation expired and the items go back
	NotifyAlert   = "alert"   // a staff alert (door fault, forced door)
)

// Notification is one message to deliver.
type Notification struct {
	ID       string // stable across retries (the outbox entry's key), for de-duplication by the receiver
	Kind     string // one of the Notify* constants
	Site     string
	Language string // the patron's language, else the site's default
	Patron   Patron // empty for staff alerts
	Bank     string
	BankName string
	// Compartments the items are in, as labelled on the doors.
	Compartments []string
	Items        []NotifiedItem
	// Code is the pickup code. It is a secret: notifiers put it in the
	// message body they deliver and nowhere else (never in a log or error).
	Code    string
	Expires time.Time
	// Message is free text for alerts.
	Message string
}

// NotifiedItem is one item named in a notification.
type NotifiedItem struct {
	ID    string
	Title string
}
