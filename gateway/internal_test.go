package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// stubStore satisfies Store for configuration checks; New touches nothing.
type stubStore struct{ Store }

type stubILS struct{ ILS }

type stubDriver struct{ lockers.Driver }

func validConfig() Config {
	return Config{
		Store:  stubStore{},
		ILS:    map[string]ILS{"main": stubILS{}},
		Secret: []byte(strings.Repeat("k", 32)),
		Sites: []Site{{ID: "main", ILS: "main", Banks: []BankConfig{{
			ID: "B1", Location: "MAIN", Driver: stubDriver{},
			Returns:   []lockers.CompartmentID{"9"},
			Equipment: []EquipmentConfig{{Item: "E1", Compartment: "10", Type: "laptop"}},
		}}}},
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // in the message; "" for no error
	}{
		{"valid", func(*Config) {}, ""},
		{"no store", func(c *Config) { c.Store = nil }, "store is missing"},
		{"short secret", func(c *Config) { c.Secret = []byte("short") }, "at least 32 bytes"},
		{"site without id", func(c *Config) { c.Sites[0].ID = "" }, "sites[0]: id is empty"},
		{"unknown ils", func(c *Config) { c.Sites[0].ILS = "other" }, `ils "other" is not configured`},
		{"bad checkout policy", func(c *Config) { c.Sites[0].CheckoutAt = "never" }, `checkout_at "never"`},
		{"short code", func(c *Config) { c.Sites[0].CodeLength = 4 }, "code length 4"},
		{"bad capacity", func(c *Config) { c.Sites[0].Capacity = map[lockers.SizeClass]int{"S": 0} }, `capacity of size "S"`},
		{"bank without driver", func(c *Config) { c.Sites[0].Banks[0].Driver = nil }, `bank "B1": driver is missing`},
		{"bank without location", func(c *Config) { c.Sites[0].Banks[0].Location = "" }, "location"},
		{"duplicate bank", func(c *Config) { c.Sites[0].Banks = append(c.Sites[0].Banks, c.Sites[0].Banks[0]) }, `bank "B1" is defined twice`},
		{"duplicate site", func(c *Config) {
			s := c.Sites[0]
			s.Banks = nil
			c.Sites = append(c.Sites, s)
		}, "defined twice"},
		{"equipment in a returns compartment", func(c *Config) {
			c.Sites[0].Banks[0].Equipment = []EquipmentConfig{{Item: "E1", Compartment: "9", Type: "laptop"}}
		}, `compartment "9" is already used for returns`},
		{"equipment without type", func(c *Config) {
			c.Sites[0].Banks[0].Equipment = []EquipmentConfig{{Item: "E1", Compartment: "10"}}
		}, "item, compartment and type are required"},
		{"bad size rank", func(c *Config) { c.Sites[0].Banks[0].SizeRanks = map[lockers.SizeClass]int{"XS": -1} }, `size rank of "XS"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(&cfg)
			s, err := New(cfg)
			if tt.want == "" {
				if err != nil || s == nil {
					t.Fatalf("New: %v", err)
				}
				site := s.sites["main"]
				if site.CheckoutAt != CheckoutAtPickup || site.CodeLength != 6 || site.PickupPeriod != 7*24*time.Hour ||
					site.MaxFailures != 5 || site.BankMaxFailures != 15 || s.cfg.OutboxLease < 2*s.cfg.ILSTimeout {
					t.Fatalf("defaults not applied: %+v %+v", site, s.cfg)
				}
				return
			}
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want EINVALID naming %q", err, tt.want)
			}
		})
	}
	// New must not change the caller's configuration.
	cfg := validConfig()
	if _, err := New(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Sites[0].CodeLength != 0 || cfg.Sites[0].Banks[0].Driver != (stubDriver{}) {
		t.Fatal("New changed the caller's configuration")
	}
}

func TestNewCode(t *testing.T) {
	counts := map[byte]int{}
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		c := newCode(8)
		if len(c) != 8 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		for j := 0; j < len(c); j++ {
			counts[c[j]]++
		}
	}
	if len(seen) < 1990 {
		t.Fatalf("%d distinct codes of 2000", len(seen))
	}
	// 16000 digits: each should be near 1600; 1300..1900 is far beyond
	// chance for a uniform source and catches a biased one.
	for d := byte('0'); d <= '9'; d++ {
		if counts[d] < 1300 || counts[d] > 1900 {
			t.Fatalf("digit %c drawn %d times of 16000", d, counts[d])
		}
	}
}

func TestKeyedHashes(t *testing.T) {
	s, err := New(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	if s.codeHash("B1", "123456") == s.codeHash("B2", "123456") {
		t.Fatal("the same code at two banks has one hash")
	}
	if s.codeHash("B1", "123456") != s.codeHash("B1", "123456") {
		t.Fatal("code hash not stable")
	}
	if s.keyed("ab", "c") == s.keyed("a", "bc") {
		t.Fatal("keyed hash parts run together")
	}
	h := s.patronHash("P0001")
	if strings.Contains(h, "P0001") || len(h) != 24 || s.patronHash("") != "" {
		t.Fatalf("patron hash %q", h)
	}
	other := validConfig()
	other.Secret = []byte(strings.Repeat("x", 32))
	s2, _ := New(other)
	if s2.patronHash("P0001") == h {
		t.Fatal("patron hash does not depend on the secret")
	}
}

func TestBackoff(t *testing.T) {
	s := &Service{cfg: Config{Backoff: 2 * time.Second, MaxBackoff: 30 * time.Second}}
	want := []time.Duration{2, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		if got := s.backoff(i); got != w*time.Second {
			t.Errorf("backoff(%d) = %v, want %v", i, got, w*time.Second)
		}
	}
}

// TestSafeError: LastError is bounded and stays valid UTF-8 when the cut
// falls inside a character (PostgreSQL refuses invalid UTF-8), and short
// texts are kept whole.
func TestSafeError(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"short", "ILS refused: Ä", "ILS refused: Ä"},
		{"exactly 500", strings.Repeat("a", 500), strings.Repeat("a", 500)},
		{"ascii cut", strings.Repeat("a", 501), strings.Repeat("a", 500) + "…"},
		{"cut inside a rune", strings.Repeat("a", 499) + "ÄÄ", strings.Repeat("a", 499) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := safeError(errors.New(tc.in))
			if got != tc.want {
				t.Errorf("safeError = %q…%q (%d bytes), want %d bytes ending %q", got[:10], got[max(0, len(got)-10):], len(got), len(tc.want), tc.want[max(0, len(tc.want)-10):])
			}
			if !utf8.ValidString(got) {
				t.Errorf("safeError is not valid UTF-8: %q", got[max(0, len(got)-10):])
			}
		})
	}
}

func TestWithoutCode(t *testing.T) {
	n := Notification{ID: "notify:ready:r1", Kind: NotifyReady, Code: "918273", Items: []NotifiedItem{{ID: "I1"}}}
	b, _ := json.Marshal(n)
	out := withoutCode(b)
	if strings.Contains(string(out), "918273") {
		t.Fatalf("code kept: %s", out)
	}
	var back Notification
	if err := json.Unmarshal(out, &back); err != nil || back.ID != n.ID || len(back.Items) != 1 {
		t.Fatalf("notification damaged: %s (%v)", out, err)
	}
	if got := withoutCode([]byte("{not json")); got != nil {
		t.Fatalf("unreadable payload kept: %s", got)
	}
}

func FuzzWithoutCode(f *testing.F) {
	f.Add([]byte(`{"Code":"123456","ID":"x"}`), "123456")
	f.Add([]byte(`{"Code":"","Message":"123456"}`), "654321")
	f.Add([]byte(`[1,2,3]`), "111111")
	f.Fuzz(func(t *testing.T, payload []byte, code string) {
		out := withoutCode(payload)
		if out == nil {
			return
		}
		var n Notification
		if err := json.Unmarshal(out, &n); err != nil {
			t.Fatalf("output is not a notification: %v", err)
		}
		if n.Code != "" {
			t.Fatalf("code survived: %q", n.Code)
		}
	})
}

func TestBusDropsForSlowSubscribers(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	b := newBus(log)
	slow, cancelSlow := b.subscribe(1)
	fast, cancelFast := b.subscribe(100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			b.publish(Event{Type: "door"})
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("publish blocked on a slow subscriber")
	}
	if len(slow) != 1 || len(fast) != 50 {
		t.Fatalf("slow got %d (want 1), fast %d (want 50)", len(slow), len(fast))
	}
	cancelSlow()
	cancelSlow() // idempotent
	if _, ok := <-slow; !ok {
		t.Fatal("buffered event lost at cancel")
	}
	b.close()
	cancelFast()
	if ch, _ := b.subscribe(1); ch == nil {
		t.Fatal("nil channel after close")
	} else if _, ok := <-ch; ok {
		t.Fatal("subscription after close is open")
	}
}
