package lockers

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Common configuration options. Open handles them for every driver and
// removes them from the query before the driver's own parser sees it, so
// drivers, which refuse options they do not know, need not list them.
// They tune the PollWatcher that Guard adds to drivers whose hardware
// pushes no events (kerong, modbus); a driver that reports its own events
// (sim, mqtt, the vendor API) has no use for them, and Open refuses them
// there rather than ignore them.
const (
	// OptionWatchPoll sets PollOptions.Interval: watch_poll=500ms.
	OptionWatchPoll = "watch_poll"
	// OptionWatchLeftOpen sets PollOptions.LeftOpen: watch_leftopen=2m, or
	// watch_leftopen=off for no left-open events.
	OptionWatchLeftOpen = "watch_leftopen"
)

// Bounds of the common options: a sweep more often than every 10 ms would
// saturate an RS-485 bus, and one rarer than an hour is no watch at all.
const (
	minWatchPoll = 10 * time.Millisecond
	maxWatchPoll = time.Hour
	maxLeftOpen  = 24 * time.Hour
)

// commonOptions are the common options found in a configuration.
type commonOptions struct {
	poll, leftOpen time.Duration
	given          []string // keys present, in query order
}

// takeCommonOptions removes the common options from u's query, keeping the
// rest of the query as written, and returns their values. Its errors are
// *ConfigError and contain the redacted configuration only.
func takeCommonOptions(config string, u *url.URL) (commonOptions, error) {
	var c commonOptions
	if u.RawQuery == "" {
		return c, nil
	}
	fail := func(key, reason string) (commonOptions, error) {
		return c, &ConfigError{Config: Redact(config), Key: key, Reason: reason}
	}
	parts := strings.Split(u.RawQuery, "&")
	kept := parts[:0]
	for _, p := range parts {
		rk, rv, _ := strings.Cut(p, "=")
		k, err1 := url.QueryUnescape(rk)
		v, err2 := url.QueryUnescape(rv)
		if err1 != nil || err2 != nil || (k != OptionWatchPoll && k != OptionWatchLeftOpen) {
			kept = append(kept, p)
			continue
		}
		for _, g := range c.given {
			if g == k {
				return fail(k, "given twice")
			}
		}
		c.given = append(c.given, k)
		switch k {
		case OptionWatchPoll:
			d, err := time.ParseDuration(v)
			if err != nil || d < minWatchPoll || d > maxWatchPoll {
				return fail(k, fmt.Sprintf("want a duration from %v to %v such as 500ms, got %q", minWatchPoll, maxWatchPoll, v))
			}
			c.poll = d
		case OptionWatchLeftOpen:
			if v == "off" {
				c.leftOpen = -1
				break
			}
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > maxLeftOpen {
				return fail(k, fmt.Sprintf("want off or a duration up to %v such as 2m, got %q", maxLeftOpen, v))
			}
			c.leftOpen = d
		}
	}
	u.RawQuery = strings.Join(kept, "&")
	u.ForceQuery = false
	return c, nil
}

// apply sets the poll options the configuration gave; the configuration
// wins over the program's GuardOptions, because it is the more specific
// of the two (one bank's string against a program-wide default).
func (c commonOptions) apply(p *PollOptions) {
	if c.poll != 0 {
		p.Interval = c.poll
	}
	if c.leftOpen != 0 {
		p.LeftOpen = c.leftOpen
	}
}
