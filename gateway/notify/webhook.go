package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/lockergate/lockergate/gateway"
)

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// URL receives a POST per notification. Required; http or https.
	URL string
	// Token, if set, is sent as "Authorization: Bearer <token>".
	Token string
	// Timeout bounds one delivery when the context has no earlier
	// deadline. If zero, 10s.
	Timeout time.Duration
	// Templates renders the subject and text sent along with the
	// structured fields. If nil, the embedded defaults.
	Templates *Templates
	// HTTPClient, if set, is the transport (TLS settings, proxies).
	HTTPClient *http.Client
}

// String describes the webhook without its token or the URL's query,
// which may hold a key.
func (c WebhookConfig) String() string {
	tok := ""
	if c.Token != "" {
		tok = " token=****"
	}
	return "webhook " + redactURL(c.URL) + tok
}

// GoString is String, so that %#v does not print the token.
func (c WebhookConfig) GoString() string { return c.String() }

// Webhook posts each notification as JSON to a URL (an SMS gateway, the
// library's messaging service). The body:
//
//	{"id": "...", "kind": "ready", "site": "main-lobby", "language": "en",
//	 "patron": {"id": "...", "name": "...", "email": "...", "phone": "..."},
//	 "bank": "LOCKER1", "bank_name": "Lobby lockers",
//	 "compartments": ["7"], "items": [{"id": "I0001", "title": "..."}],
//	 "code": "123456", "expires": "2027-01-15T18:00:00Z",
//	 "message": "", "subject": "...", "text": "..."}
//
// "expires" is null when unknown; "text" and "subject" are the rendered
// template, for receivers that just forward a message. The Idempotency-Key
// header carries the notification id, the same on every retry, so a
// receiver can drop duplicates. Any status outside 2xx is an error (the
// outbox retries); a Webhook itself never retries.
type Webhook struct {
	cfg    WebhookConfig
	client *resty.Client
	tmpl   *Templates
}

var _ gateway.Notifier = (*Webhook)(nil)

// NewWebhook checks cfg and returns a Webhook.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: webhook URL %q: want an http:// or https:// URL", redactURL(cfg.URL))
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("notify: webhook timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	tmpl := cfg.Templates
	if tmpl == nil {
		if tmpl, err = LoadTemplates("", nil); err != nil {
			return nil, err
		}
	}
	var c *resty.Client
	if cfg.HTTPClient != nil {
		c = resty.NewWithClient(cfg.HTTPClient)
	} else {
		c = resty.New()
	}
	// resty logs request errors to stderr by default; ours are returned
	// to the outbox instead, and a log line could carry the URL's key.
	c.SetLogger(discardLogger{}).SetRetryCount(0).SetTimeout(cfg.Timeout)
	c.SetRedirectPolicy(resty.NoRedirectPolicy())
	return &Webhook{cfg: cfg, client: c, tmpl: tmpl}, nil
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

type webhookPatron struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type webhookItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type webhookBody struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Site         string        `json:"site"`
	Language     string        `json:"language"`
	Patron       webhookPatron `json:"patron"`
	Bank         string        `json:"bank"`
	BankName     string        `json:"bank_name"`
	Compartments []string      `json:"compartments"`
	Items        []webhookItem `json:"items"`
	Code         string        `json:"code"`
	Expires      *time.Time    `json:"expires"`
	Message      string        `json:"message"`
	Subject      string        `json:"subject"`
	Text         string        `json:"text"`
}

// Notify posts n once. Errors name the status (and a short, code-scrubbed
// excerpt of the receiver's answer) or the transport failure, never the
// pickup code, the token or the URL's query.
func (w *Webhook) Notify(ctx context.Context, n gateway.Notification) error {
	msg, err := w.tmpl.Render(n)
	if err != nil {
		return err
	}
	body := webhookBody{
		ID: n.ID, Kind: n.Kind, Site: n.Site, Language: n.Language,
		Patron:       webhookPatron{ID: n.Patron.ID, Name: n.Patron.Name, Email: n.Patron.Email, Phone: n.Patron.Phone},
		Bank:         n.Bank,
		BankName:     n.BankName,
		Compartments: append([]string{}, n.Compartments...),
		Items:        []webhookItem{},
		Code:         n.Code,
		Message:      n.Message,
		Subject:      msg.Subject,
		Text:         msg.Body,
	}
	if body.BankName == "" {
		body.BankName = n.Bank
	}
	for _, it := range n.Items {
		body.Items = append(body.Items, webhookItem{ID: it.ID, Title: it.Title})
	}
	if !n.Expires.IsZero() {
		e := n.Expires.UTC()
		body.Expires = &e
	}
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("notify: webhook: encode notification %s: %w", n.ID, err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	// The answer's body is read here, and only its start: resty would
	// read all of it, and an answer that never ends would fill memory
	// until the timeout hid its status.
	req := w.client.R().SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetHeader("Idempotency-Key", n.ID).
		SetBody(data).
		SetDoNotParseResponse(true)
	if w.cfg.Token != "" {
		req.SetAuthToken(w.cfg.Token)
	}
	resp, err := req.Post(w.cfg.URL)
	where := redactURL(w.cfg.URL)
	if resp != nil && resp.RawBody() != nil {
		defer resp.RawBody().Close()
	}
	if err != nil {
		// *url.Error repeats the full URL; keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return scrubErr(fmt.Errorf("notify: webhook POST %s for notification %s: %w", where, n.ID, err), n.Code)
	}
	if resp.StatusCode() < 200 || resp.StatusCode() > 299 {
		excerpt := ""
		if resp.RawBody() != nil {
			excerpt = clean(readExcerpt(resp.RawBody(), n.Code))
		}
		if w.cfg.Token != "" {
			excerpt = scrub(excerpt, w.cfg.Token)
		}
		if excerpt != "" {
			excerpt = ": " + excerpt
		}
		return fmt.Errorf("notify: webhook POST %s for notification %s: HTTP %d%s", where, n.ID, resp.StatusCode(), excerpt)
	}
	return nil
}

// maxExcerpt is how much of an error answer's body is read for the error.
const maxExcerpt = 4 << 10

// readExcerpt reads the start of an answer, with the pickup code masked,
// and also a start of the code where the cut falls inside it.
func readExcerpt(r io.Reader, code string) string {
	head, _ := io.ReadAll(io.LimitReader(r, maxExcerpt))
	s := scrub(string(head), code)
	for k := len(code) - 1; k > 0; k-- {
		if strings.HasSuffix(s, code[:k]) {
			return s[:len(s)-k] + "****"
		}
	}
	return s
}

// redactURL drops a URL's query, fragment and user info, which may carry
// keys, for errors and logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}
