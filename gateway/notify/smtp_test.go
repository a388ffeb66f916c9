package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// smtpSession is what the test server saw in one connection.
type smtpSession struct {
	ehlo       string
	tls        bool
	authUser   string
	authPass   string
	authWasTLS bool
	from       string
	rcpt       []string
	data       []byte // raw, CRLF kept, dot-stuffing removed
	commands   []string
}

// smtpServer is a minimal SMTP server for tests, on 127.0.0.1:0: EHLO,
// STARTTLS (when tlsConf is set), AUTH PLAIN (when user is set), MAIL,
// RCPT, DATA, RSET, NOOP, QUIT.
type smtpServer struct {
	t          *testing.T
	addr       string
	tlsConf    *tls.Config
	user, pass string
	rejectRcpt string

	mu       sync.Mutex
	sessions []*smtpSession
}

func newSMTPServer(t *testing.T, configure func(*smtpServer)) *smtpServer {
	s := &smtpServer{t: t}
	if configure != nil {
		configure(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *smtpServer) all() []*smtpSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*smtpSession(nil), s.sessions...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	sess := &smtpSession{}
	s.mu.Lock()
	s.sessions = append(s.sessions, sess)
	s.mu.Unlock()
	r := bufio.NewReader(c)
	w := c
	reply := func(lines ...string) {
		for _, l := range lines {
			io.WriteString(w, l+"\r\n")
		}
	}
	reply("220 test.example ESMTP ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		s.mu.Lock()
		if verb == "AUTH" {
			sess.commands = append(sess.commands, "AUTH")
		} else {
			sess.commands = append(sess.commands, line)
		}
		s.mu.Unlock()
		switch verb {
		case "EHLO", "HELO":
			sess.ehlo = strings.TrimSpace(line[4:])
			lines := []string{"250-test.example"}
			if s.tlsConf != nil && !sess.tls {
				lines = append(lines, "250-STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "250-AUTH PLAIN")
			}
			reply(append(lines, "250 8BITMIME")...)
		case "STARTTLS":
			if s.tlsConf == nil || sess.tls {
				reply("502 not now")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, w, r = tc, tc, bufio.NewReader(tc)
			sess.tls = true
		case "AUTH":
			f := strings.Fields(line)
			if len(f) < 2 || !strings.EqualFold(f[1], "PLAIN") {
				reply("504 unsupported")
				continue
			}
			resp := ""
			if len(f) == 3 {
				resp = f[2]
			} else {
				reply("334 ")
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				resp = strings.TrimSpace(l)
			}
			dec, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(dec), "\x00")
			if err != nil || len(parts) != 3 {
				reply("501 bad")
				continue
			}
			sess.authUser, sess.authPass, sess.authWasTLS = parts[1], parts[2], sess.tls
			if parts[1] != s.user || parts[2] != s.pass {
				reply("535 5.7.8 authentication failed")
				continue
			}
			reply("235 ok")
		case "MAIL":
			if s.user != "" && sess.authUser != s.user {
				reply("530 authentication required")
				continue
			}
			sess.from = between(line, "<", ">")
			reply("250 ok")
		case "RCPT":
			a := between(line, "<", ">")
			if a == s.rejectRcpt {
				reply("550 5.1.1 <" + a + "> no such user")
				continue
			}
			sess.rcpt = append(sess.rcpt, a)
			reply("250 ok")
		case "DATA":
			reply("354 go on")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			sess.data = data.Bytes()
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 what")
		}
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	j := strings.LastIndex(s, b)
	if i < 0 || j < i {
		return ""
	}
	return s[i+1 : j]
}

var fixedNow = time.Date(2027, 1, 8, 9, 30, 0, 0, time.UTC)

func smtpNotifier(t *testing.T, srv *smtpServer, tweak func(*SMTPConfig)) *SMTP {
	t.Helper()
	tm, err := LoadTemplates("", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	cfg := SMTPConfig{
		Addr: srv.addr, From: "lockers@library.example.org", FromName: "Bibliothèque centrale",
		Hello: "gw.test", Timeout: 5 * time.Second, Templates: tm, Now: func() time.Time { return fixedNow },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPMessage(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	srv := newSMTPServer(t, func(s *smtpServer) {
		s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.user, s.pass = "gw", "smtp-pass-secret"
	})
	sm := smtpNotifier(t, srv, func(c *SMTPConfig) {
		c.User, c.Password = "gw", "smtp-pass-secret"
		c.TLS = &tls.Config{RootCAs: pool}
		c.RequireTLS = true
	})
	n := sample(gateway.NotifyReady, "fr")
	if err := sm.Notify(context.Background(), n); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	ss := srv.all()
	if len(ss) != 1 {
		t.Fatalf("%d sessions", len(ss))
	}
	sess := ss[0]
	if !sess.tls || !sess.authWasTLS || sess.authUser != "gw" || sess.authPass != "smtp-pass-secret" {
		t.Errorf("session: tls=%v auth over tls=%v user=%q", sess.tls, sess.authWasTLS, sess.authUser)
	}
	if sess.ehlo != "gw.test" || sess.from != "lockers@library.example.org" || strings.Join(sess.rcpt, ",") != "ada@example.org" {
		t.Errorf("envelope: ehlo %q from %q rcpt %v", sess.ehlo, sess.from, sess.rcpt)
	}
	raw := sess.data
	for i, l := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		if !bytes.HasSuffix(l, []byte("\r\n")) || bytes.Count(l, []byte("\r")) != 1 {
			t.Errorf("line %d does not end in CRLF alone: %q", i+1, l)
		}
		if len(l) > 78+2 {
			t.Errorf("line %d is %d bytes long: %q", i+1, len(l), l)
		}
		if bytes.IndexFunc(l, func(r rune) bool { return r > 127 }) >= 0 {
			t.Errorf("line %d is not 7-bit: %q", i+1, l)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, raw)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != "Vos documents vous attendent à Lobby lockers" {
		t.Errorf("Subject %q (%v)", subj, err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Bibliothèque centrale" || from[0].Address != "lockers@library.example.org" {
		t.Errorf("From %v (%v)", from, err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Ada Lovelace" || to[0].Address != "ada@example.org" {
		t.Errorf("To %v (%v)", to, err)
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(fixedNow) {
		t.Errorf("Date %v (%v)", d, err)
	}
	if id := m.Header.Get("Message-ID"); id != "<ntf-42.lockergate@library.example.org>" {
		t.Errorf("Message-ID %q", id)
	}
	for k, v := range map[string]string{
		"MIME-Version": "1.0", "Content-Type": "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable", "Content-Language": "fr",
	} {
		if got := m.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Bonjour Ada Lovelace,", "Le Piège de Bogotá", "Code de retrait : " + testCode, "vendredi 15 janvier 2027 à 18:00"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	// The code is in the body only, never in a header.
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	if bytes.Contains(head, []byte(testCode)) {
		t.Errorf("the code appears in the headers:\n%s", head)
	}
}

func TestSMTPDotStuffingAndPlain(t *testing.T) {
	// A server without STARTTLS or AUTH (a local relay): plain delivery.
	srv := newSMTPServer(t, nil)
	dir := t.TempDir()
	writeFile(t, dir, "en/alert.txt", "Subject: Alert\n\n{{.Message}}\n.\n..two dots\n")
	tm, err := LoadTemplates(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	sm := smtpNotifier(t, srv, func(c *SMTPConfig) {
		c.AlertTo = []string{"staff@library.example.org", "Desk <desk@library.example.org>"}
		c.Templates = tm
	})
	n := sample(gateway.NotifyAlert, "en")
	n.Patron = gateway.Patron{}
	if err := sm.Notify(context.Background(), n); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	sess := srv.all()[0]
	if sess.tls || sess.authUser != "" {
		t.Errorf("tls %v auth %q on a server offering neither", sess.tls, sess.authUser)
	}
	if strings.Join(sess.rcpt, ",") != "staff@library.example.org,desk@library.example.org" {
		t.Errorf("alert recipients %v", sess.rcpt)
	}
	m, err := mail.ReadMessage(bytes.NewReader(sess.data))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if string(body) != "Door 7 was forced open\r\n.\r\n..two dots\r\n" {
		t.Errorf("body %q: dot lines must survive the SMTP transfer", body)
	}
}

func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPFailures(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	tests := []struct {
		name    string
		server  func(*smtpServer)
		client  func(*SMTPConfig)
		n       func(*gateway.Notification)
		want    string
		connect bool // whether the notifier should have reached the server
	}{
		{name: "patron without e-mail", n: func(n *gateway.Notification) { n.Patron.Email = "" },
			want: "the patron has no e-mail address"},
		{name: "invalid e-mail", n: func(n *gateway.Notification) { n.Patron.Email = "not-an-address" },
			want: "e-mail address is not valid"},
		{name: "alert without staff address", n: func(n *gateway.Notification) { n.Kind = gateway.NotifyAlert },
			want: "no alert address is configured"},
		{name: "STARTTLS required but not offered", client: func(c *SMTPConfig) { c.RequireTLS = true },
			want: "does not offer STARTTLS", connect: true},
		{name: "recipient refused", server: func(s *smtpServer) { s.rejectRcpt = "ada@example.org" },
			want: "RCPT TO ada@example.org: 550", connect: true},
		{name: "wrong password",
			server: func(s *smtpServer) {
				s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
				s.user, s.pass = "gw", "right-one"
			},
			client: func(c *SMTPConfig) {
				c.User, c.Password = "gw", "wrong-pass-secret"
				c.TLS = &tls.Config{RootCAs: pool}
			},
			want: "AUTH PLAIN as gw: 535", connect: true},
		{name: "user but no AUTH offered", client: func(c *SMTPConfig) { c.User, c.Password = "gw", "pw-secret" },
			want: "offers no AUTH", connect: true},
		{name: "untrusted certificate",
			server: func(s *smtpServer) { s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}} },
			want:   "STARTTLS", connect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newSMTPServer(t, tt.server)
			sm := smtpNotifier(t, srv, tt.client)
			n := sample(gateway.NotifyReady, "en")
			if tt.n != nil {
				tt.n(&n)
			}
			err := sm.Notify(context.Background(), n)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			// The card number is no secret to staff, but the gateway keeps
			// it out of logs, where errors go.
			for _, secret := range []string{testCode, "wrong-pass-secret", "pw-secret", "right-one", n.Patron.ID} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error contains %q: %v", secret, err)
				}
			}
			if got := len(srv.all()) > 0; got != tt.connect {
				t.Errorf("connected = %v, want %v", got, tt.connect)
			}
			for _, s := range srv.all() {
				if s.data != nil {
					t.Errorf("a message was delivered despite the failure")
				}
			}
		})
	}
}

func TestSMTPTimeout(t *testing.T) {
	// A server that accepts and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ended := make(chan struct{})
	defer close(ended) // the silent server holds its connection until then
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			<-ended
		}
	}()
	sm, err := NewSMTP(SMTPConfig{Addr: l.Addr().String(), From: "a@b.example", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = sm.Notify(context.Background(), sample(gateway.NotifyReady, "en"))
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("error %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 200ms timeout", d)
	}
}

func TestSMTPConfig(t *testing.T) {
	tests := []struct {
		cfg  SMTPConfig
		want string
	}{
		{SMTPConfig{From: "a@b.example"}, "want host:port"},
		{SMTPConfig{Addr: "h:25", From: "nope"}, "from address"},
		{SMTPConfig{Addr: "h:25", From: "a@b.example", AlertTo: []string{"x"}}, "alert address"},
		{SMTPConfig{Addr: "h:25", From: "a@b.example", Password: "pw-secret"}, "without a user"},
	}
	for _, tt := range tests {
		_, err := NewSMTP(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("%v: error %v, want %q", tt.cfg, err, tt.want)
		}
	}
	s := SMTPConfig{Addr: "h:25", User: "u", Password: "pw-secret"}
	if out := s.String() + s.GoString(); strings.Contains(out, "pw-secret") {
		t.Errorf("String shows the password: %s", out)
	}
}

func TestMessageID(t *testing.T) {
	for id, want := range map[string]string{
		"ntf-42":   "<ntf-42.lockergate@x.example>",
		"a b<c>@d": "<a=20b=3Cc=3E=40d.lockergate@x.example>",
		"":         "<notification.lockergate@x.example>",
	} {
		if got := messageID(id, "lockers@x.example"); got != want {
			t.Errorf("messageID(%q) = %q, want %q", id, got, want)
		}
		if _, err := mail.ParseAddress("x " + strings.Trim(messageID(id, "a@x.example"), "")); err != nil {
			t.Errorf("messageID(%q) is not addr-spec shaped: %v", id, err)
		}
	}
}
