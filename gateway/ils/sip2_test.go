package ils

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// demo starts the demo library behind a SIP2 server and an adapter logged
// in to it as the demo locker account.
func demo(t *testing.T, tweak ...func(*SIP2Config)) (*SIP2, *sip2mem.Library) {
	t.Helper()
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	cfg := SIP2Config{
		Addr:           srv.Addr,
		User:           sip2mem.DemoUser,
		Password:       sip2mem.DemoPassword,
		Institution:    sip2mem.DemoInstitution,
		Location:       sip2mem.DemoBranch,
		ErrorDetection: true,
		PoolSize:       2,
		Timeout:        5 * time.Second,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	return newAdapter(t, cfg), lib
}

func newAdapter(t *testing.T, cfg SIP2Config) *SIP2 {
	t.Helper()
	s, err := NewSIP2(cfg)
	if err != nil {
		t.Fatalf("NewSIP2: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails unless err is a *gateway.Error with code.
func wantCode(t *testing.T, err error, code string) *gateway.Error {
	t.Helper()
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T): want a *gateway.Error with code %s", err, err, code)
	}
	if ge.Code != code {
		t.Fatalf("error code %s (%v), want %s", ge.Code, err, code)
	}
	return ge
}

func onLoan(lib *sip2mem.Library, item string) (string, bool) {
	for _, ln := range lib.Loans() {
		if ln.ItemID == item {
			return ln.PatronID, true
		}
	}
	return "", false
}

func TestCheckinDemo(t *testing.T) {
	s, lib := demo(t)
	ctx := ctxT(t)
	tests := []struct {
		name, item, loc string
		wantHold        *gateway.HoldTrap
		wantDest        string
	}{
		// I0005 is on loan to P0002 with a title hold by P0004 queued.
		{"traps a hold here", "I0005", "", &gateway.HoldTrap{Patron: "P0004", PatronName: "Katherine Johnson", PickupLocation: "MAIN"}, "MAIN"},
		// I0031 is at EAST, held for P0005 with pickup at MAIN.
		{"traps a hold elsewhere", "I0031", "EAST", &gateway.HoldTrap{Patron: "P0005", PatronName: "Edsger Dijkstra", PickupLocation: "MAIN", Transit: true}, "MAIN"},
		{"not on loan, no hold", "I0001", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Checkin(ctx, gateway.CheckinRequest{Item: tt.item, Location: tt.loc, At: time.Now()})
			if err != nil {
				t.Fatalf("Checkin: %v", err)
			}
			if res.Item != tt.item || res.Title == "" {
				t.Errorf("result item %q title %q", res.Item, res.Title)
			}
			if tt.wantHold == nil {
				if res.Hold != nil {
					t.Errorf("hold %+v, want none", *res.Hold)
				}
				return
			}
			if res.Hold == nil {
				t.Fatalf("no hold trapped, want %+v", *tt.wantHold)
			}
			if *res.Hold != *tt.wantHold {
				t.Errorf("hold %+v, want %+v", *res.Hold, *tt.wantHold)
			}
			if res.Destination != tt.wantDest {
				t.Errorf("destination %q, want %q", res.Destination, tt.wantDest)
			}
			if _, out := onLoan(lib, tt.item); out {
				t.Errorf("%s still on loan in the ILS after checkin", tt.item)
			}
		})
	}
	t.Run("unknown item", func(t *testing.T) {
		_, err := s.Checkin(ctx, gateway.CheckinRequest{Item: "NOSUCH"})
		ge := wantCode(t, err, gateway.EREFUSED)
		if !strings.Contains(ge.Message, "Unknown item") {
			t.Errorf("message %q, want the ILS's screen message", ge.Message)
		}
	})
	t.Run("id SIP2 cannot carry", func(t *testing.T) {
		_, err := s.Checkin(ctx, gateway.CheckinRequest{Item: "I00|01"})
		wantCode(t, err, gateway.EINVALID)
	})
}

func TestCheckoutDemo(t *testing.T) {
	s, lib := demo(t)
	ctx := ctxT(t)
	before := time.Now()
	res, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: "P0008", Item: "I0001", At: time.Now()})
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if p, ok := onLoan(lib, "I0001"); !ok || p != "P0008" {
		t.Fatalf("ILS loan of I0001: %q %v, want P0008", p, ok)
	}
	// Demo loans are 14 days; SIP2 dates have second precision.
	want := before.Add(14 * 24 * time.Hour)
	if d := res.Due.Sub(want); d < -2*time.Second || d > time.Minute {
		t.Errorf("due %v, want about %v", res.Due, want)
	}
	if res.Title == "" || res.Patron != "P0008" || res.Item != "I0001" {
		t.Errorf("result %+v", res)
	}

	refusals := []struct {
		name, patron, item, screen string
	}{
		{"blocked patron", "P0003", "I0002", "Borrowing suspended"},
		{"on loan to someone else", "P0008", "I0005", ""},
		{"held for another patron", "P0008", "I0012", ""},
		{"repeated checkout is not a renewal", "P0008", "I0001", ""},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: tt.patron, Item: tt.item})
			ge := wantCode(t, err, gateway.EREFUSED)
			if ge.Message == "" || !strings.Contains(ge.Message, tt.screen) {
				t.Errorf("message %q, want one containing %q", ge.Message, tt.screen)
			}
			var re *sip2.RefusedError
			if !errors.As(err, &re) {
				t.Errorf("error does not wrap the *sip2.RefusedError: %v", err)
			}
		})
	}
	if c := lib.Counts("I0001"); c.Checkouts != 1 || c.Renewals != 0 {
		t.Errorf("I0001 counts %+v: the refused repeat must not have renewed", c)
	}
}

func TestVerifyPatron(t *testing.T) {
	for _, via := range []string{"63", "23"} {
		t.Run("via "+via, func(t *testing.T) {
			s, _ := demo(t, func(c *SIP2Config) { c.VerifyWith = via })
			ctx := ctxT(t)
			p, err := s.VerifyPatron(ctx, "P0001", "1234")
			if err != nil {
				t.Fatalf("VerifyPatron: %v", err)
			}
			if p.ID != "P0001" || p.Name != "Ada Lovelace" || p.Language != "en" {
				t.Errorf("patron %+v", p)
			}
			if via == "63" && p.Email != "patron1@example.org" {
				t.Errorf("email %q from 63", p.Email)
			}
			tests := []struct {
				name, patron, pin, code, msg string
			}{
				{"wrong PIN", "P0001", "987650", gateway.EUNAUTHORIZED, "wrong PIN"},
				{"patron without PIN", "P0010", "555123", gateway.EUNAUTHORIZED, "wrong PIN"},
				{"unknown patron", "X9999", "1234", gateway.EUNAUTHORIZED, "unknown patron"},
				{"charge privileges denied", "P0003", "1234", gateway.EFORBIDDEN, "Borrowing suspended"},
				{"card lost", "P0006", "4321", gateway.EFORBIDDEN, ""},
				{"fines", "P0009", "1234", gateway.EFORBIDDEN, ""},
				{"no PIN", "P0001", "", gateway.EINVALID, "PIN"},
				{"PIN SIP2 cannot carry", "P0001", "12|34", gateway.EUNAUTHORIZED, "wrong PIN"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := s.VerifyPatron(ctx, tt.patron, tt.pin)
					ge := wantCode(t, err, tt.code)
					if !strings.Contains(ge.Message, tt.msg) {
						t.Errorf("message %q, want %q", ge.Message, tt.msg)
					}
					if tt.pin != "" && strings.Contains(err.Error(), tt.pin) {
						t.Errorf("the PIN appears in the error: %v", err)
					}
				})
			}
		})
	}
}

// TestWrongPINNeverShown collects everything the adapter says about a
// failed PIN check (error text, message, log, debug trace) and looks for
// the PIN and the login password.
func TestWrongPINNeverShown(t *testing.T) {
	log := &syncWriter{w: &strings.Builder{}}
	trace := &syncWriter{w: &strings.Builder{}}
	s, lib := demo(t, func(c *SIP2Config) {
		c.Logger = log
		c.Debug = trace
	})
	ctx := ctxT(t)
	const pin = "73915"
	_, err := s.VerifyPatron(ctx, "P0001", pin)
	wantCode(t, err, gateway.EUNAUTHORIZED)
	lib.SetDown(sip2mem.Silent)
	defer lib.SetDown(sip2mem.Up)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err2 := s.VerifyPatron(short, "P0001", pin)
	wantCode(t, err2, gateway.EUNAVAILABLE)
	tr := trace.String()
	seen := err.Error() + gateway.ErrorMessage(err) + err2.Error() + log.String() + tr
	if !strings.Contains(tr, "63") {
		t.Fatalf("debug trace is empty; the test would prove nothing: %q", tr)
	}
	for _, secret := range []string{pin, sip2mem.DemoPassword} {
		if strings.Contains(seen, secret) {
			t.Errorf("secret %q appears in errors, logs or trace:\n%s", secret, seen)
		}
	}
	if s := (SIP2Config{Password: sip2mem.DemoPassword, User: "u"}).String(); strings.Contains(s, sip2mem.DemoPassword) {
		t.Errorf("SIP2Config.String shows the password: %s", s)
	}
}

func TestPatron(t *testing.T) {
	s, _ := demo(t)
	ctx := ctxT(t)
	p, err := s.Patron(ctx, "P0002")
	if err != nil {
		t.Fatalf("Patron: %v", err)
	}
	want := gateway.Patron{ID: "P0002", Name: "Grace Hopper", Email: "patron2@example.org", Language: "en"}
	p.Phone = "" // the demo's phone numbers are not part of the contract
	if *p != want {
		t.Errorf("patron %+v, want %+v", *p, want)
	}
	// Blocked patrons are still patrons: notifications need their address.
	if _, err := s.Patron(ctx, "P0003"); err != nil {
		t.Errorf("blocked patron: %v", err)
	}
	_, err = s.Patron(ctx, "X9999")
	wantCode(t, err, gateway.ENOTFOUND)
}

// TestCardNumberNotInErrors: the gateway logs ILS errors and keeps card
// numbers out of its logs, so the adapter's own error texts do not repeat
// a card number, unknown or malformed.
func TestCardNumberNotInErrors(t *testing.T) {
	s, _ := demo(t)
	ctx := ctxT(t)
	_, err := s.Patron(ctx, "X98765")
	wantCode(t, err, gateway.ENOTFOUND)
	texts := []string{err.Error()}
	for _, call := range []func() error{
		func() error { _, err := s.Patron(ctx, "X98|765"); return err },
		func() error { _, err := s.VerifyPatron(ctx, "X98|765", "1234"); return err },
		func() error {
			_, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: "X98|765", Item: "I0001"})
			return err
		},
	} {
		err := call()
		wantCode(t, err, gateway.EINVALID)
		texts = append(texts, err.Error())
	}
	for _, txt := range texts {
		if strings.Contains(txt, "98765") || strings.Contains(txt, "98|765") {
			t.Errorf("error names the card: %s", txt)
		}
	}
	// An item id is no secret: its error says which.
	_, err = s.ItemStatus(ctx, "I00|01")
	if ge := wantCode(t, err, gateway.EINVALID); !strings.Contains(ge.Message, "I00|01") {
		t.Errorf("message %q does not name the item", ge.Message)
	}
}

func TestItemStatus(t *testing.T) {
	s, _ := demo(t)
	ctx := ctxT(t)
	if _, err := s.Checkin(ctx, gateway.CheckinRequest{Item: "I0031", Location: "EAST"}); err != nil {
		t.Fatalf("Checkin I0031: %v", err)
	}
	tests := []struct {
		item, circ, raw string
		due             bool
	}{
		{"I0001", gateway.ItemAvailable, "03", false},
		{"I0005", gateway.ItemOnLoan, "04", true},
		{"I0010", gateway.ItemOnHold, "08", false},
		{"I0031", gateway.ItemInTransit, "10", false},
	}
	for _, tt := range tests {
		st, err := s.ItemStatus(ctx, tt.item)
		if err != nil {
			t.Fatalf("ItemStatus(%s): %v", tt.item, err)
		}
		if st.Circulation != tt.circ || st.Raw != tt.raw || st.Item != tt.item || st.Title == "" {
			t.Errorf("%s: %+v, want %s (%s)", tt.item, st, tt.circ, tt.raw)
		}
		if st.Due.IsZero() == tt.due {
			t.Errorf("%s: due %v, want set=%v", tt.item, st.Due, tt.due)
		}
	}
	_, err := s.ItemStatus(ctx, "NOSUCH")
	wantCode(t, err, gateway.ENOTFOUND)
}

func TestPing(t *testing.T) {
	s, _ := demo(t)
	if err := s.Ping(ctxT(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestOutageRefuse(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	lib.SetDown(sip2mem.Refuse)
	s := newAdapter(t, SIP2Config{
		Addr: srv.Addr, User: sip2mem.DemoUser, Password: sip2mem.DemoPassword,
		Institution: sip2mem.DemoInstitution, Location: sip2mem.DemoBranch,
		PoolSize: 1, Timeout: 400 * time.Millisecond,
	})
	ctx := ctxT(t)
	_, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: "P0008", Item: "I0001"})
	ge := wantCode(t, err, gateway.EUNAVAILABLE)
	if !errors.Is(err, gateway.ErrNotSent) {
		t.Errorf("a request with no connection to send it on must wrap ErrNotSent: %v", err)
	}
	if !strings.Contains(ge.Message, "not sent") {
		t.Errorf("message %q", ge.Message)
	}
	if _, out := onLoan(lib, "I0001"); out {
		t.Fatal("checkout reached the ILS although it was refusing connections")
	}
	// Back up: the pool redials and the same adapter works again.
	lib.SetDown(sip2mem.Up)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = s.Ping(ctx)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

func TestOutageSilent(t *testing.T) {
	s, lib := demo(t, func(c *SIP2Config) { c.Timeout = 300 * time.Millisecond })
	ctx := ctxT(t)
	if err := s.Ping(ctx); err != nil { // connections are up and logged in
		t.Fatalf("Ping: %v", err)
	}
	lib.SetDown(sip2mem.Silent)
	defer lib.SetDown(sip2mem.Up)
	start := time.Now()
	_, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: "P0008", Item: "I0001"})
	wantCode(t, err, gateway.EUNAVAILABLE)
	if errors.Is(err, gateway.ErrNotSent) {
		t.Errorf("a request written but not answered must not claim ErrNotSent: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v; the request timeout is 300ms", d)
	}
}

func TestTLS(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	lib := sip2mem.NewDemo()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &sip2.Server{Backend: lib, ErrorLog: &syncWriter{w: new(strings.Builder)}, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	base := SIP2Config{
		Addr: l.Addr().String(), User: sip2mem.DemoUser, Password: sip2mem.DemoPassword,
		Institution: sip2mem.DemoInstitution, PoolSize: 1, Timeout: 2 * time.Second,
	}
	good := base
	good.TLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	s := newAdapter(t, good)
	if _, err := s.VerifyPatron(ctxT(t), "P0002", "4321"); err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	// An untrusted certificate never gets a request through.
	bad := base
	bad.TLS = &tls.Config{ServerName: "127.0.0.1"}
	s2 := newAdapter(t, bad)
	err = s2.Ping(ctxT(t))
	wantCode(t, err, gateway.EUNAVAILABLE)
	if !errors.Is(err, gateway.ErrNotSent) {
		t.Errorf("failed handshake: want ErrNotSent, got %v", err)
	}
}

func TestCharsetCP850(t *testing.T) {
	lib := sip2mem.NewDemo()
	lib.AddItem(sip2mem.Item{ID: "I0100", Title: "Le Piège de Bogotá", PermanentLocation: "MAIN", MediaType: "001"})
	cp850 := &sip2.ConnOptions{Charset: sip2.CharsetCP850, ErrorDetection: sip2.ErrorDetectionOn}
	lib.AddAccount(sip2mem.Account{User: "cp", Password: "cp-secret", Institution: "DEMO", Location: "MAIN", Options: cp850})
	srv := sip2test.NewServer(t, lib)
	var trace strings.Builder
	s := newAdapter(t, SIP2Config{
		Addr: srv.Addr, User: "cp", Password: "cp-secret", Institution: "DEMO", Location: "MAIN",
		Charset: sip2.CharsetCP850, ErrorDetection: true, PoolSize: 1, Timeout: 2 * time.Second,
		Debug: &syncWriter{w: &trace},
	})
	ctx := ctxT(t)
	res, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: "P0008", Item: "I0100"})
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if res.Title != "Le Piège de Bogotá" {
		t.Errorf("title %q decoded from CP850", res.Title)
	}
	// With UTF-8 on our side the checksums of the accented response would
	// not verify: make sure the test exercises the charset.
	s2 := newAdapter(t, SIP2Config{
		Addr: srv.Addr, User: "cp", Password: "cp-secret", Institution: "DEMO",
		ErrorDetection: true, PoolSize: 1, Timeout: 2 * time.Second,
	})
	st, err := s2.ItemStatus(ctx, "I0100")
	if err == nil && st.Title == "Le Piège de Bogotá" {
		t.Errorf("a UTF-8 client read CP850 text correctly; the charset test proves nothing")
	}
}

// TestUnencodableValueNotSent: the codec replaces what the ILS's character
// set lacks, which would send another id (or another PIN); such a value
// fails before a byte is written: EINVALID wrapping ErrNotSent for ids, so
// that the outbox knows the ILS never saw it, "wrong PIN" for a PIN.
func TestUnencodableValueNotSent(t *testing.T) {
	for _, tt := range []struct {
		charset sip2.Charset
		odd     string // a character the charset lacks
	}{
		{sip2.CharsetASCII, "\u00e9"},
		{sip2.CharsetCP850, "\u20ac"},
		{sip2.CharsetISO88591, "\u20ac"},
	} {
		t.Run(tt.charset.String(), func(t *testing.T) {
			s, lib := demo(t, func(c *SIP2Config) { c.Charset = tt.charset })
			ctx := ctxT(t)
			_, err := s.Checkout(ctx, gateway.CheckoutRequest{Patron: "P0008", Item: "I0001" + tt.odd})
			wantCode(t, err, gateway.EINVALID)
			if !errors.Is(err, gateway.ErrNotSent) {
				t.Errorf("an unencodable request must wrap ErrNotSent: %v", err)
			}
			_, err = s.Checkin(ctx, gateway.CheckinRequest{Item: "I0005" + tt.odd})
			wantCode(t, err, gateway.EINVALID)
			_, err = s.Patron(ctx, "P0001"+tt.odd)
			wantCode(t, err, gateway.EINVALID)
			_, err = s.VerifyPatron(ctx, "P0001", "123"+tt.odd)
			wantCode(t, err, gateway.EUNAUTHORIZED)
			if c := lib.TotalCounts(); c.Checkouts != 0 || c.Checkins != 0 {
				t.Errorf("the ILS executed %+v", c)
			}
			// What the charset has goes through.
			if _, err := s.Patron(ctx, "P0001"); err != nil {
				t.Errorf("plain patron: %v", err)
			}
		})
	}
}

// TestClip: ids in error messages are cut to about 40 bytes, never inside
// a character (an outbox entry's error is stored, and PostgreSQL refuses
// invalid UTF-8).
func TestClip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ILL-1", "ILL-1"},
		{strings.Repeat("a", 40), strings.Repeat("a", 40)},
		{strings.Repeat("a", 41), strings.Repeat("a", 40) + "..."},
		{strings.Repeat("a", 39) + "ŁŁ", strings.Repeat("a", 39) + "..."},
		{strings.Repeat("€", 20), strings.Repeat("€", 13) + "..."},
	}
	for _, tc := range tests {
		got := clip(tc.in)
		if got != tc.want {
			t.Errorf("clip(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("clip(%q) = %q: not valid UTF-8", tc.in, got)
		}
	}
}
