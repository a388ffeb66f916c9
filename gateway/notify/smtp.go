package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// SMTPConfig configures an SMTP notifier.
type SMTPConfig struct {
	// Addr is the mail server's host:port (587 for submission with
	// STARTTLS, 465 with ImplicitTLS, 25 for a local relay). Required.
	Addr string
	// From is the sender address; FromName its display name. Required.
	From     string
	FromName string
	// User and Password, if User is set, authenticate with AUTH PLAIN.
	// PLAIN is only sent over TLS, or to a server on localhost.
	User     string
	Password string
	// TLS configures STARTTLS and ImplicitTLS (certificate checks,
	// ServerName). If nil, the system roots and the host of Addr.
	TLS *tls.Config
	// ImplicitTLS speaks TLS from the first byte (port 465).
	ImplicitTLS bool
	// RequireTLS refuses to send when the server does not offer STARTTLS
	// (the message holds a pickup code). Without it, STARTTLS is used
	// whenever offered.
	RequireTLS bool
	// AlertTo receives staff alerts (kind "alert"), which have no patron.
	AlertTo []string
	// Hello is the name sent with EHLO. If empty, the host name.
	Hello string
	// Timeout bounds one delivery when the context has no earlier
	// deadline. If zero, 30s.
	Timeout time.Duration
	// Templates renders the message. If nil, the embedded defaults.
	Templates *Templates
	// Now is the clock for the Date header. If nil, time.Now.
	Now func() time.Time
}

// String describes the configuration without the password.
func (c SMTPConfig) String() string {
	auth := ""
	if c.User != "" {
		auth = " user=" + c.User
		if c.Password != "" {
			auth += " password=****"
		}
	}
	return fmt.Sprintf("smtp addr=%s from=%s%s implicit_tls=%t require_tls=%t", c.Addr, c.From, auth, c.ImplicitTLS, c.RequireTLS)
}

// GoString is String, so that %#v does not print the password.
func (c SMTPConfig) GoString() string { return c.String() }

// SMTP e-mails notifications: to the patron's address, or for staff alerts
// to SMTPConfig.AlertTo. Each message is plain UTF-8 text, quoted-printable,
// with a Message-ID derived from the notification id (the same on every
// retry, so that mail systems and readers can spot a duplicate).
type SMTP struct {
	cfg  SMTPConfig
	host string
	from *mail.Address
	to   []*mail.Address
	tmpl *Templates
}

var _ gateway.Notifier = (*SMTP)(nil)

// NewSMTP checks cfg and returns an SMTP notifier. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("notify: SMTP address %q: want host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP from address %q: %v", cfg.From, err)
	}
	if cfg.FromName != "" {
		from.Name = cfg.FromName
	}
	var to []*mail.Address
	for _, a := range cfg.AlertTo {
		ad, err := mail.ParseAddress(a)
		if err != nil {
			return nil, fmt.Errorf("notify: SMTP alert address %q: %v", a, err)
		}
		to = append(to, ad)
	}
	if cfg.Password != "" && cfg.User == "" {
		return nil, errors.New("notify: SMTP password set without a user")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("notify: SMTP timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Hello == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			cfg.Hello = h
		} else {
			cfg.Hello = "localhost"
		}
	}
	tmpl := cfg.Templates
	if tmpl == nil {
		if tmpl, err = LoadTemplates("", nil); err != nil {
			return nil, err
		}
	}
	return &SMTP{cfg: cfg, host: host, from: from, to: to, tmpl: tmpl}, nil
}

// recipients returns who gets n.
func (s *SMTP) recipients(n gateway.Notification) ([]*mail.Address, error) {
	if n.Kind == gateway.NotifyAlert {
		if len(s.to) == 0 {
			return nil, fmt.Errorf("notify: smtp: notification %s is a staff alert and no alert address is configured", n.ID)
		}
		return s.to, nil
	}
	if strings.TrimSpace(n.Patron.Email) == "" {
		// The patron is named by the notification (and its outbox
		// entry), not by card number: errors end up in logs.
		return nil, fmt.Errorf("notify: smtp: notification %s: the patron has no e-mail address", n.ID)
	}
	a, err := mail.ParseAddress(n.Patron.Email)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp: notification %s: the patron's e-mail address is not valid: %v", n.ID, err)
	}
	if a.Name == "" {
		a.Name = n.Patron.Name
	}
	return []*mail.Address{a}, nil
}

// Notify sends n as one e-mail, in one SMTP session: STARTTLS when the
// server offers it (required with RequireTLS), AUTH PLAIN when a user is
// configured, one message. Errors name the step and the server's reply,
// never the pickup code or the password.
func (s *SMTP) Notify(ctx context.Context, n gateway.Notification) error {
	to, err := s.recipients(n)
	if err != nil {
		return err
	}
	msg, err := s.tmpl.Render(n)
	if err != nil {
		return err
	}
	data, err := s.compose(n, msg, to)
	if err != nil {
		return scrubErr(err, n.Code)
	}
	if err := s.send(ctx, to, data); err != nil {
		err = scrubErr(fmt.Errorf("notify: smtp %s, notification %s: %w", s.cfg.Addr, n.ID, err), n.Code)
		if s.cfg.Password != "" {
			err = scrubErr(err, s.cfg.Password)
		}
		return err
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.cfg.TLS != nil {
		c := s.cfg.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = s.host
		}
		return c
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

func (s *SMTP) send(ctx context.Context, to []*mail.Address, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// net/smtp takes no context: a cancelled ctx unblocks it through the
	// connection's deadline.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer conn.Close()
	if s.cfg.ImplicitTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS handshake: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("greeting: %w", ctxErr(ctx, err))
	}
	defer c.Close()
	if err := c.Hello(s.cfg.Hello); err != nil {
		return fmt.Errorf("EHLO: %w", ctxErr(ctx, err))
	}
	if !s.cfg.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("STARTTLS: %w", ctxErr(ctx, err))
			}
		} else if s.cfg.RequireTLS {
			return errors.New("the server does not offer STARTTLS and require_tls is set")
		}
	}
	if s.cfg.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("a user is configured but the server offers no AUTH")
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Password, s.host)); err != nil {
			return fmt.Errorf("AUTH PLAIN as %s: %w", s.cfg.User, ctxErr(ctx, err))
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", ctxErr(ctx, err))
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", a.Address, ctxErr(ctx, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", ctxErr(ctx, err))
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("DATA: %w", ctxErr(ctx, err))
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", ctxErr(ctx, err))
	}
	// The message is accepted; a failed QUIT does not make it undelivered.
	_ = c.Quit()
	return nil
}

// ctxErr says "timed out" or "cancelled" rather than the I/O error a
// deadline produced.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	// The connection's deadline is the context's, and may fire a moment
	// before the context notices.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
		}
	}
	return err
}

// compose builds the RFC 5322 message: headers, then the body as UTF-8
// quoted-printable, CRLF line ends throughout.
func (s *SMTP) compose(n gateway.Notification, msg *Message, to []*mail.Address) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.from.String())
	var tos []string
	for _, a := range to {
		tos = append(tos, a.String())
	}
	h("To", strings.Join(tos, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	h("Date", s.cfg.Now().Format(time.RFC1123Z))
	h("Message-ID", messageID(n.ID, s.from.Address))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	if msg.Language != "" {
		h("Content-Language", msg.Language)
	}
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(msg.Body, "\r\n", "\n")
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, fmt.Errorf("notify: smtp: encode body of notification %s: %w", n.ID, err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("notify: smtp: encode body of notification %s: %w", n.ID, err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// messageID is a Message-ID stable across retries of one notification.
func messageID(id, from string) string {
	domain := "lockergate.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "=%02X", r)
		}
	}
	if b.Len() == 0 {
		b.WriteString("notification")
	}
	return "<" + b.String() + ".lockergate@" + domain + ">"
}
