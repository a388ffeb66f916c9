package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

func enqueue(t testing.TB, db *DB, es ...*gateway.OutboxEntry) {
	t.Helper()
	mustTx(t, db, func(tx gateway.Tx) error {
		for _, e := range es {
			if err := tx.Enqueue(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func entry(key, topic string) *gateway.OutboxEntry {
	return &gateway.OutboxEntry{Key: key, Topic: topic, Op: gateway.OpCheckout, Site: "main", Item: strings.TrimPrefix(topic, "item:"), Patron: "P1"}
}

func claim(t testing.TB, db *DB, owner string, now time.Time, lease time.Duration, limit int) []string {
	t.Helper()
	var keys []string
	mustTx(t, db, func(tx gateway.Tx) error {
		es, err := tx.ClaimOutbox(owner, now, lease, limit)
		for _, e := range es {
			if e.ClaimedBy != owner || !e.ClaimedUntil.Equal(now.Add(lease).Truncate(time.Microsecond)) {
				t.Errorf("claimed %s: lease %s until %v", e.Key, e.ClaimedBy, e.ClaimedUntil)
			}
			keys = append(keys, e.Key)
		}
		return err
	})
	return keys
}

func TestEnqueueRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		payload := json.RawMessage(`{"patron":"P1","item":"I1","no_block":true,  "spaced": [1, 2]}`)
		e := &gateway.OutboxEntry{Key: "checkout:r1:I1", Topic: "item:I1", Op: gateway.OpCheckout, Site: "main", Item: "I1", Patron: "P1", Payload: payload}
		enqueue(t, db, e)
		now := db.now().Truncate(time.Microsecond)
		if e.ID == 0 || e.State != gateway.OutboxPending || !e.NextAttemptAt.Equal(now) || !e.CreatedAt.Equal(now) {
			t.Fatalf("enqueued %+v: want an ID, pending, due now (%v)", e, now)
		}
		// The same key again is the same entry, whatever else differs.
		again := &gateway.OutboxEntry{Key: "checkout:r1:I1", Topic: "item:OTHER", Op: gateway.OpCheckin, Payload: json.RawMessage(`{}`)}
		enqueue(t, db, again)
		if again.ID != e.ID || again.Topic != "item:I1" || again.Op != gateway.OpCheckout || string(again.Payload) != string(payload) {
			t.Fatalf("re-enqueue: %+v, want the stored entry %d", again, e.ID)
		}
		var n int
		mustTx(t, db, func(tx gateway.Tx) error {
			es, err := tx.Outbox(gateway.OutboxFilter{})
			n = len(es)
			return err
		})
		if n != 1 {
			t.Fatalf("%d entries after enqueueing one key twice", n)
		}

		// Every field written by UpdateOutbox round-trips.
		result := json.RawMessage(`{"ok":true,"due":"2025-04-20"}`)
		mustTx(t, db, func(tx gateway.Tx) error {
			got, err := tx.OutboxEntry(e.ID)
			if err != nil {
				return err
			}
			got.Payload = json.RawMessage(`{"patron":"P1"}`)
			got.State, got.Attempts, got.NextAttemptAt, got.LastError = gateway.OutboxDone, 3, at(4, 4), "timeout"
			got.Result, got.DoneAt, got.ClaimedBy, got.ClaimedUntil = result, at(4, 5), "node-1", at(4, 6)
			if err := tx.UpdateOutbox(got); err != nil {
				return err
			}
			back, err := tx.OutboxEntry(e.ID)
			if err != nil {
				return err
			}
			want := *got
			for _, p := range []*time.Time{&want.NextAttemptAt, &want.DoneAt, &want.ClaimedUntil, &want.CreatedAt, &want.UpdatedAt} {
				*p = p.UTC()
			}
			if !reflect.DeepEqual(*back, want) {
				t.Errorf("update round trip:\n got %+v\nwant %+v", *back, want)
			}
			// A nil payload (a delivered notification's code removed) reads back nil.
			back.Payload = nil
			back.NextAttemptAt = time.Time{} // zero keeps the stored one
			if err := tx.UpdateOutbox(back); err != nil {
				return err
			}
			back2, _ := tx.OutboxEntry(e.ID)
			if back2.Payload != nil || !back2.NextAttemptAt.Equal(at(4, 4)) {
				t.Errorf("after clearing the payload: %+v", back2)
			}
			_, err = tx.OutboxEntry(999)
			wantCode(t, err, gateway.ENOTFOUND)
			wantCode(t, tx.UpdateOutbox(&gateway.OutboxEntry{ID: 999, State: gateway.OutboxDone}), gateway.ENOTFOUND)
			return nil
		})

		// Bad input: a clear error, and never the payload (which may hold a
		// pickup code) in it.
		mustTx(t, db, func(tx gateway.Tx) error {
			bad := []*gateway.OutboxEntry{
				{Topic: "t", Op: "x"},
				{Key: "k", Op: "x"},
				{Key: "k", Topic: "t"},
				{Key: "k", Topic: "t", Op: gateway.OpNotify, Payload: json.RawMessage(`{"code":"483920"`)},
			}
			for _, b := range bad {
				err := tx.Enqueue(b)
				wantCode(t, err, gateway.EINVALID)
				if strings.Contains(err.Error(), "483920") {
					t.Errorf("error repeats the payload: %v", err)
				}
			}
			return nil
		})
	})
}

func TestClaimOutbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		now := db.now()
		// Topic A: a1 a2 a3; topic B: b1 (due later); topic C: c1 failed, c2.
		enqueue(t, db, entry("a1", "item:A"), entry("c1", "item:C"), entry("a2", "item:A"))
		b1 := entry("b1", "item:B")
		b1.NextAttemptAt = now.Add(time.Minute)
		enqueue(t, db, b1, entry("c2", "item:C"), entry("a3", "item:A"), entry("d1", "item:D"))
		mustTx(t, db, func(tx gateway.Tx) error {
			c1, err := tx.Outbox(gateway.OutboxFilter{Topic: "item:C"})
			if err != nil {
				return err
			}
			c1[0].State = gateway.OutboxFailed
			return tx.UpdateOutbox(&c1[0])
		})

		// Only each topic's head, due, in ID order; a failed head blocks its topic.
		if got := claim(t, db, "n1", now, time.Minute, 10); fmt.Sprint(got) != "[a1 d1]" {
			t.Fatalf("first claim %v, want [a1 d1]", got)
		}
		// Claimed entries are not claimed again while leased, and block their topic.
		if got := claim(t, db, "n2", now.Add(30*time.Second), time.Minute, 10); len(got) != 0 {
			t.Fatalf("claim during lease: %v", got)
		}
		// a1 done: a2 is the head. b1 is due after a minute.
		mustTx(t, db, func(tx gateway.Tx) error {
			es, err := tx.Outbox(gateway.OutboxFilter{Topic: "item:A", States: []gateway.OutboxState{gateway.OutboxPending}, Limit: 1})
			if err != nil {
				return err
			}
			a1 := es[0]
			a1.State, a1.DoneAt, a1.ClaimedBy, a1.ClaimedUntil = gateway.OutboxDone, now, "", time.Time{}
			return tx.UpdateOutbox(&a1)
		})
		if got := claim(t, db, "n2", now.Add(30*time.Second), time.Minute, 10); fmt.Sprint(got) != "[a2]" {
			t.Fatalf("after a1 done: %v, want [a2]", got)
		}
		// The lease on d1 expires at now+1m: another node takes it over,
		// with b1, now due. a2's lease runs to now+1m30s.
		if got := claim(t, db, "n3", now.Add(time.Minute), time.Minute, 10); fmt.Sprint(got) != "[b1 d1]" {
			t.Fatalf("after the lease expired: %v, want [b1 d1]", got)
		}
		// A sent entry is due again (to be resolved) once its lease ends.
		mustTx(t, db, func(tx gateway.Tx) error {
			es, err := tx.Outbox(gateway.OutboxFilter{Item: "A", States: []gateway.OutboxState{gateway.OutboxPending}, Limit: 1})
			if err != nil || es[0].Key != "a2" {
				return fmt.Errorf("a2: %v %v", es, err)
			}
			es[0].State, es[0].Attempts = gateway.OutboxSent, 1
			return tx.UpdateOutbox(&es[0])
		})
		if got := claim(t, db, "n1", now.Add(2*time.Minute), time.Minute, 1); fmt.Sprint(got) != "[a2]" {
			t.Fatalf("limit 1 with a2 sent and expired: %v, want [a2]", got)
		}
		// Staff retry c1 (pending again): it goes first, c2 waits behind it.
		mustTx(t, db, func(tx gateway.Tx) error {
			es, _ := tx.Outbox(gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxFailed}})
			es[0].State = gateway.OutboxPending
			return tx.UpdateOutbox(&es[0])
		})
		if got := claim(t, db, "n1", now.Add(3*time.Minute), time.Minute, 10); fmt.Sprint(got) != "[c1 a2 b1 d1]" {
			t.Fatalf("after retrying c1: %v, want [c1 a2 b1 d1]", got)
		}

		mustTx(t, db, func(tx gateway.Tx) error {
			for _, bad := range []struct {
				owner string
				lease time.Duration
				limit int
			}{{"", time.Minute, 1}, {"n", 0, 1}, {"n", time.Minute, 0}} {
				_, err := tx.ClaimOutbox(bad.owner, now, bad.lease, bad.limit)
				wantCode(t, err, gateway.EINVALID)
			}
			depth, err := tx.OutboxDepth()
			want := map[gateway.OutboxState]int{gateway.OutboxPending: 5, gateway.OutboxSent: 1}
			if err == nil && !reflect.DeepEqual(depth, want) {
				t.Errorf("depth %v, want %v", depth, want)
			}
			return err
		})
	})
}

func TestOutboxFilter(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		e1, e2, e3 := entry("k1", "item:I1"), entry("k2", "item:I2"), entry("k3", "item:I1")
		e3.Op = gateway.OpCheckin
		n := &gateway.OutboxEntry{Key: "n1", Topic: "notify:P1", Op: gateway.OpNotify, Patron: "P1"}
		enqueue(t, db, e1, e2, e3, n)
		tests := []struct {
			name string
			f    gateway.OutboxFilter
			want string
		}{
			{"all", gateway.OutboxFilter{}, "[k1 k2 k3 n1]"},
			{"topic", gateway.OutboxFilter{Topic: "item:I1"}, "[k1 k3]"},
			{"item", gateway.OutboxFilter{Item: "I2"}, "[k2]"},
			{"op", gateway.OutboxFilter{Op: gateway.OpCheckin}, "[k3]"},
			{"state", gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxDone}}, "[]"},
			{"limit", gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxPending}, Limit: 3}, "[k1 k2 k3]"},
		}
		for _, tc := range tests {
			err := db.View(context.Background(), func(tx gateway.Tx) error {
				es, err := tx.Outbox(tc.f)
				keys := []string{}
				for _, e := range es {
					keys = append(keys, e.Key)
				}
				if fmt.Sprint(keys) != tc.want {
					t.Errorf("%s: %v, want %s", tc.name, keys, tc.want)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
