package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/gateway"
)

// flaky fails its first fails calls, then succeeds; it counts calls per id.
type flaky struct {
	mu    sync.Mutex
	fails int
	calls map[string]int
}

func (f *flaky) Notify(ctx context.Context, n gateway.Notification) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[n.ID]++
	if f.fails > 0 {
		f.fails--
		return errors.New("receiver down")
	}
	return nil
}

func TestMulti(t *testing.T) {
	sms := &flaky{}
	mail := &flaky{fails: 2}
	m := NewMulti(Named{"webhook", sms}, Named{"smtp", mail})
	n := sample(gateway.NotifyReady, "en")
	ctx := context.Background()

	err := m.Notify(ctx, n)
	var me *MultiError
	if !errors.As(err, &me) || len(me.Failed) != 1 || me.Failed[0] != "smtp" {
		t.Fatalf("error %v, want smtp named as failed", err)
	}
	if !strings.Contains(err.Error(), "smtp: receiver down") || strings.Contains(err.Error(), "webhook:") {
		t.Errorf("message %q", err.Error())
	}
	// The outbox retries: only the failed notifier is called again.
	if err := m.Notify(ctx, n); err == nil {
		t.Fatal("second attempt: smtp should fail once more")
	}
	if err := m.Notify(ctx, n); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	if sms.calls[n.ID] != 1 || mail.calls[n.ID] != 3 {
		t.Errorf("calls webhook %d smtp %d, want 1 and 3", sms.calls[n.ID], mail.calls[n.ID])
	}
	// Another notification goes to both.
	n2 := n
	n2.ID = "ntf-99"
	if err := m.Notify(ctx, n2); err != nil || sms.calls["ntf-99"] != 1 || mail.calls["ntf-99"] != 1 {
		t.Errorf("second notification: %v, calls %d %d", err, sms.calls["ntf-99"], mail.calls["ntf-99"])
	}
	if len(m.done) != 0 || len(m.order) != 0 {
		t.Errorf("memory of delivered notifications not released: %v", m.done)
	}
	if err := NewMulti().Notify(ctx, n); err == nil {
		t.Error("an empty Multi succeeded")
	}
}

func TestMultiMemoryBounded(t *testing.T) {
	ok := &flaky{}
	bad := &flaky{fails: 1 << 30}
	m := NewMulti(Named{"ok", ok}, Named{"bad", bad})
	m.limit = 10
	for i := 0; i < 25; i++ {
		n := sample(gateway.NotifyReady, "en")
		n.ID = string(rune('a' + i))
		m.Notify(context.Background(), n)
	}
	if len(m.done) != 10 || len(m.order) != 10 {
		t.Errorf("remembered %d/%d notifications, want the last 10", len(m.done), len(m.order))
	}
}

// TestMultiConcurrentRetries retries one partly delivered notification from
// several goroutines at once (two outbox senders racing on one entry): the
// memory of who delivered is read and written under its lock (-race).
func TestMultiConcurrentRetries(t *testing.T) {
	sms := &flaky{}
	mail := &flaky{fails: 1000}
	m := NewMulti(Named{"webhook", sms}, Named{"smtp", mail})
	n := sample(gateway.NotifyReady, "en")
	ctx := context.Background()
	if err := m.Notify(ctx, n); err == nil {
		t.Fatal("smtp was to fail")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				_ = m.Notify(ctx, n)
			}
		})
	}
	// Meanwhile smtp starts working, so that some retries record a success.
	wg.Go(func() {
		mail.mu.Lock()
		mail.fails = 40
		mail.mu.Unlock()
	})
	wg.Wait()
	// smtp never counts as delivered between calls (a success is
	// forgotten at once, with the whole notification), so every call
	// tried it.
	mail.mu.Lock()
	defer mail.mu.Unlock()
	if got := mail.calls[n.ID]; got != 1+8*20 {
		t.Errorf("smtp called %d times, want %d", got, 1+8*20)
	}
}
