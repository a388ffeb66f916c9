package lockers_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// strictQueries records the queries strict+test was given.
var strictQueries struct {
	sync.Mutex
	last string
}

func init() {
	// strict+test refuses every option but "boards", as real drivers
	// refuse options they do not know; watcher+test reports its own events.
	lockers.Register("strict+test", func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		strictQueries.Lock()
		strictQueries.last = u.RawQuery
		strictQueries.Unlock()
		for k := range u.Query() {
			if k != "boards" {
				return nil, errors.New("strict: unknown option " + k)
			}
		}
		return &fakeDriver{}, nil
	})
	lockers.Register("watcher+test", func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		return &struct {
			*fakeDriver
			fakeWatcher
		}{&fakeDriver{}, fakeWatcher{calls: new(atomic.Int32)}}, nil
	})
}

func TestCommonOptions(t *testing.T) {
	tests := []struct {
		config   string
		query    string // what the driver saw
		interval time.Duration
		leftOpen time.Duration
	}{
		{"strict+test://h?boards=2", "boards=2", lockers.DefaultPollInterval, lockers.DefaultLeftOpen},
		{"strict+test://h?watch_poll=500ms&boards=2", "boards=2", 500 * time.Millisecond, lockers.DefaultLeftOpen},
		{"strict+test://h?boards=2&watch_leftopen=90s&watch_poll=20ms", "boards=2", 20 * time.Millisecond, 90 * time.Second},
		{"strict+test://h?watch_leftopen=off", "", lockers.DefaultPollInterval, -1},
		{"strict+test://h?watch%5Fpoll=1m", "", time.Minute, lockers.DefaultLeftOpen},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			d, err := lockers.Open(context.Background(), tt.config)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			strictQueries.Lock()
			seen := strictQueries.last
			strictQueries.Unlock()
			if seen != tt.query {
				t.Errorf("driver saw query %q, want %q", seen, tt.query)
			}
			po, ok := lockers.PollOptionsOf(d)
			if !ok {
				t.Fatal("no polling watcher added")
			}
			if po.Interval != tt.interval || po.LeftOpen != tt.leftOpen {
				t.Errorf("poll options %+v, want interval %v, left-open %v", po, tt.interval, tt.leftOpen)
			}
		})
	}
}

// TestCommonOptionsOverrideProgram: the bank's string is more specific
// than the program's GuardOptions.
func TestCommonOptionsOverrideProgram(t *testing.T) {
	d, err := lockers.OpenWith(context.Background(), "strict+test://h?watch_poll=50ms",
		lockers.GuardOptions{Poll: lockers.PollOptions{Interval: 3 * time.Second, LeftOpen: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if po, _ := lockers.PollOptionsOf(d); po.Interval != 50*time.Millisecond || po.LeftOpen != time.Hour {
		t.Errorf("poll options %+v, want the string's interval and the program's left-open time", po)
	}
}

func TestCommonOptionErrors(t *testing.T) {
	tests := []struct{ config, key, want string }{
		{"strict+test://h?watch_poll=fast", "watch_poll", "want a duration"},
		{"strict+test://h?watch_poll=1ms", "watch_poll", "from 10ms"},
		{"strict+test://h?watch_poll=2h", "watch_poll", "to 1h0m0s"},
		{"strict+test://h?watch_poll=1s&watch_poll=2s", "watch_poll", "given twice"},
		{"strict+test://h?watch_leftopen=-1s", "watch_leftopen", "want off or a duration"},
		{"strict+test://h?watch_leftopen=never&key=hunter2", "watch_leftopen", "never"},
		{"watcher+test://h?watch_poll=1s", "watch_poll", "reports its own events"},
		{"watcher+test://h?watch_leftopen=off", "watch_leftopen", "reports its own events"},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			d, err := lockers.Open(context.Background(), tt.config)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			var ce *lockers.ConfigError
			if !errors.As(err, &ce) || ce.Key != tt.key || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v (%T), want a *ConfigError for option %s mentioning %q", err, err, tt.key, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
	if _, err := lockers.OpenWith(context.Background(), "strict+test://h?watch_poll=1s", lockers.GuardOptions{NoPoll: true}); err == nil || !strings.Contains(err.Error(), "NoPoll") {
		t.Errorf("watch_poll with NoPoll: error %v, want one naming NoPoll", err)
	}
}
