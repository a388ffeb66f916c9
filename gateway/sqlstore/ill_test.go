package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// allILLStates lists every gateway.ILLState.
var allILLStates = []gateway.ILLState{
	gateway.ILLAwaited, gateway.ILLArrived, gateway.ILLCollected, gateway.ILLReturned,
	gateway.ILLCancelled, gateway.ILLWithdrawn, gateway.ILLDeleted,
}

func illReq(id, bank, item string, state gateway.ILLState, created time.Time) *gateway.ILLRequest {
	return &gateway.ILLRequest{
		ID: id, Partner: "ILLSYS", Site: "main", Bank: bank, Reservation: "res-" + id, Item: item,
		Patron: "P1", PatronName: "Pat", Title: "Title of " + item, InILS: true, State: state,
		CreatedAt: created, UpdatedAt: created,
	}
}

func createILL(t testing.TB, db *DB, rs ...*gateway.ILLRequest) {
	t.Helper()
	mustTx(t, db, func(tx gateway.Tx) error {
		for _, r := range rs {
			if err := tx.CreateILLRequest(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// utcILL returns r with its times in UTC, as the store returns them.
func utcILL(r gateway.ILLRequest) gateway.ILLRequest {
	for _, p := range []*time.Time{&r.Due, &r.PickupExpires, &r.CreatedAt, &r.UpdatedAt} {
		if !p.IsZero() {
			*p = p.UTC()
		}
	}
	return r
}

func TestILLRequestRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(1)...)
		full := gateway.ILLRequest{
			ID: "ILL-full", Partner: "AGENCY-X", Site: "main", Bank: "B1", Reservation: "res-9", Item: "T0001",
			Patron: "P0001", PatronName: "Zoë — ünïcode", Title: "A title, with 'quotes'", Due: at(20, 0),
			PickupExpires: at(10, 17), InILS: true, State: gateway.ILLArrived, CreatedAt: at(1, 8), UpdatedAt: at(2, 9),
		}
		minimal := gateway.ILLRequest{ID: "ILL-min", Bank: "B1", Item: "T0002", State: gateway.ILLAwaited}
		mustTx(t, db, func(tx gateway.Tx) error {
			f, m := full, minimal
			if err := tx.CreateILLRequest(&f); err != nil {
				return err
			}
			if f != full {
				t.Errorf("given times changed by Create: %+v", f)
			}
			if err := tx.CreateILLRequest(&m); err != nil {
				return err
			}
			now := db.now().Truncate(time.Microsecond)
			if !m.CreatedAt.Equal(now) || !m.UpdatedAt.Equal(now) {
				t.Errorf("zero times set to %v and %v, want the store's clock %v", m.CreatedAt, m.UpdatedAt, now)
			}
			minimal.CreatedAt, minimal.UpdatedAt = m.CreatedAt, m.UpdatedAt
			return nil
		})
		err := db.View(context.Background(), func(tx gateway.Tx) error {
			for _, want := range []gateway.ILLRequest{utcILL(full), minimal} {
				got, err := tx.ILLRequest(want.ID)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(*got, want) {
					t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
				}
				if got.CreatedAt.Location() != time.UTC {
					t.Errorf("times come back in %v, want UTC", got.CreatedAt.Location())
				}
			}
			_, err := tx.ILLRequest("nope")
			wantCode(t, err, gateway.ENOTFOUND)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestILLRequestRules covers the refusals of CreateILLRequest and
// UpdateILLRequest and ILLRequestForItem's choice; each refused write
// leaves the transaction usable.
func TestILLRequestRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(1)...)
		seedBank(t, db, "B2", pickups(1)...)
		createILL(t, db, illReq("ILL-1", "B1", "T1", gateway.ILLAwaited, at(1, 8)))
		mustTx(t, db, func(tx gateway.Tx) error {
			steps := []struct {
				name string
				err  error
				code string
			}{
				{"duplicate id", tx.CreateILLRequest(illReq("ILL-1", "B1", "T9", gateway.ILLAwaited, at(1, 9))), gateway.ECONFLICT},
				{"item held by an open request", tx.CreateILLRequest(illReq("ILL-2", "B2", "T1", gateway.ILLAwaited, at(1, 9))), gateway.ECONFLICT},
				{"unknown bank", tx.CreateILLRequest(illReq("ILL-3", "B9", "T3", gateway.ILLAwaited, at(1, 9))), gateway.ENOTFOUND},
				{"nil", tx.CreateILLRequest(nil), gateway.EINVALID},
				{"no id", tx.CreateILLRequest(illReq("", "B1", "T4", gateway.ILLAwaited, at(1, 9))), gateway.EINVALID},
				{"no item", tx.CreateILLRequest(illReq("ILL-4", "B1", "", gateway.ILLAwaited, at(1, 9))), gateway.EINVALID},
				{"no bank", tx.CreateILLRequest(illReq("ILL-4", "", "T4", gateway.ILLAwaited, at(1, 9))), gateway.EINVALID},
				{"no state", tx.CreateILLRequest(illReq("ILL-4", "B1", "T4", "", at(1, 9))), gateway.EINVALID},
				{"unknown state", tx.CreateILLRequest(illReq("ILL-4", "B1", "T4", "arived", at(1, 9))), gateway.EINVALID},
				{"update unknown", tx.UpdateILLRequest(illReq("zz", "B1", "T1", gateway.ILLArrived, at(1, 9))), gateway.ENOTFOUND},
				{"update from wrong state", tx.UpdateILLRequest(illReq("ILL-1", "B1", "T1", gateway.ILLCollected, at(1, 9)), gateway.ILLArrived), gateway.ECONFLICT},
				{"update to unknown bank", tx.UpdateILLRequest(illReq("ILL-1", "B9", "T1", gateway.ILLArrived, at(1, 9))), gateway.ENOTFOUND},
				{"update without bank", tx.UpdateILLRequest(illReq("ILL-1", "", "T1", gateway.ILLArrived, at(1, 9))), gateway.EINVALID},
				{"update to unknown state", tx.UpdateILLRequest(illReq("ILL-1", "B1", "T1", "gone", at(1, 9))), gateway.EINVALID},
				{"update nil", tx.UpdateILLRequest(nil), gateway.EINVALID},
			}
			for _, s := range steps {
				if gateway.ErrorCode(s.err) != s.code {
					t.Errorf("%s: %v, want %s", s.name, s.err, s.code)
				}
			}
			// The conflict names the request that holds the item.
			err := tx.CreateILLRequest(illReq("ILL-2", "B2", "T1", gateway.ILLAwaited, at(1, 9)))
			if err == nil || !strings.Contains(err.Error(), "ILL-1") || !strings.Contains(err.Error(), "awaited") {
				t.Errorf("item conflict message: %v", err)
			}
			// The wrong-state conflict says what the state is.
			err = tx.UpdateILLRequest(illReq("ILL-1", "B1", "T1", gateway.ILLCollected, at(1, 9)), gateway.ILLArrived, gateway.ILLCollected)
			if err == nil || !strings.Contains(err.Error(), "awaited") {
				t.Errorf("state conflict message: %v", err)
			}
			for _, id := range []string{"ILL-2", "ILL-3", "ILL-4"} {
				_, err := tx.ILLRequest(id)
				wantCode(t, err, gateway.ENOTFOUND)
			}
			// A final request may be recorded beside an open one (history).
			return tx.CreateILLRequest(illReq("ILL-old", "B1", "T1", gateway.ILLDeleted, at(1, 7)))
		})

		// ILL-1 arrives: Update writes its listed fields, and only those.
		mustTx(t, db, func(tx gateway.Tx) error {
			r, err := tx.ILLRequestForItem("T1")
			if err != nil || r.ID != "ILL-1" {
				t.Fatalf("request for T1: %+v, %v", r, err)
			}
			before := *r
			changed := *r
			changed.State, changed.Bank, changed.Reservation = gateway.ILLArrived, "B2", "res-new"
			changed.PatronName, changed.Title, changed.Due, changed.PickupExpires = "Patricia", "New title", at(25, 0), at(12, 0)
			changed.UpdatedAt = time.Time{}
			// Fields UpdateILLRequest does not write.
			changed.Partner, changed.Site, changed.Item, changed.Patron = "OTHER", "other", "T-other", "P-other"
			changed.InILS, changed.CreatedAt = false, at(9, 9)
			if err := tx.UpdateILLRequest(&changed, gateway.ILLAwaited); err != nil {
				return err
			}
			now := db.now().Truncate(time.Microsecond)
			if !changed.UpdatedAt.Equal(now) {
				t.Errorf("zero UpdatedAt became %v, want %v", changed.UpdatedAt, now)
			}
			got, err := tx.ILLRequest("ILL-1")
			if err != nil {
				return err
			}
			want := before
			want.State, want.Bank, want.Reservation = gateway.ILLArrived, "B2", "res-new"
			want.PatronName, want.Title, want.Due, want.PickupExpires = "Patricia", "New title", at(25, 0).UTC(), at(12, 0).UTC()
			want.UpdatedAt = now
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("after update:\n got %+v\nwant %+v", *got, want)
			}
			// A given UpdatedAt is kept; zero Due and PickupExpires clear them.
			got.Due, got.PickupExpires, got.UpdatedAt = time.Time{}, time.Time{}, at(3, 3)
			if err := tx.UpdateILLRequest(got); err != nil {
				return err
			}
			back, _ := tx.ILLRequest("ILL-1")
			if !back.Due.IsZero() || !back.PickupExpires.IsZero() || !back.UpdatedAt.Equal(at(3, 3)) {
				t.Errorf("after clearing the dates: %+v", back)
			}
			return nil
		})

		// Cancelled, ILL-1 frees T1: no open request for it, and a new one
		// may take it; ILL-1 may then not be reopened.
		mustTx(t, db, func(tx gateway.Tx) error {
			r, _ := tx.ILLRequest("ILL-1")
			r.State = gateway.ILLCancelled
			if err := tx.UpdateILLRequest(r, gateway.ILLAwaited, gateway.ILLArrived); err != nil {
				return err
			}
			_, err := tx.ILLRequestForItem("T1")
			wantCode(t, err, gateway.ENOTFOUND)
			if err := tx.CreateILLRequest(illReq("ILL-5", "B1", "T1", gateway.ILLAwaited, at(4, 8))); err != nil {
				t.Errorf("new request for the item of a cancelled one: %v", err)
			}
			got, err := tx.ILLRequestForItem("T1")
			if err != nil || got.ID != "ILL-5" {
				t.Errorf("request for T1 after the new one: %+v, %v", got, err)
			}
			r.State = gateway.ILLAwaited
			wantCode(t, tx.UpdateILLRequest(r, gateway.ILLCancelled), gateway.ECONFLICT)
			back, _ := tx.ILLRequest("ILL-1")
			if back.State != gateway.ILLCancelled {
				t.Errorf("refused reopen changed the state to %s", back.State)
			}
			_, err = tx.ILLRequestForItem("T-none")
			wantCode(t, err, gateway.ENOTFOUND)
			return nil
		})

		// ILLRequestForItem sees every state that is not Final.
		for i, s := range allILLStates {
			id, item := fmt.Sprintf("ILL-s%d", i), fmt.Sprintf("TS%d", i)
			createILL(t, db, illReq(id, "B1", item, s, at(5, 8)))
			mustTx(t, db, func(tx gateway.Tx) error {
				got, err := tx.ILLRequestForItem(item)
				if s.Final() {
					wantCode(t, err, gateway.ENOTFOUND)
				} else if err != nil || got.ID != id {
					t.Errorf("state %s: request for the item %+v, %v", s, got, err)
				}
				return nil
			})
		}
	})
}

func TestILLRequestsFilter(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(1)...)
		seedBank(t, db, "B2", pickups(1)...)
		rs := []*gateway.ILLRequest{
			illReq("c", "B1", "T1", gateway.ILLAwaited, at(1, 10)),
			illReq("a", "B1", "T2", gateway.ILLArrived, at(1, 10)),
			illReq("b", "B2", "T3", gateway.ILLCollected, at(1, 9)),
			illReq("d", "B1", "T1", gateway.ILLCancelled, at(2, 9)),
		}
		rs[2].Partner = "OTHER"
		createILL(t, db, rs...)
		tests := []struct {
			name string
			f    gateway.ILLFilter
			want []string
		}{
			{"all, by created then id", gateway.ILLFilter{}, []string{"b", "a", "c", "d"}},
			{"bank", gateway.ILLFilter{Bank: "B1"}, []string{"a", "c", "d"}},
			{"partner", gateway.ILLFilter{Partner: "OTHER"}, []string{"b"}},
			{"item, every state", gateway.ILLFilter{Item: "T1"}, []string{"c", "d"}},
			{"states", gateway.ILLFilter{States: []gateway.ILLState{gateway.ILLAwaited, gateway.ILLCollected}}, []string{"b", "c"}},
			{"bank and state", gateway.ILLFilter{Bank: "B1", States: []gateway.ILLState{gateway.ILLCancelled}}, []string{"d"}},
			{"limit", gateway.ILLFilter{Limit: 2}, []string{"b", "a"}},
			{"none", gateway.ILLFilter{Bank: "B3"}, nil},
		}
		for _, tc := range tests {
			err := db.View(context.Background(), func(tx gateway.Tx) error {
				got, err := tx.ILLRequests(tc.f)
				var ids []string
				for _, r := range got {
					ids = append(ids, r.ID)
				}
				if !slices.Equal(ids, tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestILLOneOpenConstraint proves that the database, not the Go code,
// refuses two open requests for one item: rows written with plain SQL are
// refused too.
func TestILLOneOpenConstraint(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(1)...)
		ctx := context.Background()
		now := timeValue(db.driver == Postgres, db.now())
		insert := func(ex func(q string, args ...any) error, id, item string, state gateway.ILLState) error {
			return ex(`INSERT INTO ill_requests (id, bank, item, in_ils, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, "B1", item, false, string(state), now, now)
		}
		plain := func(q string, args ...any) error {
			_, err := db.w.ExecContext(ctx, db.w.Rebind(q), args...)
			return err
		}
		steps := []struct {
			id, item string
			state    gateway.ILLState
			refused  bool
		}{
			{"x1", "T1", gateway.ILLAwaited, false},
			{"x2", "T1", gateway.ILLArrived, true},   // a second open request
			{"x3", "T1", gateway.ILLWithdrawn, true}, // withdrawn is not Final
			{"x4", "T1", gateway.ILLCancelled, false},
			{"x5", "T1", gateway.ILLDeleted, false},
			{"x6", "T1", gateway.ILLDeleted, false}, // any number of final ones
			{"x7", "T2", gateway.ILLReturned, false},
		}
		for _, s := range steps {
			err := insert(plain, s.id, s.item, s.state)
			if s.refused && violationOf(err) != uniqueViolation {
				t.Errorf("%s (%s, %s): err %v, want a unique violation", s.id, s.item, s.state, err)
			}
			if !s.refused && err != nil {
				t.Errorf("%s (%s, %s): %v", s.id, s.item, s.state, err)
			}
		}
		// Reopening a final request with plain SQL is refused as well.
		err := plain(`UPDATE ill_requests SET state = ? WHERE id = ?`, string(gateway.ILLAwaited), "x4")
		if violationOf(err) != uniqueViolation {
			t.Errorf("reopen with SQL: err %v, want a unique violation", err)
		}
		// Nor can the item be empty, or the bank unknown.
		if err := insert(plain, "x8", "", gateway.ILLAwaited); violationOf(err) != checkViolation {
			t.Errorf("empty item: err %v, want a check violation", err)
		}
		err = plain(`INSERT INTO ill_requests (id, bank, item, in_ils, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			"x9", "B9", "T9", false, "awaited", now, now)
		if violationOf(err) != foreignKeyViolation {
			t.Errorf("unknown bank: err %v, want a foreign key violation", err)
		}
		// Two transactions each inserting an open request for T3: one
		// commits, the other is refused.
		var errs []error
		for _, id := range []string{"y1", "y2"} {
			errs = append(errs, db.Tx(ctx, func(gtx gateway.Tx) error {
				t := gtx.(*tx)
				return insert(func(q string, args ...any) error { _, err := t.exec(q, args...); return err }, id, "T3", gateway.ILLAwaited)
			}))
		}
		if errs[0] != nil || violationOf(errs[1]) != uniqueViolation {
			t.Fatalf("two open requests for T3: %v", errs)
		}
	})
}

// TestILLOpenPredicate: the query's literal illOpen is the states that are
// not Final, and it is word for word the partial index's predicate in both
// dialects' migrations.
func TestILLOpenPredicate(t *testing.T) {
	for _, s := range allILLStates {
		if listed := strings.Contains(illOpen, "'"+string(s)+"'"); listed != s.Final() {
			t.Errorf("state %s: listed in illOpen %v, Final %v", s, listed, s.Final())
		}
	}
	for _, dialect := range []string{SQLite, Postgres} {
		b, err := fs.ReadFile(migrationFS, path.Join("migrations", dialect, "0003_ill_requests.sql"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "ill_requests (item) WHERE "+illOpen+";") {
			t.Errorf("%s migration: the index ill_requests_one_open does not say WHERE %s", dialect, illOpen)
		}
	}
}

// TestConcurrentILL runs ILL writes from two *DB (two gateway processes)
// at once: of many requests for one item exactly one is created, and
// read-modify-writes of one request through ILLRequest and
// UpdateILLRequest lose no update.
func TestConcurrentILL(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		dbs := []*DB{e.open(t), e.open(t)}
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		seedBank(t, dbs[0], "B1", pickups(1)...)
		createILL(t, dbs[0], illReq("rmw", "B1", "T-rmw", gateway.ILLAwaited, at(1, 8)))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		const n = 16
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created []string
		)
		start := make(chan struct{})
		for i := range n {
			db := dbs[i%2]
			wg.Go(func() {
				<-start
				id := fmt.Sprintf("race-%d", i)
				err := db.Tx(ctx, func(tx gateway.Tx) error {
					return tx.CreateILLRequest(illReq(id, "B1", "T-race", gateway.ILLAwaited, at(1, 9)))
				})
				switch gateway.ErrorCode(err) {
				case "":
					mu.Lock()
					created = append(created, id)
					mu.Unlock()
				case gateway.ECONFLICT:
				default:
					t.Errorf("create %s: %v", id, err)
				}
			})
			wg.Go(func() {
				<-start
				err := db.Tx(ctx, func(tx gateway.Tx) error {
					r, err := tx.ILLRequest("rmw")
					if err != nil {
						return err
					}
					r.Title += "x"
					return tx.UpdateILLRequest(r, gateway.ILLAwaited)
				})
				if err != nil {
					t.Errorf("update %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(created) != 1 {
			t.Errorf("requests created for one item: %v, want exactly one", created)
		}
		err := dbs[1].View(ctx, func(tx gateway.Tx) error {
			r, err := tx.ILLRequest("rmw")
			if err != nil {
				return err
			}
			if want := "Title of T-rmw" + strings.Repeat("x", n); r.Title != want {
				t.Errorf("title %q after %d appends, want %q: updates were lost", r.Title, n, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
