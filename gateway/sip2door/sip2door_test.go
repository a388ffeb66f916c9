package sip2door_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/sip2door"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

func TestNewValidates(t *testing.T) {
	_, _, pool := ilsPool(t)
	good := func() sip2door.Config { return baseConfig(&fakeLoader{}, pool, &syncbuf.Buffer{}) }
	tests := []struct {
		name  string
		tweak func(*sip2door.Config)
		want  []string // substrings of the error; none: valid
	}{
		{"valid", func(c *sip2door.Config) {}, nil},
		{"no loader", func(c *sip2door.Config) { c.Loader = nil }, []string{"Loader is nil"}},
		{"no accounts", func(c *sip2door.Config) { c.Accounts = nil }, []string{"no accounts"}},
		{"unknown upstream", func(c *sip2door.Config) { c.Accounts[0].Upstream = "east" }, []string{`accounts[0] ("kiosk")`, `upstream "east"`}},
		{"unknown bank", func(c *sip2door.Config) { c.Accounts[1].Banks = []string{"NOPE"} }, []string{`accounts[1] ("sorter")`, `bank "NOPE"`}},
		{"duplicate login", func(c *sip2door.Config) { c.Accounts[1].Login = kioskLogin }, []string{`accounts[1] ("kiosk"): login listed twice`}},
		{"empty login", func(c *sip2door.Config) { c.Accounts[2].Login = "" }, []string{"accounts[2]: login is empty"}},
		{"empty password", func(c *sip2door.Config) { c.Accounts[0].Password = "" }, []string{`accounts[0] ("kiosk"): password is empty`}},
		{"TLS required, none", func(c *sip2door.Config) { c.Accounts[0].RequireTLS = true }, []string{"requires TLS but Config.TLS is not set"}},
		{"empty bank ID", func(c *sip2door.Config) { c.Banks[1].ID = "" }, []string{"banks[1]: ID is empty"}},
		{"bank twice", func(c *sip2door.Config) { c.Banks[1].ID = bank1 }, []string{`banks[1]: bank "LOCKER1" listed twice`}},
		{"ambiguous location", func(c *sip2door.Config) { c.Banks[1].Location = loc1 }, []string{`"LOCK-A" names both bank "LOCKER1" and bank "LOCKER2"`}},
		{"nil upstream", func(c *sip2door.Config) { c.Upstreams["main"] = nil }, []string{`upstream "main" is nil`}},
		{"two problems", func(c *sip2door.Config) { c.Loader = nil; c.Accounts[0].Password = "" }, []string{"Loader is nil", "password is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.tweak(&cfg)
			d, err := sip2door.New(cfg)
			if tt.want == nil {
				if err != nil || d == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted the configuration")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), kioskPass) {
				t.Errorf("error %q holds a password", err)
			}
		})
	}
}

func TestConfigPrintsNoPassword(t *testing.T) {
	cfg := baseConfig(&fakeLoader{}, nil, &syncbuf.Buffer{})
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, cfg.Accounts)
		if strings.Contains(out, kioskPass) || strings.Contains(out, sorterPass) {
			t.Errorf("%s of the accounts shows a password: %s", f, out)
		}
		if !strings.Contains(out, kioskLogin) {
			t.Errorf("%s of the accounts does not name the login: %s", f, out)
		}
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name            string
		login, password string
		ok              bool
	}{
		{"ok", kioskLogin, kioskPass, true},
		{"other account", sorterLogin, sorterPass, true},
		{"wrong password", kioskLogin, "kiosk-pass-Qx8", false},
		{"another account's password", kioskLogin, sorterPass, false},
		{"unknown login", "nobody", kioskPass, false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := sip2.Dial(ctx(t), e.door.addr, &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			resp, err := c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: tt.login, LoginPassword: tt.password})
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if resp.OK != tt.ok {
				t.Fatalf("94 ok = %v, want %v", resp.OK, tt.ok)
			}
			// Only a logged-in station is served.
			_, err = c.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "DEMO", PatronID: "P0001"})
			if tt.ok && err != nil {
				t.Errorf("23 after the login: %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("23 after a refused login was answered")
			}
		})
	}
}

func TestLoginRefusalsCloseTheConnection(t *testing.T) {
	e := newEnv(t)
	c, err := sip2.Dial(ctx(t), e.door.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 1; i <= 2; i++ {
		resp, err := c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: kioskLogin, LoginPassword: "guess"})
		if err != nil || resp.OK {
			t.Fatalf("refused login %d: %v, %+v", i, err, resp)
		}
	}
	if _, err := c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: kioskLogin, LoginPassword: "guess"}); err == nil {
		t.Fatal("third refused login: the connection is still open")
	}
}

// TestLoginInstitution: a 93 that carries an AO (not a 93 field, but some
// stations send it) must name the account's institution.
func TestLoginInstitution(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		login, extra, want string
	}{
		{kioskLogin + "|CO" + kioskPass, "", "941"},
		{kioskLogin + "|CO" + kioskPass, "AODEMO|", "941"},
		{kioskLogin + "|CO" + kioskPass, "AOOTHER|", "940"},
		{sorterLogin + "|CO" + sorterPass, "AOOTHER|", "941"}, // no institution set
	}
	for _, tt := range tests {
		r := dialRaw(t, e.door.addr)
		r.send("9300CN" + tt.login + "|CPDESK|" + tt.extra)
		if got := r.mustRead(); got != tt.want {
			t.Errorf("login with %q: %q, want %q", tt.extra, got, tt.want)
		}
	}
}

func TestReloginRefusedDropsTheAccount(t *testing.T) {
	e := newEnv(t)
	c := dial(t, e.door.addr, kioskLogin, kioskPass)
	resp, err := c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: sorterLogin, LoginPassword: "wrong"})
	if err != nil || resp.OK {
		t.Fatalf("second login: %v, %+v", err, resp)
	}
	if _, err := c.Checkin(ctx(t), checkin(loc1, "I0010")); err == nil {
		t.Fatal("a checkin after a refused second login was served under the first account")
	}
	if n := len(e.loader.Calls()); n != 0 {
		t.Fatalf("%d loads", n)
	}
}

func TestBeforeLogin(t *testing.T) {
	e := newEnv(t)
	t.Run("99 is answered by the door", func(t *testing.T) {
		c, err := sip2.Dial(ctx(t), e.door.addr, &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		st, err := c.SCStatus(ctx(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !st.OnlineStatus || st.LibraryName != "lockergate" || st.InstitutionID != "" {
			t.Fatalf("98 before login: %+v", st)
		}
	})
	for _, msg := range []string{"2300120250102    030405AODEMO|AAP0001|AC|", "09N20250102    030405                  APLOCK-A|AODEMO|ABI0010|AC|"} {
		t.Run(msg[:2]+" closes the connection", func(t *testing.T) {
			r := dialRaw(t, e.door.addr)
			r.send(msg)
			if s, err := r.read(); err == nil {
				t.Fatalf("answered before login: %q", s)
			}
		})
	}
	if n := len(e.loader.Calls()); n != 0 {
		t.Fatalf("%d loads before login", n)
	}
}

func TestLockerCheckin(t *testing.T) {
	e := newEnv(t)
	c := dial(t, e.door.addr, kioskLogin, kioskPass)
	tests := []struct {
		name     string
		ap       string
		result   *gateway.LoadResult
		bank     string
		wantCT   string
		wantCV   string
		wantAF   []string
		wantCL   string
		wantAJ   string
		wantCY   string
		wantDA   string
		wantItem string
	}{
		{
			name: "by location", ap: loc1, bank: bank1, wantCT: loc1, wantCV: "01", wantCL: "7", wantAJ: "Hackers", wantCY: "P0001", wantDA: "Ada Lovelace",
			wantAF: []string{"Put item I0010 in locker LOCKER1 compartment 7"},
		},
		{
			name: "by bank ID", ap: bank2, bank: bank2, wantCT: loc2, wantCV: "01", wantCL: "7", wantAJ: "Hackers", wantCY: "P0001", wantDA: "Ada Lovelace",
			wantAF: []string{"Put item I0010 in locker LOCKER2 compartment 7"},
		},
		{
			name: "interlibrary loan, shared, a door failed, ILS message", ap: loc1, bank: bank1, wantCT: loc1, wantCV: "03", wantCL: "21", wantAJ: "Borrowed book", wantCY: "P0002", wantDA: "Grace Hopper",
			result: &gateway.LoadResult{Reservation: "r-2", Patron: "P0002", PatronName: "Grace Hopper", Compartment: "21", Title: "Borrowed book",
				ILLRequest: "ILL-77", Shared: true, Reassigned: []lockers.CompartmentID{"3", "4"}, Screen: "Item was not checked out"},
			wantAF: []string{"Put item I0010 in locker LOCKER1 compartment 21 (with the patron's other items)", "Did not open: compartment 3, 4", "Item was not checked out"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.loader.set(nil)
			if tt.result != nil {
				e.loader.set(func(context.Context, gateway.LoadRequest) (*gateway.LoadResult, error) { return tt.result, nil })
			}
			resp, err := c.Checkin(ctx(t), checkin(tt.ap, "I0010"))
			if err != nil {
				t.Fatal(err)
			}
			if !resp.OK || !resp.Alert || !resp.Resensitize {
				t.Errorf("ok %v alert %v resensitize %v, want all true", resp.OK, resp.Alert, resp.Resensitize)
			}
			got := map[string]string{"AB": resp.ItemID, "AO": resp.InstitutionID, "CL": resp.SortBin, "CT": resp.DestinationLocation,
				"CV": resp.AlertType, "AJ": resp.TitleID, "CY": resp.HoldPatronID, "DA": resp.HoldPatronName, "AQ": resp.PermanentLocation}
			want := map[string]string{"AB": "I0010", "AO": "DEMO", "CL": tt.wantCL, "CT": tt.wantCT, "CV": tt.wantCV, "AJ": tt.wantAJ,
				"CY": tt.wantCY, "DA": tt.wantDA, "AQ": ""}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s = %q, want %q", id, got[id], w)
				}
			}
			if !slices.Equal(resp.ScreenMessage, tt.wantAF) {
				t.Errorf("AF = %q, want %q", resp.ScreenMessage, tt.wantAF)
			}
			if resp.TransactionDate.IsZero() {
				t.Error("no transaction date")
			}
			calls := e.loader.Calls()
			if len(calls) != i+1 {
				t.Fatalf("%d loads, want %d", len(calls), i+1)
			}
			if w := (gateway.LoadRequest{Bank: tt.bank, Item: "I0010", Actor: "sip2:kiosk"}); calls[i] != w {
				t.Errorf("load %+v, want %+v", calls[i], w)
			}
		})
	}
	if n := e.lib.Counts("I0010").Checkins; n != 0 {
		t.Errorf("the ILS saw %d checkins of I0010; the loader does the checkin", n)
	}
}

// gatewayErr is a gateway error with nothing but its code and message.
func gatewayErr(code, format string, a ...any) error { return gateway.Errorf(code, format, a...) }

// loadErr is an error as gateway.Load returns it: its code and message,
// the *gateway.LoadConflict of an ECONFLICT (nil: none), and
// gateway.ErrCheckedIn when the ILS checked the item in first. The door
// decides on these, never on the message.
func loadErr(code, msg string, lc *gateway.LoadConflict, checkedIn bool) error {
	e := &gateway.Error{Code: code, Message: msg}
	switch {
	case lc != nil && checkedIn:
		e.Err = errors.Join(lc, gateway.ErrCheckedIn)
	case lc != nil:
		e.Err = lc
	case checkedIn:
		e.Err = gateway.ErrCheckedIn
	}
	return e
}

func TestLockerCheckinFailures(t *testing.T) {
	e := newEnv(t)
	c := dial(t, e.door.addr, kioskLogin, kioskPass)
	held := &gateway.LoadResult{Patron: "P0001", PatronName: "Ada Lovelace", Title: "Hackers"}
	ill := &gateway.LoadResult{Patron: "P0001", Title: "Borrowed", ILLRequest: "REQ-1"}
	conflict := func(r gateway.LoadConflictReason, bank, comp string) *gateway.LoadConflict {
		return &gateway.LoadConflict{Reason: r, Bank: bank, Compartment: lockers.CompartmentID(comp)}
	}
	// titled adds the item's title, as the gateway knows it from the
	// ILS's checkin or the reservation.
	titled := func(lc *gateway.LoadConflict) *gateway.LoadConflict {
		lc.Title = "Hackers"
		return lc
	}
	// known adds what an earlier load learnt: the title and the hold
	// patron (and the interlibrary loan, if any).
	known := func(lc *gateway.LoadConflict, ill string) *gateway.LoadConflict {
		lc.Title, lc.Patron, lc.PatronName, lc.ILLRequest = "Hackers", "P0001", "Ada Lovelace", ill
		return lc
	}
	tests := []struct {
		name   string
		res    *gateway.LoadResult
		err    error
		ok     bool
		cv, cl string
		af     []string // substrings of the screen message
		notAF  string
		// AJ, CY, DA when res is nil: what the *gateway.LoadConflict
		// carries (empty: none shown).
		aj, cy, da string
	}{
		{name: "no hold to fill", err: loadErr(gateway.ECONFLICT, "item I0010 has no hold to fill (the item is checked in): Item was not checked out", conflict(gateway.LoadNoHold, "", ""), true),
			ok: true, cv: "99", af: []string{"Checked in, but not loaded", "no hold to fill", "Return it to the shelf"}},
		{name: "transit", err: loadErr(gateway.ECONFLICT, "item I0010 is held for pickup elsewhere and must go in transit to EAST, not into this locker", conflict(gateway.LoadInTransit, "", ""), true),
			ok: true, cv: "02", af: []string{"Checked in, but not loaded", "in transit to EAST"}},
		{name: "held elsewhere", err: loadErr(gateway.ECONFLICT, "item I0010 is held for pickup at EAST, not at this locker ("+loc1+")", conflict(gateway.LoadHeldElsewhere, "", ""), true),
			ok: true, cv: "02", af: []string{"held for pickup at EAST"}},
		{name: "already loaded", err: loadErr(gateway.ECONFLICT, "item I0010 is already loaded in compartment 3 at bank "+bank1+" (reservation r-1, ready)", conflict(gateway.LoadAlreadyLoaded, bank1, "3"), false),
			ok: true, cv: "01", cl: "3", af: []string{"Already in the locker", "compartment 3"}},
		{name: "already loaded at another bank", err: loadErr(gateway.ECONFLICT, "item I0010 is already loaded in compartment 5 at bank "+bank2+" (reservation r-1, ready)", conflict(gateway.LoadAlreadyLoaded, bank2, "5"), false),
			ok: true, cv: "01", af: []string{"Already in the locker", bank2}},
		{name: "being loaded", err: loadErr(gateway.ECONFLICT, "item I0010 is being loaded into compartment 12 at bank "+bank1+" right now: put it in and close the door", conflict(gateway.LoadBeingLoaded, bank1, "12"), false),
			ok: true, cv: "01", cl: "12", af: []string{"put it in and close the door"}},
		{name: "already loaded, with its title and patron", err: loadErr(gateway.ECONFLICT, "item I0010 is already loaded in compartment 3 at bank "+bank1+" (reservation r-1, ready)", known(conflict(gateway.LoadAlreadyLoaded, bank1, "3"), ""), false),
			ok: true, cv: "01", cl: "3", af: []string{"Already in the locker"}, aj: "Hackers", cy: "P0001", da: "Ada Lovelace"},
		{name: "being loaded, with its title and patron", err: loadErr(gateway.ECONFLICT, "item I0010 is being loaded into compartment 12 at bank "+bank1+" right now: put it in and close the door", known(conflict(gateway.LoadBeingLoaded, bank1, "12"), ""), false),
			ok: true, cv: "01", cl: "12", af: []string{"put it in and close the door"}, aj: "Hackers", cy: "P0001", da: "Ada Lovelace"},
		{name: "interlibrary loan already loaded", err: loadErr(gateway.ECONFLICT, "item I0010 is already loaded in compartment 3 at bank "+bank1+" (reservation r-1, ready)", known(conflict(gateway.LoadAlreadyLoaded, bank1, "3"), "REQ-1"), false),
			ok: true, cv: "03", cl: "3", af: []string{"Already in the locker"}, aj: "Hackers", cy: "P0001", da: "Ada Lovelace"},
		{name: "no hold to fill, with its title", err: loadErr(gateway.ECONFLICT, "item I0010 has no hold to fill (the item is checked in)", titled(conflict(gateway.LoadNoHold, "", "")), true),
			ok: true, cv: "99", af: []string{"Return it to the shelf"}, aj: "Hackers"},
		{name: "transit, with its title", err: loadErr(gateway.ECONFLICT, "item I0010 is held for pickup elsewhere and must go in transit to EAST, not into this locker", titled(conflict(gateway.LoadInTransit, "", "")), true),
			ok: true, cv: "02", af: []string{"in transit to EAST"}, aj: "Hackers"},
		{name: "held elsewhere, with its title", err: loadErr(gateway.ECONFLICT, "item I0010 is held for pickup at EAST, not at this locker ("+loc1+")", titled(conflict(gateway.LoadHeldElsewhere, "", "")), true),
			ok: true, cv: "02", af: []string{"held for pickup at EAST"}, aj: "Hackers"},
		{name: "interlibrary loan for another bank, with its title", err: loadErr(gateway.ECONFLICT, "item I0010 is interlibrary loan REQ-1 for pickup at bank "+bank2+", not at this one", titled(conflict(gateway.LoadWrongBank, bank2, "")), false),
			af: []string{"Not loaded", bank2}, aj: "Hackers"},
		{name: "the words of an earlier load without its facts", err: gatewayErr(gateway.ECONFLICT, "item I0010 is already loaded in compartment 3 at bank %s (the item is checked in)", bank1),
			af: []string{"Not loaded"}},
		{name: "being scanned elsewhere", err: loadErr(gateway.ECONFLICT, "item I0010 is being scanned for loading at this moment (another scan of it is under way)", conflict(gateway.LoadBeingScanned, bank1, ""), false),
			af: []string{"Not loaded", "another scan"}},
		{name: "other reservation, after the checkin", err: loadErr(gateway.ECONFLICT, "item I0010 is already in reservation r-9 (expired) at bank "+bank2, conflict(gateway.LoadInReservation, bank2, ""), true),
			ok: true, cv: "99", af: []string{"Checked in, but not loaded", "r-9"}},
		{name: "interlibrary loan for another bank", res: nil, err: loadErr(gateway.ECONFLICT, "item I0010 is interlibrary loan REQ-1 for pickup at bank "+bank2+", not at this one", conflict(gateway.LoadWrongBank, bank2, ""), false),
			af: []string{"Not loaded", bank2}},
		{name: "no compartment would open", res: held, err: loadErr(gateway.EDOOR, "no compartment would open (tried 1, 2, 3); the item is checked in: put it on the hold shelf", nil, true),
			ok: true, cv: "01", af: []string{"no compartment opened", "hold shelf"}},
		{name: "no compartment left after door failures", res: held, err: loadErr(gateway.EDOOR, "no compartment would open (tried 1, 2) and none is left; the item is checked in: put it on the hold shelf", nil, true),
			ok: true, cv: "01", af: []string{"no compartment opened", "hold shelf"}},
		{name: "interlibrary loan, no compartment would open", res: ill, err: loadErr(gateway.EDOOR, "no compartment would open (tried 1, 2, 3); keep the interlibrary loan at the desk and scan it again later", nil, false),
			af: []string{"Not loaded", "keep the interlibrary loan at the desk"}},
		{name: "door fault before checkin", err: gatewayErr(gateway.EDOOR, "the bank does not answer"), af: []string{"Not loaded"}},
		{name: "no space after the checkin", err: loadErr(gateway.ENOSPACE, "no free compartment of size S or larger at bank "+bank1+"; put the item on the hold shelf", nil, true),
			ok: true, cv: "01", af: []string{"Checked in, but not loaded", "no free compartment", "hold shelf"}},
		{name: "no space after the checkin, with the hold", res: held, err: loadErr(gateway.ENOSPACE, "no free compartment of size S or larger at bank "+bank1+"; put the item on the hold shelf", nil, true),
			ok: true, cv: "01", af: []string{"Checked in, but not loaded", "hold shelf"}},
		{name: "no space for an interlibrary loan", err: loadErr(gateway.ENOSPACE, "no free compartment of size S or larger at bank "+bank1+"; keep the interlibrary loan at the desk", nil, false),
			af: []string{"Not loaded", "no free compartment"}},
		{name: "ILS refused", err: gatewayErr(gateway.EREFUSED, "the library system refused the checkin: Item not found"), af: []string{"Item not found"}},
		{name: "ILS down", err: gatewayErr(gateway.EUNAVAILABLE, "the library system cannot be reached; the item cannot be loaded now"), af: []string{"cannot be reached"}},
		{name: "unknown bank in the gateway", err: gatewayErr(gateway.ENOTFOUND, "bank %q not found", bank1), af: []string{"not found"}},
		{name: "internal", err: errors.New("database exploded at row 42"), af: []string{"internal error"}, notAF: "exploded"},
		{name: "internal after the checkin", err: &gateway.Error{Code: gateway.EINTERNAL, Message: "internal error", Err: errors.Join(errors.New("database exploded at row 42"), gateway.ErrCheckedIn)},
			ok: true, cv: "99", af: []string{"Checked in, but not loaded", "internal error"}, notAF: "exploded"},
		{name: "no result and no error", af: []string{"internal error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.loader.set(func(context.Context, gateway.LoadRequest) (*gateway.LoadResult, error) { return tt.res, tt.err })
			resp, err := c.Checkin(ctx(t), checkin(loc1, "I0010"))
			if err != nil {
				t.Fatal(err)
			}
			if resp.OK != tt.ok || resp.Alert != tt.ok {
				t.Errorf("ok %v alert %v, want %v", resp.OK, resp.Alert, tt.ok)
			}
			if resp.AlertType != tt.cv || resp.SortBin != tt.cl {
				t.Errorf("CV %q CL %q, want %q %q", resp.AlertType, resp.SortBin, tt.cv, tt.cl)
			}
			if tt.cl != "" && resp.DestinationLocation != loc1 {
				t.Errorf("CT %q, want %q", resp.DestinationLocation, loc1)
			}
			if tt.res != nil && (resp.HoldPatronID != tt.res.Patron || resp.TitleID != tt.res.Title) {
				t.Errorf("CY %q AJ %q, want those of the result", resp.HoldPatronID, resp.TitleID)
			}
			if tt.res == nil && (resp.TitleID != tt.aj || resp.HoldPatronID != tt.cy || resp.HoldPatronName != tt.da) {
				t.Errorf("AJ %q CY %q DA %q, want %q %q %q", resp.TitleID, resp.HoldPatronID, resp.HoldPatronName, tt.aj, tt.cy, tt.da)
			}
			af := strings.Join(resp.ScreenMessage, " / ")
			for _, w := range tt.af {
				if !strings.Contains(af, w) {
					t.Errorf("AF %q does not say %q", af, w)
				}
			}
			if tt.notAF != "" && strings.Contains(af, tt.notAF) {
				t.Errorf("AF %q shows %q", af, tt.notAF)
			}
		})
	}
}

func TestLockerCheckinRefusals(t *testing.T) {
	e := newEnv(t)
	kiosk := dial(t, e.door.addr, kioskLogin, kioskPass)
	sorter := dial(t, e.door.addr, sorterLogin, sorterPass)
	tests := []struct {
		name string
		c    *sip2.Client
		req  *sip2.CheckinRequest
		af   string
	}{
		{"bank not allowed", sorter, checkin(loc1, "I0010"), "Not allowed: this station may not load locker LOCKER1"},
		{"bank not allowed, by ID", sorter, checkin(bank1, "I0010"), "Not allowed"},
		{"other institution", kiosk, &sip2.CheckinRequest{CurrentLocation: loc1, InstitutionID: "ELSEWHERE", ItemID: "I0010"}, "Institution not served"},
		{"cancel", kiosk, &sip2.CheckinRequest{CurrentLocation: loc1, InstitutionID: "DEMO", ItemID: "I0010", Cancel: sip2.FlagYes}, "cannot be cancelled"},
		{"no item", kiosk, checkin(loc1, "  "), "Item identifier missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.c.Checkin(ctx(t), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.OK || resp.Alert || resp.SortBin != "" || resp.AlertType != "" {
				t.Errorf("ok %v alert %v CL %q CV %q, want a plain refusal", resp.OK, resp.Alert, resp.SortBin, resp.AlertType)
			}
			if af := strings.Join(resp.ScreenMessage, " "); !strings.Contains(af, tt.af) {
				t.Errorf("AF %q, want %q", af, tt.af)
			}
		})
	}
	if n := len(e.loader.Calls()); n != 0 {
		t.Fatalf("%d loads for refused checkins", n)
	}
	// The sorter may load its own bank.
	resp, err := sorter.Checkin(ctx(t), checkin(loc2, "I0010"))
	if err != nil || !resp.OK {
		t.Fatalf("sorter at its own bank: %v %+v", err, resp)
	}
}

// TestPassThroughPatronStatus asks the ILS directly and through the door:
// the answers are the same, field for field.
func TestPassThroughPatronStatus(t *testing.T) {
	e := newEnv(t)
	door := dial(t, e.door.addr, kioskLogin, kioskPass)
	direct := dial(t, e.ilsSrv.Addr, sip2mem.DemoUser, sip2mem.DemoPassword)
	for _, patron := range []struct{ id, pin string }{{"P0001", "1234"}, {"P0003", "1234"}, {"P0002", "0000"}, {"P9999", ""}} {
		t.Run(patron.id, func(t *testing.T) {
			req := &sip2.PatronStatusRequest{Language: "001", InstitutionID: "DEMO", PatronID: patron.id, PatronPassword: patron.pin}
			via, err := door.Do(ctx(t), sip2.NewFrame(req))
			if err != nil {
				t.Fatal(err)
			}
			want, err := direct.Do(ctx(t), sip2.NewFrame(req))
			if err != nil {
				t.Fatal(err)
			}
			sameAnswer(t, via, want, 17)
		})
	}
	if n := len(e.loader.Calls()); n != 0 {
		t.Fatalf("%d loads", n)
	}
}

// sameAnswer compares two responses: command, fixed part (the 18-character
// transaction date at dateAt excepted) and every field in order.
func sameAnswer(t *testing.T, got, want *sip2.Frame, dateAt int) {
	t.Helper()
	mask := func(s string) string {
		if len(s) < dateAt+18 {
			return s
		}
		return s[:dateAt] + strings.Repeat("*", 18) + s[dateAt+18:]
	}
	if got.Command != want.Command || mask(got.Fixed) != mask(want.Fixed) {
		t.Errorf("got %s %q, want %s %q", got.Command, got.Fixed, want.Command, want.Fixed)
	}
	if !slices.Equal(got.Fields, want.Fields) {
		t.Errorf("fields\n got %q\nwant %q", got.Fields, want.Fields)
	}
}

func TestPassThroughCheckinElsewhere(t *testing.T) {
	e := newEnv(t)
	c := dial(t, e.door.addr, kioskLogin, kioskPass)
	// I0005 is on loan to P0002 with a title hold for P0004 queued: the
	// ILS traps it for that hold.
	resp, err := c.Checkin(ctx(t), checkin(sip2mem.DemoBranch, "I0005"))
	if err != nil {
		t.Fatal(err)
	}
	if !resp.OK || resp.HoldPatronID != "P0004" || resp.PermanentLocation != sip2mem.DemoBranch || resp.TitleID == "" {
		t.Errorf("the ILS's checkin answer did not come back: %+v", resp)
	}
	if n := e.lib.Counts("I0005").Checkins; n != 1 {
		t.Errorf("the ILS saw %d checkins, want 1", n)
	}
	// An offline replay (no block Y) at a locker's location opens no door:
	// the ILS records the return.
	resp, err = c.Checkin(ctx(t), &sip2.CheckinRequest{NoBlock: true, CurrentLocation: loc1, InstitutionID: "DEMO", ItemID: "I0006"})
	if err != nil || !resp.OK {
		t.Fatalf("offline replay: %v %+v", err, resp)
	}
	if n := e.lib.Counts("I0006").Checkins; n != 1 {
		t.Errorf("the ILS saw %d checkins of the replay, want 1", n)
	}
	if n := len(e.loader.Calls()); n != 0 {
		t.Fatalf("%d loads for checkins elsewhere", n)
	}
}

// singleUpstream is an Upstream of one client (a scripted ACS's).
type singleUpstream struct{ c *sip2.Client }

func (u singleUpstream) Do(ctx context.Context, fn func(*sip2.Client) error) error { return fn(u.c) }

// TestVendorFieldsSurvive checks the bytes on both sides of the door: the
// station's fields reach the ILS in its order, vendor fields included, and
// the ILS's answer comes back with its own order and vendor fields.
func TestVendorFieldsSurvive(t *testing.T) {
	const date = "20250102    030405"
	toILS := withAZ("23001"+date+"AODEMO|ZZvendor one|AAP0001|AC|ADpin-Zq81|XYlast field|", 0)
	script := "> " + toILS + "\n" +
		"< 24              001" + date + "AODEMO|AAP0001|AEAda Lovelace|XIinternal-7|BLY|CQY|ZQvendor z|AFhello|AFworld|AY{AY}AZ{AZ}\n"
	acs := sip2test.NewScriptedACS(t, script)
	up := sip2.NewClient(acs.Conn(), &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true}})
	defer up.Close()
	cfg := baseConfig(&fakeLoader{}, singleUpstream{up}, &syncbuf.Buffer{})
	d := startDoor(t, cfg)
	c := dial(t, d.addr, kioskLogin, kioskPass)

	req := &sip2.Frame{Command: sip2.CmdPatronStatus, Fixed: "001" + date, Seq: -1, Fields: []sip2.Field{
		{ID: "AO", Value: "DEMO"}, {ID: "ZZ", Value: "vendor one"}, {ID: "AA", Value: "P0001"}, {ID: "AC", Value: ""},
		{ID: "AD", Value: "pin-Zq81"}, {ID: "XY", Value: "last field"}}}
	resp, err := c.Do(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if err := acs.Err(); err != nil {
		t.Fatalf("the ILS got something else: %v", err)
	}
	want := []sip2.Field{{ID: "AO", Value: "DEMO"}, {ID: "AA", Value: "P0001"}, {ID: "AE", Value: "Ada Lovelace"}, {ID: "XI", Value: "internal-7"},
		{ID: "BL", Value: "Y"}, {ID: "CQ", Value: "Y"}, {ID: "ZQ", Value: "vendor z"}, {ID: "AF", Value: "hello"}, {ID: "AF", Value: "world"}}
	if !slices.Equal(resp.Fields, want) {
		t.Errorf("fields\n got %q\nwant %q", resp.Fields, want)
	}
	if resp.Fixed != "              001"+date {
		t.Errorf("fixed part %q", resp.Fixed)
	}
}

func TestCharsetPerAccount(t *testing.T) {
	e := newEnv(t)
	const title = "Gödel, Escher, Bach: ein Endloses Geflochtenes Band, Größe M"
	e.lib.AddItem(sip2mem.Item{ID: "I0100", Title: title, PermanentLocation: sip2mem.DemoBranch, Owner: sip2mem.DemoInstitution})
	var wire syncbuf.Buffer
	c := dial(t, e.door.addr, cp850Login, cp850Pass, func(o *sip2.ClientOptions) {
		o.Codec.Charset = sip2.CharsetCP850
		o.Debug = &wire
	})

	// ILS → station: the UTF-8 title arrives in CP850.
	info, err := c.ItemInformation(ctx(t), &sip2.ItemInformationRequest{InstitutionID: "DEMO", ItemID: "I0100"})
	if err != nil {
		t.Fatal(err)
	}
	if info.TitleID != title {
		t.Errorf("AJ = %q, want %q", info.TitleID, title)
	}
	if w := wire.String(); !strings.Contains(w, "G\x94del") || strings.Contains(w, "G\xc3\xb6del") {
		t.Errorf("the title was not sent in CP850: %q", w)
	}
	// Station → ILS: CP850 text is stored as the station meant it.
	props := "Größe: groß, Hülle fehlt"
	upd, err := c.ItemStatusUpdate(ctx(t), &sip2.ItemStatusUpdateRequest{InstitutionID: "DEMO", ItemID: "I0100", ItemProperties: props})
	if err != nil || !upd.ItemPropertiesOK {
		t.Fatalf("19: %v %+v", err, upd)
	}
	if it, _ := e.lib.Item("I0100"); it.Properties != props {
		t.Errorf("the ILS stored %q, want %q", it.Properties, props)
	}
	// A locker checkin's own answer is in CP850 too.
	e.loader.set(func(context.Context, gateway.LoadRequest) (*gateway.LoadResult, error) {
		return &gateway.LoadResult{Compartment: "5", Title: title, Patron: "P0001", PatronName: "Zoë Ångström"}, nil
	})
	resp, err := c.Checkin(ctx(t), checkin(loc1, "I0100"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.TitleID != title || resp.HoldPatronName != "Zoë Ångström" {
		t.Errorf("AJ %q DA %q", resp.TitleID, resp.HoldPatronName)
	}
	// The account's terminator is CRLF, from the login's answer on.
	r := dialRaw(t, e.door.addr)
	r.send("9300CN" + cp850Login + "|CO" + cp850Pass + "|")
	if got, err := r.r.ReadString('\n'); err != nil || got != "941\r\n" {
		t.Errorf("94 = %q (%v), want 941 CR LF", got, err)
	}
}

func TestErrorDetectionPerAccount(t *testing.T) {
	e := newEnv(t)
	t.Run("required", func(t *testing.T) {
		r := dialRaw(t, e.door.addr)
		r.send(withAZ("9300CN"+strictLogin+"|CO"+strictPass+"|", 0))
		if got, want := r.mustRead(), withAZ("941", 0); got != want {
			t.Fatalf("94 = %q, want %q", got, want)
		}
		r.send("9900302.00")
		if got := r.mustRead(); got != "96AZFEF6" {
			t.Fatalf("99 without a checksum: %q, want 96AZFEF6", got)
		}
		r.send(withAZ("9900302.00", 1))
		if got := r.mustRead(); !strings.HasPrefix(got, "98") || !strings.Contains(got, "|AY1AZ") {
			t.Fatalf("99 with a checksum: %q", got)
		}
	})
	t.Run("off", func(t *testing.T) {
		r := dialRaw(t, e.door.addr)
		r.send("9300CN" + laxLogin + "|CO" + laxPass + "|")
		if got := r.mustRead(); got != "941" {
			t.Fatalf("94 = %q, want 941", got)
		}
		// A broken checksum is not this account's problem.
		r.send("9900302.00AY1AZ0000")
		got := r.mustRead()
		if !strings.HasPrefix(got, "98") || strings.Contains(got, "AZ") {
			t.Fatalf("99 with a bad checksum: %q, want a 98 without AY/AZ", got)
		}
	})
	t.Run("auto", func(t *testing.T) {
		r := dialRaw(t, e.door.addr)
		r.send("9300CN" + kioskLogin + "|CO" + kioskPass + "|")
		if got := r.mustRead(); got != "941" {
			t.Fatalf("94 = %q, want 941", got)
		}
		r.send("9900302.00AY1AZ0000")
		if got := r.mustRead(); got != "96AZFEF6" {
			t.Fatalf("99 with a bad checksum: %q, want 96AZFEF6", got)
		}
	})
}

func TestTLS(t *testing.T) {
	lib, _, pool := ilsPool(t)
	_ = lib
	cert, roots := sip2test.SelfSigned(t)
	cfg := baseConfig(&fakeLoader{}, pool, &syncbuf.Buffer{})
	cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	cfg.Accounts = append(cfg.Accounts, sip2door.Account{Login: "secure", Password: "secure-pass-Tt3", Upstream: "main", RequireTLS: true})
	d, err := sip2door.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tlsL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	plainL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- d.Serve(tlsL) }()
	go func() { done <- d.ServePlain(plainL) }()
	defer func() {
		if err := d.Shutdown(ctx(t)); err != nil {
			t.Error(err)
		}
		for range 2 {
			if err := <-done; !errors.Is(err, sip2.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		}
	}()
	clientTLS := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
	login := func(addr string, conf *tls.Config, user, pass string) (bool, error) {
		c, err := sip2.Dial(ctx(t), addr, &sip2.ClientOptions{TLSConfig: conf})
		if err != nil {
			return false, err
		}
		defer c.Close()
		resp, err := c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: user, LoginPassword: pass})
		if err != nil {
			return false, err
		}
		if resp.OK {
			if _, err := c.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "DEMO", PatronID: "P0001"}); err != nil {
				return false, fmt.Errorf("23 after login: %w", err)
			}
		}
		return resp.OK, nil
	}
	tests := []struct {
		name       string
		addr       string
		conf       *tls.Config
		user, pass string
		ok         bool
	}{
		{"TLS account over TLS", tlsL.Addr().String(), clientTLS, "secure", "secure-pass-Tt3", true},
		{"TLS account over plain TCP", plainL.Addr().String(), nil, "secure", "secure-pass-Tt3", false},
		{"plain account over TLS", tlsL.Addr().String(), clientTLS, kioskLogin, kioskPass, true},
		{"plain account over plain TCP", plainL.Addr().String(), nil, kioskLogin, kioskPass, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := login(tt.addr, tt.conf, tt.user, tt.pass)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok {
				t.Fatalf("login ok = %v, want %v", ok, tt.ok)
			}
		})
	}
	t.Run("plain station on the TLS port", func(t *testing.T) {
		if ok, err := login(tlsL.Addr().String(), nil, kioskLogin, kioskPass); err == nil || ok {
			t.Fatalf("a plain-text login on the TLS port: ok %v, err %v", ok, err)
		}
	})
}

func TestILSUnreachable(t *testing.T) {
	down := sip2.NewPool("127.0.0.1:1", &sip2.PoolOptions{Size: 1,
		Dial: func(context.Context) (*sip2.Client, error) { return nil, errors.New("connection refused (test)") }})
	defer down.Close()
	eventually(t, "the pool to fail a dial", func() bool { return down.Stats().DialFailures > 0 })
	loader := &fakeLoader{}
	d := startDoor(t, baseConfig(loader, down, &syncbuf.Buffer{}))
	c := dial(t, d.addr, kioskLogin, kioskPass)

	st, err := c.SCStatus(ctx(t), nil)
	if err != nil {
		t.Fatalf("99: %v", err)
	}
	if st.OnlineStatus || st.CheckinOK || st.CheckoutOK {
		t.Errorf("98 with the ILS down: online %v checkin %v checkout %v", st.OnlineStatus, st.CheckinOK, st.CheckoutOK)
	}
	co, err := c.Checkout(ctx(t), &sip2.CheckoutRequest{InstitutionID: "DEMO", PatronID: "P0008", ItemID: "I0001"})
	if err != nil {
		t.Fatalf("11: %v", err)
	}
	if co.OK || !strings.Contains(strings.Join(co.ScreenMessage, " "), "cannot be reached; nothing was done") || co.ItemID != "I0001" {
		t.Errorf("12 with the ILS down: %+v", co)
	}
	fee, err := c.FeePaid(ctx(t), &sip2.FeePaidRequest{CurrencyType: "USD", FeeAmount: "1.00", InstitutionID: "DEMO", PatronID: "P0009"})
	if err != nil || fee.PaymentAccepted {
		t.Errorf("37 with the ILS down: %v %+v", err, fee)
	}
	ci, err := c.Checkin(ctx(t), checkin(sip2mem.DemoBranch, "I0005"))
	if err != nil || ci.OK {
		t.Errorf("09 elsewhere with the ILS down: %v %+v", err, ci)
	}
	// Locker loads do not go through the pass-through pool.
	ci, err = c.Checkin(ctx(t), checkin(loc1, "I0010"))
	if err != nil || !ci.OK || ci.SortBin != "7" {
		t.Errorf("locker checkin with the pool down: %v %+v", err, ci)
	}
	// A query has no refusal form: the connection closes.
	if _, err := c.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "DEMO", PatronID: "P0001"}); err == nil {
		t.Error("23 with the ILS down was answered")
	}
}

// TestILSSilent: a request that reached the ILS but got no answer in time
// closes the station's connection instead of answering ok 0, because the
// ILS may still carry it out, and here it does.
func TestILSSilent(t *testing.T) {
	e := newEnv(t, func(c *sip2door.Config) { c.Timeout = 300 * time.Millisecond })
	c := dial(t, e.door.addr, kioskLogin, kioskPass)
	if _, err := c.SCStatus(ctx(t), nil); err != nil { // the pool is up
		t.Fatal(err)
	}
	e.lib.SetDown(sip2mem.Silent)
	resp, err := c.Checkout(ctx(t), &sip2.CheckoutRequest{InstitutionID: "DEMO", PatronID: "P0008", ItemID: "I0001"})
	if err == nil {
		t.Fatalf("a checkout the ILS did not answer was answered: %+v", resp)
	}
	e.lib.SetDown(sip2mem.Up)
	eventually(t, "the ILS to carry out the checkout", func() bool {
		return slices.ContainsFunc(e.lib.Loans(), func(l sip2mem.Loan) bool { return l.ItemID == "I0001" && l.PatronID == "P0008" })
	})
	// 99 while silent: on-line N, not a closed connection.
	c2 := dial(t, e.door.addr, kioskLogin, kioskPass)
	e.lib.SetDown(sip2mem.Silent)
	st, err := c2.SCStatus(ctx(t), nil)
	e.lib.SetDown(sip2mem.Up)
	if err != nil || st.OnlineStatus {
		t.Fatalf("99 with the ILS silent: %v %+v", err, st)
	}
}

func TestInstitution(t *testing.T) {
	e := newEnv(t)
	c := dial(t, e.door.addr, kioskLogin, kioskPass)
	co, err := c.Checkout(ctx(t), &sip2.CheckoutRequest{InstitutionID: "OTHER", PatronID: "P0008", ItemID: "I0001"})
	if err != nil || co.OK || !strings.Contains(strings.Join(co.ScreenMessage, " "), "Institution not served") {
		t.Fatalf("11 for another institution: %v %+v", err, co)
	}
	if n := e.lib.Counts("I0001").Checkouts; n != 0 {
		t.Fatalf("the ILS saw %d checkouts", n)
	}
	// An empty AO is the account's institution.
	if co, err = c.Checkout(ctx(t), &sip2.CheckoutRequest{PatronID: "P0008", ItemID: "I0001"}); err != nil || !co.OK {
		t.Fatalf("11 without AO: %v %+v", err, co)
	}
	if _, err := c.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "OTHER", PatronID: "P0001"}); err == nil {
		t.Fatal("23 for another institution was answered")
	}
	// The sorter's account names no institution: any AO goes through.
	s := dial(t, e.door.addr, sorterLogin, sorterPass)
	if _, err := s.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "OTHER", PatronID: "P0001"}); err != nil {
		t.Fatal(err)
	}
}

// TestRepeats: the same checkin with the same AY on one connection is
// answered from the server's cache; on another connection it reaches the
// loader, whose answer (the gateway's: already being loaded) says where
// the item is.
func TestRepeats(t *testing.T) {
	e := newEnv(t)
	var n atomic.Int32
	e.loader.set(func(_ context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
		if n.Add(1) == 1 {
			return &gateway.LoadResult{Patron: "P0001", Compartment: "4", Title: "Hackers"}, nil
		}
		return nil, loadErr(gateway.ECONFLICT, "item "+req.Item+" is being loaded into compartment 4 at bank "+req.Bank+" right now: put it in and close the door",
			&gateway.LoadConflict{Reason: gateway.LoadBeingLoaded, Bank: req.Bank, Compartment: "4"}, false)
	})
	msg := withAZ("09N20250102    030405                  APLOCK-A|AODEMO|ABI0010|AC|", 2)
	r := dialRaw(t, e.door.addr)
	r.send(withAZ("9300CN"+kioskLogin+"|CO"+kioskPass+"|", 1))
	r.mustRead()
	r.send(msg)
	first := r.mustRead()
	r.send(msg)
	if again := r.mustRead(); again != first {
		t.Fatalf("the repeat got %q, want the first answer %q", again, first)
	}
	if calls := len(e.loader.Calls()); calls != 1 {
		t.Fatalf("%d loads for one checkin and its repeat", calls)
	}
	other := dialRaw(t, e.door.addr)
	other.send(withAZ("9300CN"+kioskLogin+"|CO"+kioskPass+"|", 1))
	other.mustRead()
	other.send(msg)
	f, err := sip2.ParseFrame([]byte(other.mustRead()), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Message(nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := m.(*sip2.CheckinResponse)
	if !resp.OK || resp.SortBin != "4" || !strings.Contains(strings.Join(resp.ScreenMessage, " "), "Already in the locker") {
		t.Fatalf("the other connection's repeat: %+v", resp)
	}
}

func TestShutdown(t *testing.T) {
	t.Run("idle session", func(t *testing.T) {
		e := newEnv(t)
		c := dial(t, e.door.addr, kioskLogin, kioskPass)
		if _, err := c.SCStatus(ctx(t), nil); err != nil {
			t.Fatal(err)
		}
		if err := e.door.stop(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SCStatus(ctx(t), nil); err == nil {
			t.Fatal("the session outlived Shutdown")
		}
		if n := e.door.Connections(); n != 0 {
			t.Fatalf("%d connections after Shutdown", n)
		}
		if err := e.door.Close(); err != nil {
			t.Fatalf("Close after Shutdown: %v", err)
		}
	})
	t.Run("load in flight is answered", func(t *testing.T) {
		e := newEnv(t)
		started, release := make(chan struct{}), make(chan struct{})
		e.loader.set(func(context.Context, gateway.LoadRequest) (*gateway.LoadResult, error) {
			close(started)
			<-release
			return &gateway.LoadResult{Patron: "P0001", Compartment: "9"}, nil
		})
		c := dial(t, e.door.addr, kioskLogin, kioskPass)
		type answer struct {
			resp *sip2.CheckinResponse
			err  error
		}
		got := make(chan answer, 1)
		go func() {
			resp, err := c.Checkin(context.Background(), checkin(loc1, "I0010"))
			got <- answer{resp, err}
		}()
		<-started
		stopped := make(chan error, 1)
		go func() { stopped <- e.door.stop() }()
		eventually(t, "the door to stop accepting", func() bool {
			conn, err := net.Dial("tcp", e.door.addr)
			if err == nil {
				conn.Close()
			}
			return err != nil
		})
		close(release)
		a := <-got
		if a.err != nil || !a.resp.OK || a.resp.SortBin != "9" {
			t.Fatalf("the load in flight: %v %+v", a.err, a.resp)
		}
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
	})
}

// TestSecretsNotLogged: passwords, PINs and terminal passwords never reach
// the log, whatever happens to the message.
func TestSecretsNotLogged(t *testing.T) {
	e := newEnv(t)
	secrets := []string{kioskPass, "hunter2-typed-as-login", "wrong-pw-Rr5", "pin-Zq81", "term-Xx44"}
	c, err := sip2.Dial(ctx(t), e.door.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: "hunter2-typed-as-login", LoginPassword: "x"})
	c.Login(ctx(t), &sip2.LoginRequest{LoginUserID: kioskLogin, LoginPassword: "wrong-pw-Rr5"})
	k := dial(t, e.door.addr, kioskLogin, kioskPass)
	k.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "DEMO", PatronID: "P0001", PatronPassword: "pin-Zq81", TerminalPassword: "term-Xx44"})
	k.Checkout(ctx(t), &sip2.CheckoutRequest{InstitutionID: "OTHER", PatronID: "P0001", ItemID: "I0002", PatronPassword: "pin-Zq81", TerminalPassword: "term-Xx44"})
	k.Checkin(ctx(t), &sip2.CheckinRequest{CurrentLocation: loc1, InstitutionID: "DEMO", ItemID: "I0010", TerminalPassword: "term-Xx44"})
	k.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "OTHER", PatronID: "P0001", PatronPassword: "pin-Zq81"})
	logs := e.logs.String()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q:\n%s", s, logs)
		}
	}
	for _, want := range []string{"(unknown)", "login=kiosk", "login refused", "institution other than the account's"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say %q:\n%s", want, logs)
		}
	}
}
