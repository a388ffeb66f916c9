package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// TestConcurrentAssign runs many assignments at once from two *DB on one
// database (two gateway processes): no compartment is assigned twice, and
// exactly min(N, free) succeed while the rest get ENOSPACE.
func TestConcurrentAssign(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		dbs := []*DB{e.open(t), e.open(t)}
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		const free, n = 25, 40
		seedBank(t, dbs[0], "B1", append(pickups(free), comp("R1", "S", 1, gateway.KindReturn))...)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var (
			mu      sync.Mutex
			got     = map[string]string{} // compartment -> holder
			noSpace int
			wg      sync.WaitGroup
			start   = make(chan struct{})
		)
		for i := range n {
			wg.Go(func() {
				<-start
				holder := fmt.Sprint("res-", i)
				var c *gateway.Compartment
				err := dbs[i%2].Tx(ctx, func(tx gateway.Tx) (err error) {
					c, err = tx.AssignCompartment(gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, Holder: holder})
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case gateway.ErrorCode(err) == gateway.ENOSPACE:
					noSpace++
				case err != nil:
					t.Errorf("%s: %v", holder, err)
				case got[string(c.ID)] != "":
					t.Errorf("compartment %s assigned to %s and to %s", c.ID, got[string(c.ID)], holder)
				default:
					got[string(c.ID)] = holder
				}
			})
		}
		close(start)
		wg.Wait()
		if len(got) != free || noSpace != n-free {
			t.Fatalf("%d assigned, %d ENOSPACE; want %d and %d", len(got), noSpace, free, n-free)
		}
		// The database agrees: every pickup compartment reserved by the
		// holder the caller was told.
		mustTx(t, dbs[1], func(tx gateway.Tx) error {
			cs, err := tx.Compartments(gateway.CompartmentFilter{Bank: "B1", Kind: gateway.KindPickup})
			for _, c := range cs {
				if c.State != gateway.CompReserved || c.Holder != got[string(c.ID)] {
					t.Errorf("stored %+v, assigned to %q", c, got[string(c.ID)])
				}
			}
			return err
		})
	})
}

// TestConcurrentClaim has workers on two *DB claim and complete outbox
// entries until none is left: every entry is claimed exactly once, and the
// entries of each topic complete in ID order.
func TestConcurrentClaim(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		dbs := []*DB{e.open(t), e.open(t)}
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		const topics, perTopic, workers = 12, 10, 6
		var all []*gateway.OutboxEntry
		for i := range perTopic {
			for tp := range topics {
				all = append(all, entry(fmt.Sprintf("k-%d-%d", tp, i), fmt.Sprint("item:", tp)))
			}
		}
		enqueue(t, dbs[0], all...)
		now := e.clock.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var (
			mu      sync.Mutex
			claimed = map[int64]string{}
			// doneAt numbers the completions in the order they commit:
			// each is numbered inside its transaction, before the commit
			// that lets the topic's next entry be claimed. (Appending to a
			// list after the commit raced with the worker completing the
			// next entry and read as out of order under load.) A retried
			// transaction numbers its entry again, later.
			doneAt  = map[int64]int64{}
			topicOf = map[int64]string{}
			seq     int64
			wg      sync.WaitGroup
		)
		for w := range workers {
			wg.Go(func() {
				db, owner := dbs[w%2], fmt.Sprint("node-", w)
				for ctx.Err() == nil {
					var es []gateway.OutboxEntry
					err := db.Tx(ctx, func(tx gateway.Tx) (err error) {
						es, err = tx.ClaimOutbox(owner, now, time.Hour, 3)
						return err
					})
					if err != nil {
						t.Errorf("%s: claim: %v", owner, err)
						return
					}
					if len(es) == 0 {
						mu.Lock()
						finished := len(claimed) == len(all) && len(doneAt) == len(all)
						mu.Unlock()
						if finished {
							return
						}
						time.Sleep(time.Millisecond)
						continue
					}
					mu.Lock()
					for _, e := range es {
						if prev, dup := claimed[e.ID]; dup {
							t.Errorf("entry %d claimed by %s and by %s", e.ID, prev, owner)
						}
						claimed[e.ID] = owner
					}
					mu.Unlock()
					for _, e := range es {
						e.State, e.DoneAt, e.Attempts = gateway.OutboxDone, now, e.Attempts+1
						err := db.Tx(ctx, func(tx gateway.Tx) error {
							if err := tx.UpdateOutbox(&e); err != nil {
								return err
							}
							mu.Lock()
							seq++
							doneAt[e.ID], topicOf[e.ID] = seq, e.Topic
							mu.Unlock()
							return nil
						})
						if err != nil {
							t.Errorf("%s: complete %d: %v", owner, e.ID, err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		if ctx.Err() != nil {
			t.Fatalf("workers did not finish: %d of %d claimed", len(claimed), len(all))
		}
		if len(claimed) != len(all) {
			t.Fatalf("%d entries claimed, want %d", len(claimed), len(all))
		}
		order := map[string][]int64{} // topic -> IDs in the order they completed
		for id, topic := range topicOf {
			order[topic] = append(order[topic], id)
		}
		if len(order) != topics {
			t.Errorf("%d topics completed, want %d", len(order), topics)
		}
		for topic, ids := range order {
			slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(doneAt[a], doneAt[b]) })
			for i := 1; i < len(ids); i++ {
				if ids[i] <= ids[i-1] {
					t.Errorf("topic %s completed out of order: %v", topic, ids)
					break
				}
			}
		}
		nodes := map[string]bool{}
		for _, o := range claimed {
			nodes[o] = true
		}
		t.Logf("%d entries, claimed by %d workers", len(claimed), len(nodes))
	})
}

// TestConcurrentStartup has two processes synchronise the same compartments
// at once, as two gateways starting with one configuration do: both succeed.
func TestConcurrentStartup(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		dbs := []*DB{e.open(t), e.open(t)}
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// The banks exist (put by an earlier start); the compartments are
		// new to both processes.
		for round := range 5 {
			seedBank(t, dbs[0], fmt.Sprint("B", round))
		}
		var wg sync.WaitGroup
		for round := range 5 {
			bank := fmt.Sprint("B", round)
			for _, db := range dbs {
				wg.Go(func() {
					err := db.Tx(ctx, func(tx gateway.Tx) error {
						return tx.SyncCompartments(bank, pickups(30))
					})
					if err != nil {
						t.Errorf("start-up sync of %s: %v", bank, err)
					}
				})
			}
		}
		wg.Wait()
		mustTx(t, dbs[1], func(tx gateway.Tx) error {
			cs, err := tx.Compartments(gateway.CompartmentFilter{States: []gateway.CompartmentState{gateway.CompFree}})
			if len(cs) != 5*30 {
				t.Errorf("%d free compartments, want %d", len(cs), 5*30)
			}
			return err
		})
	})
}

// TestConcurrentReadModifyWrite has many transactions, from two *DB on one
// database, each read a record and write it back changed, as the gateway
// does with an outbox entry (OutboxEntry then UpdateOutbox: mark sent,
// record an answer, release a lease) and with a failed-attempt counter
// (Attempts then PutAttempts). No update may be lost: on PostgreSQL at READ
// COMMITTED that needs the read to lock what it read (a counter not yet
// stored included), so that a lease taken over by another node, or a
// wrong PIN tried from two kiosks at once, is seen by the next writer.
func TestConcurrentReadModifyWrite(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		dbs := []*DB{e.open(t), e.open(t)}
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		enqueue(t, dbs[0], entry("rmw", "item:I1"))
		var id int64
		mustTx(t, dbs[0], func(tx gateway.Tx) error {
			es, err := tx.Outbox(gateway.OutboxFilter{})
			if len(es) == 1 {
				id = es[0].ID
			}
			return err
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		const n = 24
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			db := dbs[i%2]
			wg.Go(func() {
				<-start
				err := db.Tx(ctx, func(tx gateway.Tx) error {
					cur, err := tx.OutboxEntry(id)
					if err != nil {
						return err
					}
					cur.Attempts++
					return tx.UpdateOutbox(cur)
				})
				if err != nil {
					t.Errorf("outbox update %d: %v", i, err)
				}
			})
			wg.Go(func() {
				<-start
				err := db.Tx(ctx, func(tx gateway.Tx) error {
					a, err := tx.Attempts("card:abc")
					if err != nil {
						return err
					}
					a.Failures++
					return tx.PutAttempts(a)
				})
				if err != nil {
					t.Errorf("attempts update %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		err := dbs[1].View(ctx, func(tx gateway.Tx) error {
			cur, err := tx.OutboxEntry(id)
			if err != nil {
				return err
			}
			if cur.Attempts != n {
				t.Errorf("outbox entry attempts %d after %d increments: updates were lost", cur.Attempts, n)
			}
			a, err := tx.Attempts("card:abc")
			if err != nil {
				return err
			}
			if a.Failures != n {
				t.Errorf("failures %d after %d increments: updates were lost", a.Failures, n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentEnqueue records one intent from many transactions at once,
// on two *DB (a request retried against two gateway processes): one entry,
// and every caller is given that entry's ID.
func TestConcurrentEnqueue(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		dbs := []*DB{e.open(t), e.open(t)}
		if _, err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		const n = 16
		ids := make([]int64, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				err := dbs[i%2].Tx(ctx, func(tx gateway.Tx) error {
					en := entry("checkout:R1:I9", "item:I9")
					if err := tx.Enqueue(en); err != nil {
						return err
					}
					ids[i] = en.ID
					return nil
				})
				if err != nil {
					t.Errorf("enqueue %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		for i, id := range ids {
			if id == 0 || id != ids[0] {
				t.Fatalf("caller %d was given entry %d, caller 0 entry %d", i, id, ids[0])
			}
		}
		err := dbs[1].View(ctx, func(tx gateway.Tx) error {
			es, err := tx.Outbox(gateway.OutboxFilter{Topic: "item:I9"})
			if len(es) != 1 {
				t.Errorf("%d entries for one intent", len(es))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
