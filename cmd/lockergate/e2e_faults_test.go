package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestE2EILSDownAtPickup: the library goes away after the load. A PIN
// cannot be checked (503), but the pickup code opens the doors and the
// checkouts wait in the outbox; a return made meanwhile queues its checkin
// behind the checkout. When the library is back the outbox replays in
// order: one loan per item, and the returned item ends checked in.
func TestE2EILSDownAtPickup(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		// Calls that need the library wait for a connection up to
		// ILSTimeout before they give up (the pool keeps redialling).
		const ilsTimeout = time.Second
		w := newWorld(t, st, e2eOptions{
			seed: func(lib *sip2mem.Library) {
				e2eHold(lib, "P0011", "I0013")
				e2eHold(lib, "P0011", "I0014")
			},
			tune: func(c *gateway.Config) { c.ILSTimeout = ilsTimeout },
		})
		g := w.start("gw-1")
		// unavailable checks a 503 that comes in bounded time.
		unavailable := func(what, path string, body any) apiError {
			t.Helper()
			start := time.Now()
			e := g.fails(t, 503, "unavailable", "POST", path, e2eKiosk, body)
			if took := time.Since(start); took > ilsTimeout+3*time.Second {
				t.Errorf("%s with the library down took %s to fail (ILSTimeout %s)", what, took, ilsTimeout)
			}
			return e
		}

		a := g.load(t, "I0013", "")
		g.load(t, "I0014", "")
		g.closeDoor(t, a.Compartment)
		g.waitReservation(t, a.Reservation, "ready")
		code := w.code(t, "I0013")
		before := map[string]sip2mem.Counts{"I0013": w.lib.Counts("I0013"), "I0014": w.lib.Counts("I0014")}

		w.ils.down()
		e2eEventually(t, w.log, "readyz reports the library down", func() (bool, string) {
			status, body := g.raw(t, "GET", "/readyz", "", nil)
			return status == 503 && strings.Contains(string(body), "not ready"), fmt.Sprintf("%d %s", status, body)
		})
		e := unavailable("a PIN check", "/api/v1/banks/"+e2eBank+"/pickups", map[string]string{"patron": "P0011", "pin": e2ePIN("P0011")})
		if !strings.Contains(e.Error.Message, "code") {
			t.Errorf("the patron is not pointed at the pickup code: %q", e.Error.Message)
		}

		// Nothing that needs the library right now works: a load (the
		// checkin must answer before a door opens) and a loan.
		start := time.Now()
		g.fails(t, 503, "unavailable", "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, map[string]string{"item": "I0012"})
		if took := time.Since(start); took > ilsTimeout+3*time.Second {
			t.Errorf("a load with the library down took %s to fail (ILSTimeout %s)", took, ilsTimeout)
		}
		unavailable("a loan", "/api/v1/banks/"+e2eBank+"/loans", map[string]string{"patron": "P0008", "pin": e2ePIN("P0008"), "type": "laptop"})

		p := g.pickupByCode(t, code)
		if !slices.Equal(p.Compartments, []string{a.Compartment}) || len(p.Items) != 2 {
			t.Fatalf("pickup with the library down = %+v, want compartment %s opened with two items", p, a.Compartment)
		}
		for _, it := range p.Items {
			if it.Checkout != "queued" {
				t.Errorf("item %s checkout = %q, want queued", it.Item, it.Checkout)
			}
		}
		if r := g.reservation(t, a.Reservation); r.State != "collected" {
			t.Errorf("reservation = %s, want collected", r.State)
		}
		g.closeDoor(t, a.Compartment)
		g.waitState(t, a.Compartment, "free")

		// The patron brings I0014 back at once; its checkin must wait for
		// its checkout.
		var ret struct {
			Return      string `json:"return"`
			Compartment string `json:"compartment"`
			Equipment   bool   `json:"equipment"`
		}
		g.must(t, 200, "POST", "/api/v1/banks/"+e2eBank+"/returns", e2eKiosk, map[string]string{"item": "I0014", "patron": "P0011"}, &ret)
		g.closeDoor(t, ret.Compartment)
		g.waitState(t, ret.Compartment, "return_pending")

		// Still down, some rounds of the sender later: both checkouts wait
		// (pending, or sent and to be resolved with the library before any
		// resend), saying why, and nothing reached the library.
		time.Sleep(500 * time.Millisecond)
		es := g.outbox(t, "op=checkout&state=pending,sent")
		if len(es) != 2 {
			t.Fatalf("open checkouts while the library is down = %+v, want two", es)
		}
		for _, e := range es {
			if e.Attempts < 1 || e.LastError == "" {
				t.Errorf("checkout entry %+v: want an attempt and its error", e)
			}
		}
		for _, item := range []string{"I0013", "I0014"} {
			if got := w.lib.Counts(item); got != before[item] {
				t.Fatalf("library counts of %s changed while it was down: %+v -> %+v", item, before[item], got)
			}
		}

		w.ils.up()
		e2eEventually(t, w.log, "the outbox drains", func() (bool, string) {
			es := g.outbox(t, "state=pending,sent,failed")
			return len(es) == 0, fmt.Sprintf("%+v", es)
		})
		if got := e2eLoansOf(w.lib, "I0013"); !slices.Equal(got, []string{"P0011"}) {
			t.Errorf("library loans of I0013 = %v, want [P0011]", got)
		}
		if got := e2eLoansOf(w.lib, "I0014"); len(got) != 0 {
			t.Errorf("library loans of I0014 = %v, want none (returned after its checkout)", got)
		}
		want := map[string]sip2mem.Counts{
			"I0013": {Checkouts: before["I0013"].Checkouts + 1, Checkins: before["I0013"].Checkins},
			"I0014": {Checkouts: before["I0014"].Checkouts + 1, Checkins: before["I0014"].Checkins + 1},
		}
		for item, c := range want {
			if got := w.lib.Counts(item); got != c {
				t.Errorf("library counts of %s = %+v, want %+v", item, got, c)
			}
		}
		// In order: I0014's entries were delivered in the order recorded.
		es = g.outbox(t, "item=I0014")
		var ops []string
		for i, e := range es {
			ops = append(ops, e.Op+"/"+e.State)
			if e.DoneAt == nil {
				t.Fatalf("entry %+v not done", e)
			}
			if i > 0 && e.DoneAt.Before(*es[i-1].DoneAt) {
				t.Errorf("I0014's %s (id %d) was delivered before %s (id %d)", e.Op, e.ID, es[i-1].Op, es[i-1].ID)
			}
		}
		if strings.Join(ops, " ") != "checkin/done checkout/done checkin/done" {
			t.Errorf("I0014's outbox = %v, want the load's checkin, the checkout, the return's checkin", ops)
		}
		if status, body := g.raw(t, "GET", "/readyz", "", nil); status != 200 {
			t.Errorf("readyz after the library came back = %d %s", status, body)
		}
		// The load refused during the outage goes through now; the laptop
		// was never lent.
		l := g.load(t, "I0012", "")
		if l.Patron != "P0007" {
			t.Errorf("load after the outage = %+v", l)
		}
		if got := e2eLoansOf(w.lib, "I0039"); len(got) != 0 {
			t.Errorf("library loans of I0039 = %v, want none", got)
		}
		w.checkSecrets(t, g)
	})
}

// TestE2EJammedDoor: the door the next load would get is jammed: the load
// is reassigned, staff are alerted, the compartment is out of service
// until staff put it back. A door jammed at pickup is reported in
// "failed" while the checkout stands.
func TestE2EJammedDoor(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")
		service := func(id string) string { return "/api/v1/banks/" + e2eBank + "/compartments/" + id + "/service" }

		jammed := g.bankState(t).nextFree()
		if jammed == "" {
			t.Fatal("no free compartment")
		}
		if err := g.bank.Jam(lockers.CompartmentID(jammed), true); err != nil {
			t.Fatal(err)
		}
		l := g.load(t, "I0012", "")
		if !slices.Equal(l.Reassigned, []string{jammed}) || l.Compartment == jammed {
			t.Fatalf("load with compartment %s jammed = %+v, want it reassigned", jammed, l)
		}
		if c := g.compartment(t, jammed); c.State != "out_of_service" || c.Reason == "" || c.Holder != "" {
			t.Fatalf("jammed compartment = %+v, want out_of_service with a reason and no holder", c)
		}
		alert := findAlert(g.alerts(t, true), "door_failed", jammed)
		if alert == nil {
			t.Fatalf("no active door_failed alert for %s: %+v", jammed, g.alerts(t, false))
		}
		g.closeDoor(t, l.Compartment)
		g.waitReservation(t, l.Reservation, "ready")
		code := w.code(t, "I0012")

		// Staff fix the lock and put the compartment back.
		if err := g.bank.Jam(lockers.CompartmentID(jammed), false); err != nil {
			t.Fatal(err)
		}
		g.must(t, 204, "PUT", service(jammed), e2eStaff, map[string]any{"in_service": true}, nil)
		if c := g.compartment(t, jammed); c.State != "free" {
			t.Fatalf("compartment back in service = %+v, want free", c)
		}
		if a := findAlert(g.alerts(t, true), "door_failed", jammed); a != nil {
			t.Errorf("door_failed alert still active after the compartment is back: %+v", a)
		}
		g.must(t, 204, "POST", fmt.Sprintf("/api/v1/alerts/%d/ack", alert.ID), e2eStaff, nil, nil)

		// Staff take a compartment out of service; loads avoid it.
		g.fails(t, 400, "invalid", "PUT", service(jammed), e2eStaff, `{"reason":"no in_service"}`)
		g.must(t, 204, "PUT", service(jammed), e2eStaff, map[string]any{"in_service": false, "reason": "cleaning"}, nil)
		if c := g.compartment(t, jammed); c.State != "out_of_service" || c.Reason != "cleaning" {
			t.Fatalf("compartment taken out = %+v", c)
		}
		other := g.load(t, "I0010", "")
		if other.Compartment == jammed {
			t.Fatalf("a load went into out-of-service compartment %s", jammed)
		}
		g.closeDoor(t, other.Compartment)
		g.must(t, 204, "PUT", service(jammed), e2eStaff, map[string]any{"in_service": true}, nil)

		// The loaded compartment jams before the patron comes.
		if err := g.bank.Jam(lockers.CompartmentID(l.Compartment), true); err != nil {
			t.Fatal(err)
		}
		p := g.pickupByCode(t, code)
		if !slices.Equal(p.Failed, []string{l.Compartment}) || len(p.Compartments) != 0 {
			t.Fatalf("pickup from a jammed compartment = %+v, want it in failed", p)
		}
		if findAlert(g.alerts(t, true), "door_failed", l.Compartment) == nil {
			t.Error("no door_failed alert for the jammed pickup")
		}
		if c := g.compartment(t, l.Compartment); c.State != "out_of_service" {
			t.Errorf("jammed pickup compartment = %+v, want out_of_service", c)
		}
		e2eEventually(t, w.log, "the checkout stands", func() (bool, string) {
			got := e2eLoansOf(w.lib, "I0012")
			return slices.Equal(got, []string{"P0007"}), fmt.Sprint(got)
		})
		w.checkSecrets(t, g)
	})
}

func findAlert(as []apiAlert, kind, compartment string) *apiAlert {
	for i := range as {
		if as[i].Kind == kind && as[i].Compartment == compartment {
			return &as[i]
		}
	}
	return nil
}

// TestE2EDoorAlerts: a door opened without a command raises an alert
// (and an event) that clears when the door closes; so does a door left
// open after a load; a board that stops answering takes the bank offline
// with an alert until it answers again.
func TestE2EDoorAlerts(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{bank: func(b *config.Bank) { b.Driver += "&leftopen=300ms&boardsize=12" }})
		g := w.start("gw-1")
		events := g.stream(t)

		const id = "5"
		if err := g.bank.ForceOpen(id); err != nil {
			t.Fatal(err)
		}
		events.next(t, "alert door_forced", func(e e2eEvent) bool {
			return e.Type == "alert" && e.Outcome == "door_forced" && e.Compartment == id
		})
		if findAlert(g.alerts(t, true), "door_forced", id) == nil {
			t.Fatalf("no active door_forced alert: %+v", g.alerts(t, false))
		}
		g.closeDoor(t, id)
		events.next(t, "alert_cleared", func(e e2eEvent) bool { return e.Type == "alert_cleared" && e.Compartment == id })
		if a := findAlert(g.alerts(t, true), "door_forced", id); a != nil {
			t.Fatalf("door_forced alert still active after the door closed: %+v", a)
		}
		a := findAlert(g.alerts(t, false), "door_forced", id)
		if a == nil || a.Active || a.ClearedAt == nil {
			t.Fatalf("the cleared alert = %+v, want inactive with cleared_at", a)
		}

		// Staff open a compartment for a load and walk away.
		l := g.load(t, "I0012", "")
		e2eEventually(t, w.log, "a door_left_open alert", func() (bool, string) {
			return findAlert(g.alerts(t, true), "door_left_open", l.Compartment) != nil, fmt.Sprintf("%+v", g.alerts(t, false))
		})
		g.closeDoor(t, l.Compartment)
		g.waitReservation(t, l.Reservation, "ready")
		w.code(t, "I0012")
		e2eEventually(t, w.log, "the door_left_open alert clears", func() (bool, string) {
			a := findAlert(g.alerts(t, true), "door_left_open", l.Compartment)
			return a == nil, fmt.Sprintf("%+v", a)
		})

		// Board 2 (compartments 13-24) stops answering.
		if err := g.bank.SetBoardOnline("2", false); err != nil {
			t.Fatal(err)
		}
		e2eEventually(t, w.log, "a board_offline alert and the bank offline", func() (bool, string) {
			b := g.bankState(t)
			return findAlert(g.alerts(t, true), "board_offline", "") != nil && !b.Online, fmt.Sprintf("online %v, alerts %+v", b.Online, g.alerts(t, false))
		})
		if err := g.bank.SetBoardOnline("2", true); err != nil {
			t.Fatal(err)
		}
		e2eEventually(t, w.log, "the board_offline alert clears and the bank is online", func() (bool, string) {
			b := g.bankState(t)
			return findAlert(g.alerts(t, true), "board_offline", "") == nil && b.Online, fmt.Sprintf("online %v, alerts %+v", b.Online, g.alerts(t, true))
		})

		e2eEventually(t, w.log, "metrics count the door faults", func() (bool, string) {
			m := g.metrics(t)
			return strings.Contains(m, `lockergate_door_faults_total{bank="LOCKER1",kind="door_forced"} 1`) &&
				strings.Contains(m, `lockergate_door_faults_total{bank="LOCKER1",kind="door_left_open"} 1`), grepLines(m, "lockergate_door_faults_total")
		})
		w.checkSecrets(t, g)
	})
}

// TestE2ECrashRecovery: a gateway dies (no shutdown) with a door open for
// loading and two checkouts queued while the library is down. A new
// process on the same database and data directory finishes everything:
// the load becomes ready with a code, the checkouts reach the library
// exactly once, the doors closed meanwhile free their compartments.
func TestE2ECrashRecovery(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{seed: func(lib *sip2mem.Library) {
			e2eHold(lib, "P0008", "I0015")
			e2eHold(lib, "P0008", "I0016")
			e2eHold(lib, "P0011", "I0013")
		}})
		g := w.start("gw-1")

		a := g.load(t, "I0015", "")
		g.load(t, "I0016", "")
		g.closeDoor(t, a.Compartment)
		g.waitReservation(t, a.Reservation, "ready")
		code := w.code(t, "I0015")
		mid := g.load(t, "I0013", "") // its door stays open: staff are still at it
		before := map[string]sip2mem.Counts{"I0015": w.lib.Counts("I0015"), "I0016": w.lib.Counts("I0016")}

		w.ils.down()
		p := g.pickupByCode(t, code)
		if len(p.Items) != 2 || p.Items[0].Checkout != "queued" || p.Items[1].Checkout != "queued" {
			t.Fatalf("pickup with the library down = %+v, want two queued checkouts", p)
		}
		g.crash()
		w.ils.up()
		// The dead process sends nothing: what reaches the library from
		// here on is the new process's doing.
		time.Sleep(300 * time.Millisecond)
		for _, item := range []string{"I0015", "I0016"} {
			if got := w.lib.Counts(item); got != before[item] {
				t.Fatalf("library counts of %s changed after the crash: %+v -> %+v", item, before[item], got)
			}
		}
		// Meanwhile the patron and the staff shut their doors, with no
		// gateway watching: the restarted process finds them closed.

		g2 := w.start("gw-1") // the same machine, restarted
		e2eEventually(t, w.log, "the queued checkouts reach the library", func() (bool, string) {
			es := g2.outbox(t, "state=pending,sent,failed")
			return len(es) == 0 && len(e2eLoansOf(w.lib, "I0015")) > 0 && len(e2eLoansOf(w.lib, "I0016")) > 0, fmt.Sprintf("open entries %+v", es)
		})
		g2.waitState(t, a.Compartment, "free")
		r := g2.waitReservation(t, mid.Reservation, "ready")
		if len(r.Items) != 1 || r.Items[0].State != "loaded" {
			t.Fatalf("the interrupted load = %+v, want its item loaded", r)
		}
		code2 := w.code(t, "I0013")
		time.Sleep(300 * time.Millisecond) // a few sender rounds: nothing more may go out
		for _, item := range []string{"I0015", "I0016"} {
			if got := e2eLoansOf(w.lib, item); !slices.Equal(got, []string{"P0008"}) {
				t.Errorf("library loans of %s = %v, want [P0008]", item, got)
			}
			want := sip2mem.Counts{Checkouts: before[item].Checkouts + 1, Checkins: before[item].Checkins}
			if got := w.lib.Counts(item); got != want {
				t.Errorf("library counts of %s = %+v, want %+v (exactly one checkout)", item, got, want)
			}
		}
		if n := len(w.notes.find("ready", "I0015")); n != 1 {
			t.Errorf("%d ready notifications for I0015, want 1", n)
		}
		p2 := g2.pickupByCode(t, code2)
		if !slices.Equal(p2.Compartments, []string{mid.Compartment}) || p2.Items[0].Checkout != "done" {
			t.Fatalf("pickup after the restart = %+v", p2)
		}
		w.checkSecrets(t, g2)
	})
}

// TestE2ETwoGateways: two gateway processes share one PostgreSQL database
// and load at once into the same bank configuration; the database keeps
// any compartment from being assigned twice. (Each process opens its own
// simulated bank, so the check is on the assignments the API reports.)
func TestE2ETwoGateways(t *testing.T) {
	if os.Getenv(e2ePGEnv) == "" {
		t.Skipf("two gateway processes share a database only on PostgreSQL; set %s", e2ePGEnv)
	}
	const compartments, loads = 10, 12
	w := newWorld(t, newE2EStore(t, "postgres"), e2eOptions{
		seed: func(lib *sip2mem.Library) {
			for i := 1; i <= loads; i++ {
				id := fmt.Sprintf("P%04d", 100+i)
				lib.AddPatron(sip2mem.Patron{ID: id, Name: "Patron " + id, PIN: e2ePIN(id)})
				e2eHold(lib, id, fmt.Sprintf("I%04d", 12+i))
			}
		},
		bank: func(b *config.Bank) {
			b.Driver = fmt.Sprintf("sim:?compartments=%d&sizes=S:%d&name=%s", compartments, compartments, e2eBank)
			b.Returns, b.Equipment = nil, nil
		},
	})
	apps := []*e2eApp{w.start("gw-a"), w.start("gw-b")}

	type outcome struct {
		app    int
		item   string
		status int
		load   apiLoadResult
		err    apiError
	}
	results := make([]outcome, loads)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range loads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			o := outcome{app: i % 2, item: fmt.Sprintf("I%04d", 13+i)}
			status, data, _, err := apps[o.app].try("POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, map[string]string{"item": o.item})
			o.status = status
			if err != nil {
				o.err.Error.Message = err.Error()
			} else if status == 201 {
				err = json.Unmarshal(data, &o.load)
			} else {
				err = json.Unmarshal(data, &o.err)
			}
			if err != nil {
				o.err.Error.Message = fmt.Sprintf("%s: %v", data, err)
			}
			results[i] = o
		}()
	}
	close(start)
	wg.Wait()

	byComp := map[string]string{}
	var ok, full int
	for _, o := range results {
		switch {
		case o.status == 201:
			ok++
			if prev, dup := byComp[o.load.Compartment]; dup {
				t.Errorf("compartment %s assigned to %s and to %s", o.load.Compartment, prev, o.load.Reservation)
			}
			byComp[o.load.Compartment] = o.load.Reservation
		case o.status == 409 && o.err.Error.Code == "no_space":
			full++
		default:
			t.Errorf("load of %s on gateway %d = %d %+v", o.item, o.app, o.status, o.err)
		}
	}
	if ok != compartments || full != loads-compartments {
		t.Errorf("%d loads placed, %d no_space; want %d and %d", ok, full, compartments, loads-compartments)
	}
	// Both processes read the same assignments.
	for i, g := range apps {
		b := g.bankState(t)
		got := map[string]string{}
		for _, c := range b.Compartments {
			if c.State != "loading" {
				t.Errorf("gateway %d: compartment %s is %s, want loading", i, c.ID, c.State)
			}
			got[c.ID] = c.Holder
		}
		if fmt.Sprint(sortedMap(got)) != fmt.Sprint(sortedMap(byComp)) {
			t.Errorf("gateway %d: assignments %v, want %v", i, sortedMap(got), sortedMap(byComp))
		}
	}
	// Each process's bank confirms its own loads.
	for _, o := range results {
		if o.status == 201 {
			apps[o.app].closeDoor(t, o.load.Compartment)
		}
	}
	var placed []outcome
	for _, o := range results {
		if o.status == 201 {
			apps[1-o.app].waitReservation(t, o.load.Reservation, "ready")
			placed = append(placed, o)
		}
	}

	// Each patron enters the code at both gateways' kiosks at once: one
	// pickup and one checkout each.
	var wg2 sync.WaitGroup
	accepted := make([][2]int, len(placed))
	for i, o := range placed {
		code := w.code(t, o.item)
		for j, g := range apps {
			wg2.Add(1)
			go func() {
				defer wg2.Done()
				status, data, _, err := g.try("POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code})
				switch {
				case err != nil:
					t.Errorf("pickup of %s at gateway %d: %v", o.item, j, err)
				case status == 200:
					accepted[i][j] = 1
				case status != 401 && status != 404 && status != 409:
					t.Errorf("pickup of %s at gateway %d: %d %s", o.item, j, status, data)
				}
			}()
		}
	}
	wg2.Wait()
	for i, o := range placed {
		if accepted[i][0]+accepted[i][1] != 1 {
			t.Errorf("pickups of %s accepted by gateways %v, want exactly one", o.item, accepted[i])
		}
	}
	e2eEventually(t, w.log, "every checkout done", func() (bool, string) {
		es := apps[0].outbox(t, "op=checkout&state=pending,sent,failed")
		return len(es) == 0, fmt.Sprintf("%+v", es)
	})
	for _, o := range placed {
		if c := w.lib.Counts(o.item); c.Checkouts != 1 {
			t.Errorf("library checkouts of %s = %d, want 1", o.item, c.Checkouts)
		}
	}
	w.checkSecrets(t, apps[0])
}

func sortedMap(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// TestE2EDoubleActions: the same item scanned on several desks at once,
// and the same code entered on several kiosks at once, each take effect
// once: one reservation in one compartment (every accepted scan names
// it); one pickup, one checkout.
func TestE2EDoubleActions(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")
		const tries = 4
		type answer struct {
			status int
			body   string
		}
		race := func(path, token string, body any) []answer {
			out := make([]answer, tries)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status, data, _, err := g.try("POST", path, token, body)
					if err != nil {
						data = []byte(err.Error())
					}
					out[i] = answer{status, string(data)}
				}()
			}
			close(start)
			wg.Wait()
			return out
		}

		var accepted []apiLoadResult
		for _, a := range race("/api/v1/banks/"+e2eBank+"/loads", e2eStaff, map[string]string{"item": "I0012"}) {
			switch {
			case a.status == 201:
				var l apiLoadResult
				if err := json.Unmarshal([]byte(a.body), &l); err != nil {
					t.Fatal(err)
				}
				accepted = append(accepted, l)
			case a.status == 409 || a.status == 503 && strings.Contains(a.body, "try again"):
				// Refused while the first scan is under way.
			default:
				t.Errorf("simultaneous load: %d %s", a.status, a.body)
			}
		}
		if len(accepted) == 0 {
			t.Fatal("no simultaneous load was accepted")
		}
		for _, l := range accepted[1:] {
			if l.Compartment != accepted[0].Compartment || l.Reservation != accepted[0].Reservation {
				t.Errorf("simultaneous loads of one item placed it twice: %+v and %+v", accepted[0], l)
			}
		}
		b := g.bankState(t)
		var used []string
		for _, c := range b.Compartments {
			if c.Kind == "pickup" && c.State != "free" {
				used = append(used, c.ID)
			}
		}
		if !slices.Equal(used, []string{accepted[0].Compartment}) {
			t.Fatalf("compartments in use after a double scan: %v, want [%s]", used, accepted[0].Compartment)
		}
		rs := []apiReservation{}
		g.must(t, 200, "GET", "/api/v1/reservations?patron=P0007", e2eStaff, nil, &rs)
		if len(rs) != 1 || len(rs[0].Items) != 1 {
			t.Fatalf("reservations for P0007 = %+v, want one with one item", rs)
		}
		g.closeDoor(t, accepted[0].Compartment)
		g.waitReservation(t, rs[0].ID, "ready")
		code := w.code(t, "I0012")
		if n := w.notes.find(gateway.NotifyReady, "I0012"); len(n) != 1 {
			t.Errorf("%d ready notifications, want 1", len(n))
		}

		var ok []string
		for _, a := range race("/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code}) {
			switch a.status {
			case 200:
				ok = append(ok, a.body)
			case 401, 404, 409:
			default:
				t.Errorf("simultaneous pickup: %d %s", a.status, a.body)
			}
		}
		if len(ok) != 1 {
			t.Fatalf("%d simultaneous pickups with one code: %d accepted, want 1: %v", tries, len(ok), ok)
		}
		e2eEventually(t, w.log, "the checkout", func() (bool, string) {
			return len(e2eLoansOf(w.lib, "I0012")) == 1, fmt.Sprint(e2eLoansOf(w.lib, "I0012"))
		})
		time.Sleep(200 * time.Millisecond)
		if c := w.lib.Counts("I0012"); c.Checkouts != 1 {
			t.Errorf("library checkouts of I0012 = %d, want 1", c.Checkouts)
		}
		if es := g.outbox(t, "op=checkout"); len(es) != 1 {
			t.Errorf("checkout entries = %+v, want one", es)
		}
		w.checkSecrets(t, g)
	})
}
