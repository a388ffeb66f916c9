package sqlstore

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// benchEnvs returns the engines to benchmark: SQLite always, PostgreSQL
// when LOCKERGATE_TEST_POSTGRES is set.
func benchEnvs(b *testing.B, run func(b *testing.B, e env)) {
	b.Run("sqlite", func(b *testing.B) { run(b, sqliteEnv(b)) })
	if dsn := os.Getenv(pgEnv); dsn != "" {
		b.Run("postgres", func(b *testing.B) { run(b, postgresEnv(b, dsn)) })
	}
}

// benchRuns numbers benchmark runs, for names of their own.
var benchRuns atomic.Int64

// seedSizes makes n pickup compartments: half S, a third M, the rest L.
func seedSizes(n int) []gateway.Compartment {
	cs := make([]gateway.Compartment, n)
	for i := range cs {
		switch {
		case i < n/2:
			cs[i] = comp(fmt.Sprint(i+1), "S", 1, gateway.KindPickup)
		case i < n/2+n/3:
			cs[i] = comp(fmt.Sprint(i+1), "M", 2, gateway.KindPickup)
		default:
			cs[i] = comp(fmt.Sprint(i+1), "L", 3, gateway.KindPickup)
		}
	}
	return cs
}

// BenchmarkAssign measures one compartment assignment and its release, each
// in its own transaction (as a load and a pickup are), with 100 and with
// 100,000 compartments in the store. Half the compartments are held, so
// the search skips occupied rows as it would in a busy bank.
func BenchmarkAssign(b *testing.B) {
	benchEnvs(b, func(b *testing.B, e env) {
		for _, n := range []int{100, 100000} {
			b.Run(fmt.Sprint(n), func(b *testing.B) {
				db := e.open(b)
				if _, err := db.Migrate(context.Background()); err != nil {
					b.Fatal(err)
				}
				// A bank of its own per run: -count and the benchmark
				// framework's reruns may reuse the database.
				bank := fmt.Sprint("B", n, "-", benchRuns.Add(1))
				seedBank(b, db, bank, seedSizes(n)...)
				holdEveryOther(b, db, bank, n)
				ctx := context.Background()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					var c *gateway.Compartment
					err := db.Tx(ctx, func(tx gateway.Tx) (err error) {
						c, err = tx.AssignCompartment(gateway.AssignRequest{Bank: bank, Kind: gateway.KindPickup, MinSizeRank: i%3 + 1, Holder: "bench"})
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					err = db.Tx(ctx, func(tx gateway.Tx) error {
						_, err := tx.MoveCompartment(bank, c.ID, []gateway.CompartmentState{gateway.CompReserved}, gateway.CompFree, nil, "")
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// holdEveryOther assigns every other compartment, in one transaction.
func holdEveryOther(b *testing.B, db *DB, bank string, n int) {
	b.Helper()
	mustTx(b, db, func(gtx gateway.Tx) error {
		t := gtx.(*tx)
		for i := 1; i <= n; i += 2 * 250 {
			// Multi-row inserts, 250 holders at a time.
			q := `INSERT INTO assignments (bank, compartment, holder, assigned_at) VALUES `
			var args []any
			for j := i; j < i+2*250 && j <= n; j += 2 {
				if len(args) > 0 {
					q += ", "
				}
				q += "(?, ?, ?, ?)"
				args = append(args, bank, fmt.Sprint(j), fmt.Sprint("held-", j), t.tv(t.now()))
			}
			if _, err := t.exec(q, args...); err != nil {
				return err
			}
		}
		_, err := t.exec(`UPDATE compartments SET state = ? WHERE bank = ? AND id IN (SELECT compartment FROM assignments WHERE bank = ?)`,
			string(gateway.CompOccupied), bank, bank)
		return err
	})
}

// BenchmarkEnqueueClaim measures an outbox entry's life: enqueue, claim,
// complete, each in its own transaction.
func BenchmarkEnqueueClaim(b *testing.B) {
	benchEnvs(b, func(b *testing.B, e env) {
		db := e.open(b)
		if _, err := db.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		now := e.clock.Now()
		run := benchRuns.Add(1) // keys of its own: the database may be reused
		for i := 0; b.Loop(); i++ {
			ent := entry(fmt.Sprint("bench-", run, "-", i), fmt.Sprint("item:", run, "-", i%1000))
			var claimed []gateway.OutboxEntry
			err := db.Tx(ctx, func(tx gateway.Tx) error { return tx.Enqueue(ent) })
			if err == nil {
				err = db.Tx(ctx, func(tx gateway.Tx) (err error) {
					claimed, err = tx.ClaimOutbox("bench", now, time.Minute, 1)
					return err
				})
			}
			if err == nil && (len(claimed) != 1 || claimed[0].ID != ent.ID) {
				err = fmt.Errorf("claimed %v, want entry %d", claimed, ent.ID)
			}
			if err == nil {
				c := claimed[0]
				c.State, c.DoneAt, c.ClaimedBy, c.ClaimedUntil = gateway.OutboxDone, now, "", time.Time{}
				err = db.Tx(ctx, func(tx gateway.Tx) error { return tx.UpdateOutbox(&c) })
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
