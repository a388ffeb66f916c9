package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestE2EPickupByCode is the main path: staff load a held item, the door
// closing makes the reservation ready and notifies the patron with a
// code, the patron collects with it, the library records the loan, the
// door closing frees the compartment. The event stream, the metrics and
// the operations endpoints see it happen.
func TestE2EPickupByCode(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")

		if status, body := g.raw(t, "GET", "/healthz", "", nil); status != 200 || strings.TrimSpace(string(body)) != "ok" {
			t.Fatalf("healthz = %d %q", status, body)
		}
		if status, body := g.raw(t, "GET", "/readyz", "", nil); status != 200 {
			t.Fatalf("readyz = %d %q", status, body)
		}
		// Roles: no token 401, a kiosk cannot load, staff cannot expire-due.
		g.fails(t, 401, "unauthorized", "POST", "/api/v1/banks/"+e2eBank+"/loads", "", `{"item":"I0012"}`)
		g.fails(t, 403, "forbidden", "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eKiosk, `{"item":"I0012"}`)
		g.fails(t, 403, "forbidden", "POST", "/api/v1/expire-due", e2eStaff, nil)
		g.fails(t, 404, "not_found", "POST", "/api/v1/banks/NOSUCH/loads", e2eStaff, `{"item":"I0012"}`)
		g.fails(t, 400, "invalid", "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, `{"item":"I0012","colour":"red"}`)
		// I0013 has no hold: a load is refused (and the item checked in).
		g.fails(t, 409, "conflict", "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, `{"item":"I0013"}`)

		events := g.stream(t)

		// P0007 has a hold on I0012, not yet trapped.
		before := w.lib.Counts("I0012")
		l := g.load(t, "I0012", "")
		if l.Patron != "P0007" || l.Size != "S" || l.Shared || len(l.Reassigned) != 0 {
			t.Fatalf("load = %+v, want patron P0007, size S, not shared, nothing reassigned", l)
		}
		if c := g.compartment(t, l.Compartment); c.State != "loading" || c.Holder != l.Reservation {
			t.Fatalf("compartment after load = %+v, want loading for %s", c, l.Reservation)
		}
		if got := w.lib.Counts("I0012"); got.Checkins != before.Checkins+1 {
			t.Fatalf("library checkins of I0012 = %d, want %d (the load checks it in)", got.Checkins, before.Checkins+1)
		}
		trapped := false
		for _, h := range w.lib.Holds() {
			trapped = trapped || h.ItemID == "I0012" && h.PatronID == "P0007" && h.Trapped
		}
		if !trapped {
			t.Fatal("the library did not trap I0012 for P0007 at the load's checkin")
		}
		if r := g.reservation(t, l.Reservation); r.State != "assigned" || r.Patron != "P0007" || len(r.Items) != 1 || r.Items[0].State != "loading" {
			t.Fatalf("reservation after load = %+v", r)
		}
		events.next(t, "load", func(e e2eEvent) bool {
			return e.Type == "load" && e.Item == "I0012" && e.Compartment == l.Compartment
		})

		loadedAt := time.Now()
		g.closeDoor(t, l.Compartment)
		events.next(t, "loaded", func(e e2eEvent) bool { return e.Type == "loaded" && e.Item == "I0012" })
		r := g.waitReservation(t, l.Reservation, "ready")
		if r.ExpiresAt == nil || r.ExpiresAt.Sub(loadedAt) < 7*24*time.Hour-time.Minute || r.ExpiresAt.Sub(loadedAt) > 7*24*time.Hour+time.Minute {
			t.Errorf("expires_at = %v, want 7 days (pickup_days) after the load", r.ExpiresAt)
		}
		if c := g.compartment(t, l.Compartment); c.State != "occupied" {
			t.Errorf("compartment after the door closed = %s, want occupied", c.State)
		}
		code := w.code(t, "I0012")
		n := w.notes.find(gateway.NotifyReady, "I0012")
		if len(n) != 1 || n[0].Patron.ID != "P0007" || n[0].Bank != e2eBank || !slices.Equal(n[0].Compartments, []string{l.Compartment}) {
			t.Fatalf("ready notifications = %+v, want one for P0007 naming compartment %s", n, l.Compartment)
		}

		// A wrong code opens nothing.
		wrong := []byte(code)
		wrong[len(wrong)-1] = '0' + (wrong[len(wrong)-1]-'0'+1)%10
		w.secret(string(wrong))
		g.fails(t, 401, "unauthorized", "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": string(wrong)})
		if c := g.compartment(t, l.Compartment); c.State != "occupied" {
			t.Fatalf("a wrong code changed the compartment: %+v", c)
		}

		p := g.pickupByCode(t, code)
		if !slices.Equal(p.Compartments, []string{l.Compartment}) || len(p.Failed) != 0 || len(p.Items) != 1 {
			t.Fatalf("pickup = %+v, want compartment %s opened", p, l.Compartment)
		}
		if it := p.Items[0]; it.Item != "I0012" || it.Checkout != "done" || it.Due == nil || it.Due.Before(time.Now()) {
			t.Fatalf("picked item = %+v, want I0012 checked out (done) with a due date", it)
		}
		if got := e2eLoansOf(w.lib, "I0012"); !slices.Equal(got, []string{"P0007"}) {
			t.Fatalf("library loans of I0012 = %v, want [P0007]", got)
		}
		if got := w.lib.Counts("I0012").Checkouts; got != before.Checkouts+1 {
			t.Fatalf("library checkouts of I0012 = %d, want %d", got, before.Checkouts+1)
		}
		// The listing names the patron by a keyed hash, never the card number.
		if es := g.outbox(t, "op=checkout&item=I0012"); len(es) != 1 || es[0].State != "done" || es[0].Patron == "" || strings.Contains(es[0].Patron, "P0007") {
			t.Fatalf("checkout outbox entries = %+v, want one, done, its patron a hash rather than the card number", es)
		}
		if c := g.compartment(t, l.Compartment); c.State != "unloading" {
			t.Errorf("compartment while the patron takes the item = %s, want unloading", c.State)
		}
		events.next(t, "pickup", func(e e2eEvent) bool { return e.Type == "pickup" && e.Reservation == l.Reservation })
		if r := g.reservation(t, l.Reservation); r.State != "collected" || r.Items[0].State != "collected" || !r.Items[0].CheckedOut {
			t.Fatalf("reservation after pickup = %+v", r)
		}
		// The code is spent.
		g.fails(t, 401, "unauthorized", "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code})

		g.closeDoor(t, l.Compartment)
		g.waitState(t, l.Compartment, "free")
		ev := events.next(t, "collected", func(e e2eEvent) bool { return e.Type == "collected" && e.Compartment == l.Compartment })
		if ev.Patron != "" && strings.Contains(ev.raw, "P0007") {
			t.Errorf("an event names the patron: %s", ev.raw)
		}

		// The audit log tells the story, staff named.
		var audit []struct{ Action, Actor string }
		g.must(t, 200, "GET", "/api/v1/audit?item=I0012", e2eStaff, nil, &audit)
		var actions []string
		for _, a := range audit {
			actions = append(actions, a.Action+"/"+a.Actor)
		}
		if !slices.Contains(actions, "load/staff:e2e-staff") {
			t.Errorf("audit of I0012 lacks the staff load: %v", actions)
		}

		e2eEventually(t, w.log, "metrics count the load and the pickup", func() (bool, string) {
			m := g.metrics(t)
			return strings.Contains(m, `lockergate_loads_total{bank="LOCKER1"} 1`) &&
				strings.Contains(m, `lockergate_pickups_total{bank="LOCKER1",outcome="ok"} 1`), grepLines(m, "lockergate_loads_total", "lockergate_pickups_total")
		})
		w.checkSecrets(t, g)
	})
}

// metrics reads /metrics.
func (g *e2eApp) metrics(t testing.TB) string {
	t.Helper()
	status, body := g.raw(t, "GET", "/metrics", "", nil)
	if status != 200 {
		t.Fatalf("metrics = %d", status)
	}
	return string(body)
}

// grepLines keeps the lines of text that start with one of the prefixes.
func grepLines(text string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "; ")
}

// TestE2EPickupByPIN: card and PIN, checked by the library; wrong PINs
// are 401, a blocked patron 403, nothing waiting 404, and repeated
// failures lock the card (429 with Retry-After, even for the right PIN).
func TestE2EPickupByPIN(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")
		pickups := "/api/v1/banks/" + e2eBank + "/pickups"

		// I0010 waits on the hold shelf for P0001.
		l, _ := g.loadReady(t, "I0010")
		if l.Patron != "P0001" {
			t.Fatalf("load = %+v, want patron P0001", l)
		}
		w.secret("QzWrongPin1")
		g.fails(t, 401, "unauthorized", "POST", pickups, e2eKiosk, map[string]string{"patron": "P0001", "pin": "QzWrongPin1"})
		g.fails(t, 401, "unauthorized", "POST", pickups, e2eKiosk, map[string]string{"patron": "P9999", "pin": "QzWrongPin1"})
		g.fails(t, 400, "invalid", "POST", pickups, e2eKiosk, map[string]string{"patron": "P0001"})
		g.fails(t, 400, "invalid", "POST", pickups, e2eKiosk, map[string]string{"patron": "P0001", "pin": e2ePIN("P0001"), "code": "12345678"})
		if c := g.compartment(t, l.Compartment); c.State != "occupied" {
			t.Fatalf("failed pickups changed the compartment: %+v", c)
		}

		p := g.pickupByPIN(t, "P0001")
		if !slices.Equal(p.Compartments, []string{l.Compartment}) || len(p.Items) != 1 || p.Items[0].Item != "I0010" || p.Items[0].Checkout != "done" {
			t.Fatalf("pickup = %+v", p)
		}
		if got := e2eLoansOf(w.lib, "I0010"); !slices.Equal(got, []string{"P0001"}) {
			t.Fatalf("library loans of I0010 = %v, want [P0001]", got)
		}
		g.closeDoor(t, l.Compartment)
		g.waitState(t, l.Compartment, "free")
		g.fails(t, 404, "not_found", "POST", pickups, e2eKiosk, map[string]string{"patron": "P0001", "pin": e2ePIN("P0001")})

		// P0003 is blocked by the library.
		e := g.fails(t, 403, "forbidden", "POST", pickups, e2eKiosk, map[string]string{"patron": "P0003", "pin": e2ePIN("P0003")})
		if e.Error.Message == "" {
			t.Error("a blocked patron's refusal has no message")
		}

		// Lockout: five failures lock P0008's card.
		w.secret("QzWrongPin8")
		var statuses []int
		for i := 0; i < 6; i++ {
			status, _ := g.raw(t, "POST", pickups, e2eKiosk, map[string]string{"patron": "P0008", "pin": "QzWrongPin8"})
			statuses = append(statuses, status)
		}
		if fmt.Sprint(statuses) != "[401 401 401 401 429 429]" {
			t.Fatalf("wrong PINs: statuses %v, want four 401 then 429", statuses)
		}
		status, body, h := g.do(t, "POST", pickups, e2eKiosk, map[string]string{"patron": "P0008", "pin": e2ePIN("P0008")})
		if status != 429 || h.Get("Retry-After") == "" || !strings.Contains(string(body), `"locked"`) {
			t.Fatalf("right PIN on a locked card = %d %s (Retry-After %q), want 429 locked with Retry-After", status, body, h.Get("Retry-After"))
		}
		w.checkSecrets(t, g)
	})
}

// TestE2ESharedCompartment: two items for one patron go into one
// compartment, make one notification with one code, and come out in one
// pickup with two checkouts.
func TestE2ESharedCompartment(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{seed: func(lib *sip2mem.Library) {
			e2eHold(lib, "P0011", "I0013")
			e2eHold(lib, "P0011", "I0014")
		}})
		g := w.start("gw-1")

		a := g.load(t, "I0013", "")
		b := g.load(t, "I0014", "")
		if a.Patron != "P0011" || b.Patron != "P0011" || a.Shared || !b.Shared || b.Compartment != a.Compartment || b.Reservation != a.Reservation {
			t.Fatalf("loads = %+v, %+v: want the second to share the first's compartment and reservation", a, b)
		}
		g.closeDoor(t, a.Compartment)
		r := g.waitReservation(t, a.Reservation, "ready")
		if len(r.Items) != 2 {
			t.Fatalf("reservation = %+v, want two items", r)
		}
		code := w.code(t, "I0013")
		if n := w.notes.find(gateway.NotifyReady, "I0014"); len(n) != 1 || n[0].Code != code || len(n[0].Items) != 2 {
			t.Fatalf("want one ready notification with both items and one code, got %d", len(n))
		}
		p := g.pickupByPIN(t, "P0011")
		if !slices.Equal(p.Compartments, []string{a.Compartment}) || len(p.Items) != 2 {
			t.Fatalf("pickup = %+v", p)
		}
		for _, it := range p.Items {
			if it.Checkout != "done" {
				t.Errorf("item %s checkout %s, want done", it.Item, it.Checkout)
			}
		}
		for _, item := range []string{"I0013", "I0014"} {
			if got := e2eLoansOf(w.lib, item); !slices.Equal(got, []string{"P0011"}) {
				t.Errorf("library loans of %s = %v, want [P0011]", item, got)
			}
			if got := w.lib.Counts(item).Checkouts; got != 1 {
				t.Errorf("library checkouts of %s = %d, want 1", item, got)
			}
		}
		g.closeDoor(t, a.Compartment)
		g.waitState(t, a.Compartment, "free")
		w.checkSecrets(t, g)
	})
}

// TestE2ESizes: staff name a size; a size the bank has no free pickup
// compartment of is no_space (409); an unknown size is invalid.
func TestE2ESizes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{seed: func(lib *sip2mem.Library) {
			e2eHold(lib, "P0012", "I0015")
			e2eHold(lib, "P0008", "I0016")
		}})
		g := w.start("gw-1")
		loads := "/api/v1/banks/" + e2eBank + "/loads"

		m := g.load(t, "I0015", "M")
		if c := g.compartment(t, m.Compartment); m.Size != "M" || c.Size != "M" || c.Kind != "pickup" || c.State != "loading" {
			t.Fatalf("load size M = %+v in %+v", m, c)
		}
		g.fails(t, 400, "invalid", "POST", loads, e2eStaff, map[string]string{"item": "I0016", "size": "XXL"})
		// The demo bank's large compartments take returns and lend laptops.
		e := g.fails(t, 409, "no_space", "POST", loads, e2eStaff, map[string]string{"item": "I0016", "size": "L"})
		if !strings.Contains(e.Error.Message, "hold shelf") {
			t.Errorf("no_space message %q does not tell staff what to do", e.Error.Message)
		}
		s := g.load(t, "I0016", "")
		if s.Size != "S" || s.Patron != "P0008" {
			t.Fatalf("load without size = %+v, want the smallest (S)", s)
		}
		w.checkSecrets(t, g)
	})
}

// TestE2EFull: a bank with every compartment taken answers no_space;
// once a pickup frees one, the load goes in.
func TestE2EFull(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{
			seed: func(lib *sip2mem.Library) { e2eHold(lib, "P0011", "I0013") },
			bank: func(b *config.Bank) {
				b.Driver = "sim:?compartments=3&sizes=S:2,M:1&name=" + e2eBank
				b.Returns, b.Equipment = nil, nil
			},
		})
		g := w.start("gw-1")

		first, code := g.loadReady(t, "I0012")
		seen := map[string]bool{first.Compartment: true}
		for _, item := range []string{"I0010", "I0011"} {
			l := g.load(t, item, "")
			if seen[l.Compartment] {
				t.Fatalf("compartment %s assigned twice", l.Compartment)
			}
			seen[l.Compartment] = true
			g.closeDoor(t, l.Compartment)
		}
		if b := g.bankState(t); b.Counts["free"] != 0 {
			t.Fatalf("bank counts = %v, want none free", b.Counts)
		}
		g.fails(t, 409, "no_space", "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, map[string]string{"item": "I0013"})

		g.pickupByCode(t, code)
		g.closeDoor(t, first.Compartment)
		g.waitState(t, first.Compartment, "free")
		l := g.load(t, "I0013", "")
		if l.Compartment != first.Compartment || l.Patron != "P0011" {
			t.Fatalf("load after a pickup = %+v, want compartment %s", l, first.Compartment)
		}
		w.checkSecrets(t, g)
	})
}

// TestE2ECapacity: a patron's items share a compartment up to the site's
// capacity for its size (the demo site: 2 in S); the next goes into a
// second compartment of the same reservation, and one pickup opens both.
func TestE2ECapacity(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{seed: func(lib *sip2mem.Library) {
			for _, item := range []string{"I0013", "I0014", "I0015"} {
				e2eHold(lib, "P0011", item)
			}
		}})
		g := w.start("gw-1")
		a := g.load(t, "I0013", "")
		b := g.load(t, "I0014", "")
		c := g.load(t, "I0015", "")
		if !b.Shared || b.Compartment != a.Compartment || c.Shared || c.Compartment == a.Compartment || c.Reservation != a.Reservation {
			t.Fatalf("loads = %+v, %+v, %+v: want two in one compartment, the third in another of the same reservation", a, b, c)
		}
		g.closeDoor(t, a.Compartment)
		if r := g.reservation(t, a.Reservation); r.State != "assigned" {
			t.Fatalf("reservation with a door still open = %s, want assigned", r.State)
		}
		g.closeDoor(t, c.Compartment)
		g.waitReservation(t, a.Reservation, "ready")
		w.code(t, "I0013")
		n := w.notes.find(gateway.NotifyReady, "I0015")
		if len(n) != 1 || len(n[0].Items) != 3 || !slices.Equal(n[0].Compartments, sortedIDs(a.Compartment, c.Compartment)) {
			t.Fatalf("ready notifications = %+v, want one naming three items and both compartments", n)
		}
		p := g.pickupByPIN(t, "P0011")
		if !slices.Equal(sortedIDs(p.Compartments...), sortedIDs(a.Compartment, c.Compartment)) || len(p.Items) != 3 {
			t.Fatalf("pickup = %+v, want both compartments and three items", p)
		}
		for _, id := range []string{a.Compartment, c.Compartment} {
			g.closeDoor(t, id)
			g.waitState(t, id, "free")
		}
		w.checkSecrets(t, g)
	})
}

func sortedIDs(ids ...string) []string {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b string) int {
		if numericLess(a, b) {
			return -1
		}
		if numericLess(b, a) {
			return 1
		}
		return 0
	})
	return out
}

// TestE2ELateItem: a second item for a patron arrives after the first is
// ready: it joins the compartment, the code stays the same and opens
// nothing while staff are still loading (409), and no second
// notification is sent.
func TestE2ELateItem(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{seed: func(lib *sip2mem.Library) {
			e2eHold(lib, "P0011", "I0013")
			e2eHold(lib, "P0011", "I0014")
		}})
		g := w.start("gw-1")
		a, code := g.loadReady(t, "I0013")
		b := g.load(t, "I0014", "")
		if !b.Shared || b.Compartment != a.Compartment || b.Reservation != a.Reservation {
			t.Fatalf("late load = %+v, want it in %s with reservation %s", b, a.Compartment, a.Reservation)
		}
		g.fails(t, 409, "conflict", "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code})
		g.closeDoor(t, b.Compartment)
		g.waitReservation(t, a.Reservation, "ready")
		p := g.pickupByCode(t, code)
		if len(p.Items) != 2 || !slices.Equal(p.Compartments, []string{a.Compartment}) {
			t.Fatalf("pickup = %+v, want both items from %s", p, a.Compartment)
		}
		if n := w.notes.find(gateway.NotifyReady, "I0013"); len(n) != 1 {
			t.Errorf("%d ready notifications, want 1", len(n))
		}
		if n := w.notes.find(gateway.NotifyReady, "I0014"); len(n) != 0 {
			t.Errorf("the late item was notified again (%d)", len(n))
		}
		w.checkSecrets(t, g)
	})
}
