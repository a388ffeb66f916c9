package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/lockergate/lockergate/gateway"
)

func TestReturns(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", comp("R1", "L", 3, gateway.KindReturn), comp("R2", "L", 3, gateway.KindReturn))
		rs := []*gateway.Return{
			{ID: "ret-2", Bank: "B1", Compartment: "R2", Item: "I2", State: gateway.ReturnOpening, CreatedAt: at(2, 9)},
			{ID: "ret-1", Bank: "B1", Compartment: "R1", Item: "I1", Patron: "P1", State: gateway.ReturnDeposited, CreatedAt: at(1, 9), DepositedAt: at(1, 10)},
			{ID: "ret-3", Bank: "B1", Compartment: "R1", Item: "I3", State: gateway.ReturnOpening},
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			for _, r := range rs {
				if err := tx.CreateReturn(r); err != nil {
					return err
				}
			}
			wantCode(t, tx.CreateReturn(&gateway.Return{ID: "ret-1", Bank: "B1", State: gateway.ReturnOpening}), gateway.ECONFLICT)
			wantCode(t, tx.CreateReturn(&gateway.Return{ID: "ret-9", Bank: "B9", State: gateway.ReturnOpening}), gateway.ENOTFOUND)
			wantCode(t, tx.CreateReturn(&gateway.Return{ID: "ret-9", Bank: "B1"}), gateway.EINVALID)
			return nil
		})
		if !rs[2].CreatedAt.Equal(db.now()) {
			t.Errorf("zero CreatedAt became %v", rs[2].CreatedAt)
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			got, err := tx.Return("ret-1")
			if err != nil {
				return err
			}
			want := *rs[1]
			want.CreatedAt, want.DepositedAt = want.CreatedAt.UTC(), want.DepositedAt.UTC()
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip %+v, want %+v", *got, want)
			}
			_, err = tx.Return("nope")
			wantCode(t, err, gateway.ENOTFOUND)

			got.State, got.EmptiedAt, got.Patron = gateway.ReturnEmptied, at(3, 9), "P9"
			if err := tx.UpdateReturn(got, gateway.ReturnDeposited); err != nil {
				return err
			}
			wantCode(t, tx.UpdateReturn(got, gateway.ReturnDeposited), gateway.ECONFLICT)
			wantCode(t, tx.UpdateReturn(&gateway.Return{ID: "nope", State: gateway.ReturnEmptied}), gateway.ENOTFOUND)
			back, _ := tx.Return("ret-1")
			if back.State != gateway.ReturnEmptied || back.Patron != "P9" || !back.EmptiedAt.Equal(at(3, 9)) || !back.DepositedAt.Equal(at(1, 10)) {
				t.Errorf("after update: %+v", back)
			}
			return nil
		})
		tests := []struct {
			f    gateway.ReturnFilter
			want string
		}{
			// ret-3 was created at the clock's time, in March.
			{gateway.ReturnFilter{}, "[ret-3 ret-1 ret-2]"},
			{gateway.ReturnFilter{Compartment: "R1"}, "[ret-3 ret-1]"},
			{gateway.ReturnFilter{States: []gateway.ReturnState{gateway.ReturnOpening}}, "[ret-3 ret-2]"},
			{gateway.ReturnFilter{Bank: "B1", Limit: 2}, "[ret-3 ret-1]"},
			{gateway.ReturnFilter{Bank: "B2"}, "[]"},
		}
		for _, tc := range tests {
			mustTx(t, db, func(tx gateway.Tx) error {
				got, err := tx.Returns(tc.f)
				ids := []string{}
				for _, r := range got {
					ids = append(ids, r.ID)
				}
				if fmt.Sprint(ids) != tc.want {
					t.Errorf("%+v: %v, want %s", tc.f, ids, tc.want)
				}
				return err
			})
		}
	})
}

func TestEquipment(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", comp("E1", "M", 2, gateway.KindEquipment), comp("E2", "M", 2, gateway.KindEquipment), comp("E3", "M", 2, gateway.KindEquipment))
		mustTx(t, db, func(tx gateway.Tx) error {
			for _, e := range []gateway.Equipment{
				{Item: "LAP2", Bank: "B1", Compartment: "E2", Type: "laptop", Title: "Laptop 2"},
				{Item: "CAM1", Bank: "B1", Compartment: "E3", Type: "camera", Title: "Camera"},
				{Item: "LAP1", Bank: "B1", Compartment: "E1", Type: "laptop", Title: "Laptop 1"},
			} {
				if err := tx.PutEquipment(e); err != nil {
					return err
				}
			}
			wantCode(t, tx.PutEquipment(gateway.Equipment{Item: "X", Bank: "B9"}), gateway.ENOTFOUND)
			wantCode(t, tx.PutEquipment(gateway.Equipment{Bank: "B1"}), gateway.EINVALID)
			e, err := tx.Equipment("LAP1")
			if err != nil {
				return err
			}
			e.State, e.Patron = gateway.EquipOnLoan, "P1"
			if err := tx.UpdateEquipment(e, gateway.EquipAvailable); err != nil {
				return err
			}
			wantCode(t, tx.UpdateEquipment(e, gateway.EquipAvailable), gateway.ECONFLICT)
			wantCode(t, tx.UpdateEquipment(&gateway.Equipment{Item: "nope", State: gateway.EquipOnLoan}), gateway.ENOTFOUND)
			// Configuration updates keep the state.
			return tx.PutEquipment(gateway.Equipment{Item: "LAP1", Bank: "B1", Compartment: "E1", Type: "laptop", Title: "Laptop One"})
		})
		mustTx(t, db, func(tx gateway.Tx) error {
			e, err := tx.Equipment("LAP1")
			if err != nil {
				return err
			}
			want := gateway.Equipment{Item: "LAP1", Bank: "B1", Compartment: "E1", Type: "laptop", Title: "Laptop One",
				State: gateway.EquipOnLoan, Patron: "P1", UpdatedAt: db.now().Truncate(time.Microsecond)}
			if *e != want {
				t.Errorf("LAP1 %+v, want %+v", *e, want)
			}
			_, err = tx.Equipment("nope")
			wantCode(t, err, gateway.ENOTFOUND)
			for _, c := range []struct{ bank, typ, want string }{
				{"", "", "[CAM1 LAP1 LAP2]"}, {"B1", "laptop", "[LAP1 LAP2]"}, {"", "camera", "[CAM1]"}, {"B2", "", "[]"},
			} {
				es, err := tx.EquipmentList(c.bank, c.typ)
				if err != nil {
					return err
				}
				items := []string{}
				for _, e := range es {
					items = append(items, e.Item)
				}
				if fmt.Sprint(items) != c.want {
					t.Errorf("list %q %q: %v, want %s", c.bank, c.typ, items, c.want)
				}
			}
			return nil
		})
	})
}

func TestAlerts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		var first *gateway.Alert
		mustTx(t, db, func(tx gateway.Tx) (err error) {
			first, err = tx.RaiseAlert(gateway.Alert{Kind: gateway.AlertDoorLeftOpen, Bank: "B1", Compartment: "3", Message: "door 3 open", RaisedAt: at(1, 9)})
			return err
		})
		if first.ID == 0 || !first.Active() || first.Message != "door 3 open" || !first.RaisedAt.Equal(at(1, 9)) {
			t.Fatalf("raised %+v", first)
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			// The same kind on the same door: the active one comes back.
			again, err := tx.RaiseAlert(gateway.Alert{Kind: gateway.AlertDoorLeftOpen, Bank: "B1", Compartment: "3", Message: "again"})
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(again, first) {
				t.Errorf("raised twice: %+v, want %+v", again, first)
			}
			for _, a := range []gateway.Alert{
				{Kind: gateway.AlertDoorForced, Bank: "B1", Compartment: "3", RaisedAt: at(1, 10)},
				{Kind: gateway.AlertBoardOffline, Bank: "B1", RaisedAt: at(1, 11)},
				{Kind: gateway.AlertBoardOffline, Bank: "B2", RaisedAt: at(1, 12)},
			} {
				if _, err := tx.RaiseAlert(a); err != nil {
					return err
				}
			}
			_, err = tx.RaiseAlert(gateway.Alert{Bank: "B1"})
			wantCode(t, err, gateway.EINVALID)
			n, err := tx.ClearAlerts(gateway.AlertDoorLeftOpen, "B1", "3", at(1, 13))
			if err != nil || n != 1 {
				t.Errorf("clear: %d, %v", n, err)
			}
			n, _ = tx.ClearAlerts(gateway.AlertDoorLeftOpen, "B1", "3", at(1, 13))
			if n != 0 {
				t.Errorf("cleared %d twice", n)
			}
			if err := tx.AckAlert(first.ID, "staff:ann", at(1, 14)); err != nil {
				return err
			}
			wantCode(t, tx.AckAlert(9999, "x", time.Time{}), gateway.ENOTFOUND)
			// After clearing, the same alert can be raised anew.
			fresh, err := tx.RaiseAlert(gateway.Alert{Kind: gateway.AlertDoorLeftOpen, Bank: "B1", Compartment: "3", RaisedAt: at(1, 15)})
			if err == nil && fresh.ID == first.ID {
				t.Errorf("raised after clear returned the cleared alert")
			}
			return err
		})
		mustTx(t, db, func(tx gateway.Tx) error {
			kinds := func(f gateway.AlertFilter) string {
				as, err := tx.Alerts(f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, a := range as {
					out = append(out, a.Kind+"/"+a.Bank+"/"+string(a.Compartment))
				}
				return fmt.Sprint(out)
			}
			if got := kinds(gateway.AlertFilter{}); got != "[door_left_open/B1/3 board_offline/B2/ board_offline/B1/ door_forced/B1/3 door_left_open/B1/3]" {
				t.Errorf("all alerts, newest first: %s", got)
			}
			if got := kinds(gateway.AlertFilter{Bank: "B1", ActiveOnly: true, Limit: 2}); got != "[door_left_open/B1/3 board_offline/B1/]" {
				t.Errorf("active at B1, 2: %s", got)
			}
			as, _ := tx.Alerts(gateway.AlertFilter{})
			old := as[len(as)-1]
			if old.Active() || !old.ClearedAt.Equal(at(1, 13)) || old.AckedBy != "staff:ann" || !old.AckedAt.Equal(at(1, 14)) {
				t.Errorf("cleared and acknowledged alert: %+v", old)
			}
			return nil
		})
	})
}

func TestAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		evs := []gateway.AuditEvent{
			{At: at(1, 9), Actor: "staff:ann", Action: "load", Bank: "B1", Compartment: "3", Reservation: "r1", Item: "I1", Detail: "loaded"},
			{At: at(1, 10), Actor: "patron:abc", Action: "pickup", Bank: "B1", Compartment: "3", Reservation: "r1", Item: "I1"},
			{At: at(1, 10), Actor: "system", Action: "door_closed", Bank: "B2", Compartment: "7"},
			{Actor: "system", Action: "expire", Bank: "B1", Reservation: "r2"},
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			for _, e := range evs {
				if err := tx.Audit(e); err != nil {
					return err
				}
			}
			wantCode(t, tx.Audit(gateway.AuditEvent{Actor: "x"}), gateway.EINVALID)
			return nil
		})
		tests := []struct {
			f    gateway.AuditFilter
			want string
		}{
			// Newest first; expire was logged at the clock's time, in
			// March; door_closed and pickup share a time: the later ID first.
			{gateway.AuditFilter{}, "[door_closed pickup load expire]"},
			{gateway.AuditFilter{Bank: "B1"}, "[pickup load expire]"},
			{gateway.AuditFilter{Item: "I1", Limit: 1}, "[pickup]"},
			{gateway.AuditFilter{Reservation: "r1", Action: "load"}, "[load]"},
			{gateway.AuditFilter{Since: at(1, 10)}, "[door_closed pickup]"},
		}
		for _, tc := range tests {
			mustTx(t, db, func(tx gateway.Tx) error {
				got, err := tx.AuditLog(tc.f)
				var acts []string
				for _, e := range got {
					acts = append(acts, e.Action)
				}
				if fmt.Sprint(acts) != tc.want {
					t.Errorf("%+v: %v, want %s", tc.f, acts, tc.want)
				}
				return err
			})
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			got, err := tx.AuditLog(gateway.AuditFilter{Action: "load"})
			if err != nil {
				return err
			}
			want := evs[0]
			want.ID, want.At = got[0].ID, want.At.UTC()
			if got[0] != want {
				t.Errorf("round trip %+v, want %+v", got[0], want)
			}
			got, _ = tx.AuditLog(gateway.AuditFilter{Action: "expire"})
			if !got[0].At.Equal(db.now().Truncate(time.Microsecond)) {
				t.Errorf("zero At became %v", got[0].At)
			}
			return nil
		})
	})
}

func TestAttempts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		mustTx(t, db, func(tx gateway.Tx) error {
			a, err := tx.Attempts("card:h1")
			if err != nil || a != (gateway.Attempts{Key: "card:h1"}) {
				t.Errorf("no record: %+v, %v", a, err)
			}
			rec := gateway.Attempts{Key: "card:h1", Failures: 2, First: at(1, 9)}
			if err := tx.PutAttempts(rec); err != nil {
				return err
			}
			rec.Failures, rec.LockedUntil = 5, at(1, 10)
			if err := tx.PutAttempts(rec); err != nil {
				return err
			}
			got, err := tx.Attempts("card:h1")
			want := gateway.Attempts{Key: "card:h1", Failures: 5, First: at(1, 9).UTC(), LockedUntil: at(1, 10).UTC()}
			if err != nil || got != want {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
			if err := tx.PutAttempts(gateway.Attempts{Key: "card:h1"}); err != nil {
				return err
			}
			got, _ = tx.Attempts("card:h1")
			if got.Failures != 0 || !got.First.IsZero() {
				t.Errorf("after reset: %+v", got)
			}
			wantCode(t, tx.PutAttempts(gateway.Attempts{Failures: 1}), gateway.EINVALID)
			return nil
		})
	})
}

// TestTimes checks that times keep microsecond precision and come back in
// UTC, and that zero times come back zero, on both engines.
func TestTimes(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1")
		times := []time.Time{
			{},
			time.Date(2025, 1, 2, 3, 4, 5, 999999000, time.UTC),
			time.Date(2025, 1, 2, 3, 4, 5, 1000, time.FixedZone("x", -7*3600)),
			time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
			time.Date(2025, 6, 1, 0, 0, 0, 123456789, time.Local), // nanoseconds: truncated to µs
		}
		for i, tm := range times {
			id := fmt.Sprint("r", i)
			mustTx(t, db, func(tx gateway.Tx) error {
				return tx.CreateReservation(&gateway.Reservation{ID: id, Bank: "B1", State: gateway.ResCleared, CreatedAt: at(1, 1), ExpiresAt: tm})
			})
			mustTx(t, db, func(tx gateway.Tx) error {
				r, err := tx.Reservation(id)
				if err != nil {
					return err
				}
				want := tm.Truncate(time.Microsecond)
				if tm.IsZero() {
					if !r.ExpiresAt.IsZero() {
						t.Errorf("zero time came back as %v", r.ExpiresAt)
					}
					return nil
				}
				if !r.ExpiresAt.Equal(want) || r.ExpiresAt.Location() != time.UTC {
					t.Errorf("%v came back as %v, want %v in UTC", tm, r.ExpiresAt, want)
				}
				return nil
			})
		}
	})
}

func TestTxRollbackAndView(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		boom := gateway.Errorf(gateway.EREFUSED, "boom")
		err := db.Tx(ctx, func(tx gateway.Tx) error {
			if err := tx.PutBank(gateway.Bank{ID: "B1"}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("fn's error: got %v", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("a panic in fn was swallowed")
				}
			}()
			_ = db.Tx(ctx, func(tx gateway.Tx) error {
				_ = tx.PutBank(gateway.Bank{ID: "B2"})
				panic("fn panics")
			})
		}()
		err = db.View(ctx, func(tx gateway.Tx) error {
			bs, err := tx.Banks()
			if len(bs) != 0 {
				t.Errorf("rolled-back writes are visible: %+v", bs)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// View is read-only.
		err = db.View(ctx, func(tx gateway.Tx) error { return tx.PutBank(gateway.Bank{ID: "B3"}) })
		if err == nil {
			t.Fatal("View allowed a write")
		}
		// The store still works after all that (the single SQLite writer
		// connection was returned).
		mustTx(t, db, func(tx gateway.Tx) error { return tx.PutBank(gateway.Bank{ID: "B4"}) })
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTxRetry checks that Tx runs fn again on a transient conflict the
// database reports, and not on other errors.
func TestTxRetry(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		calls := 0
		err := db.Tx(ctx, func(gtx gateway.Tx) error {
			calls++
			if calls < 3 {
				return transientError(t, db)
			}
			return gtx.PutBank(gateway.Bank{ID: "B1"})
		})
		if err != nil || calls != 3 {
			t.Fatalf("after two transient failures: %v, %d calls", err, calls)
		}
		calls = 0
		err = db.Tx(ctx, func(gtx gateway.Tx) error {
			calls++
			return transientError(t, db)
		})
		if err == nil || calls != db.txAttempts {
			t.Fatalf("always failing: %v after %d calls, want %d", err, calls, db.txAttempts)
		}
		calls = 0
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_ = db.Tx(cctx, func(gtx gateway.Tx) error {
			calls++
			time.Sleep(5 * time.Millisecond)
			// Not transientError: database/sql rolls the transaction back
			// when cctx ends, and SQLite would then not be busy.
			return &pq.Error{Code: "40001", Message: "synthetic"}
		})
		if time.Since(start) > time.Second {
			t.Fatalf("retries outlived the context by far: %v", time.Since(start))
		}
		calls = 0
		_ = db.Tx(ctx, func(gtx gateway.Tx) error {
			calls++
			return gateway.Errorf(gateway.ECONFLICT, "not transient")
		})
		if calls != 1 {
			t.Fatalf("ran fn %d times for a non-transient error", calls)
		}
	})
}

// transientError provokes a real transient error from the database: on
// PostgreSQL a serialization failure raised by the server, on SQLite a busy
// database held by a second connection.
func transientError(t *testing.T, db *DB) error {
	t.Helper()
	ctx := context.Background()
	if db.driver == Postgres {
		_, err := db.w.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = 'serialization_failure'; END $$`)
		if err == nil || !retryable(err) {
			t.Fatalf("provoked serialization failure: %v", err)
		}
		return classify(err, "provoked")
	}
	// A reader connection holding a write lock is impossible (query_only),
	// so open a raw connection to the same file without a busy timeout.
	return sqliteBusy(t, db)
}

// sqliteBusy opens a second connection to the store's file, without a busy
// timeout, and tries to begin a write while the store's transaction holds
// the write lock: SQLite answers SQLITE_BUSY.
func sqliteBusy(t *testing.T, db *DB) error {
	t.Helper()
	raw, err := sql.Open(SQLite, db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_, err = raw.Exec("BEGIN IMMEDIATE")
	if err == nil || !retryable(err) {
		t.Fatalf("provoked SQLITE_BUSY: %v", err)
	}
	return classify(err, "provoked")
}

// TestNestedTxDoesNotHang: on SQLite a Tx inside another's fn cannot get
// the single writer; it must fail when its context ends, not hang.
func TestNestedTxDoesNotHang(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		if db.driver != SQLite {
			return // PostgreSQL has a pool of writers: nesting works there
		}
		ctx := context.Background()
		err := db.Tx(ctx, func(tx gateway.Tx) error {
			inner, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			err := db.Tx(inner, func(gateway.Tx) error { return nil })
			wantCode(t, err, gateway.EUNAVAILABLE)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
