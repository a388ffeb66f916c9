package lockers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// OpenFunc opens a driver from its parsed configuration. The URL's scheme
// is the one the driver registered under; its query holds the driver's
// options. An OpenFunc must not put secrets from u into its errors; Open
// scrubs the ones it can recognise, as a second line of defence.
type OpenFunc func(ctx context.Context, u *url.URL) (Driver, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]OpenFunc{}
)

// Register makes a driver available to Open under scheme ("sim",
// "kerong+serial", "mqtt"). Drivers call it from their package's init.
// It panics if scheme is empty, not a valid URL scheme, registered twice,
// or open is nil, because each is a programming error found at start-up.
func Register(scheme string, open OpenFunc) {
	scheme = strings.ToLower(scheme)
	if !validScheme(scheme) {
		panic("lockers: Register: invalid scheme " + fmt.Sprintf("%q", scheme))
	}
	if open == nil {
		panic("lockers: Register: nil OpenFunc for scheme " + scheme)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("lockers: Register called twice for scheme " + scheme)
	}
	registry[scheme] = open
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for s := range registry {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ConfigError is a configuration string that Open could not use. Its
// message carries the redacted configuration only.
type ConfigError struct {
	Config string // the configuration, passed through Redact
	Key    string // the query key at fault, if any
	Reason string
	Err    error // the driver's error, scrubbed of secrets; may be nil
}

func (e *ConfigError) Error() string {
	s := "lockers: driver config " + fmt.Sprintf("%q", e.Config)
	if e.Key != "" {
		s += ": option " + e.Key
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Open opens the driver named by config's scheme and wraps it in Guard.
// config is URL-like:
//
//	sim:
//	sim:?compartments=24&sizes=S:12,M:8,L:4
//	kerong+serial:///dev/ttyUSB0?boards=2
//	kerong+tcp://10.0.0.5:4001
//	mqtt://broker:1883/site/bank1
//	modbus+tcp://10.0.0.6:502?unit=1
//	https://vendor.example/api?bank=LOCKER1&key_env=VENDOR_KEY
//
// Open itself handles the common options watch_poll and watch_leftopen
// (see OptionWatchPoll) for every driver and removes them before the
// driver parses the rest.
//
// Errors never contain secrets from config (see Redact): a failed parse
// is reported with the redacted string, and a driver's error has every
// recognised secret value replaced, keeping its error chain for errors.Is.
func Open(ctx context.Context, config string) (Driver, error) {
	return OpenWith(ctx, config, GuardOptions{})
}

// OpenWith is Open with options for the Guard. If opts.Bank is empty, it
// is set from config (host and path, without credentials or query). The
// common options in config override opts.Poll's fields.
func OpenWith(ctx context.Context, config string, opts GuardOptions) (Driver, error) {
	u, err := ParseConfig(config)
	if err != nil {
		return nil, err
	}
	common, err := takeCommonOptions(config, u)
	if err != nil {
		return nil, err
	}
	registryMu.RLock()
	open, ok := registry[u.Scheme]
	registryMu.RUnlock()
	if !ok {
		known := Schemes()
		reason := fmt.Sprintf("no driver for scheme %q", u.Scheme)
		if len(known) == 0 {
			reason += " (no drivers are linked in; import lockers/all)"
		} else {
			reason += " (known: " + strings.Join(known, ", ") + ")"
		}
		return nil, &ConfigError{Config: Redact(config), Reason: reason}
	}
	d, err := open(ctx, u)
	if err != nil {
		secrets := secretValues(config)
		if ce, ok := err.(*ConfigError); ok {
			// The driver said what is wrong in our terms; keep its words
			// but not its copy of the configuration, which may be raw.
			out := *ce
			out.Config = Redact(config)
			out.Key = scrub(out.Key, secrets)
			out.Reason = scrub(out.Reason, secrets)
			if out.Err != nil {
				out.Err = scrubError(out.Err, secrets)
			}
			return nil, &out
		}
		return nil, &ConfigError{Config: Redact(config), Err: scrubError(err, secrets)}
	}
	if d == nil {
		return nil, &ConfigError{Config: Redact(config), Reason: "driver returned no driver and no error"}
	}
	if len(common.given) > 0 {
		_, isW := d.(Watcher)
		if isW || opts.NoPoll {
			d.Close()
			why := "this driver reports its own events; the option tunes polling, which it does not use"
			if !isW {
				why = "the program turned polling off (GuardOptions.NoPoll)"
			}
			return nil, &ConfigError{Config: Redact(config), Key: common.given[0], Reason: why}
		}
		common.apply(&opts.Poll)
	}
	if opts.Bank == "" {
		opts.Bank = bankName(u)
	}
	return Guard(d, opts), nil
}

// ParseConfig parses a driver configuration string into a URL with a
// lower-case scheme, checking what every driver needs. Its errors are
// *ConfigError and contain the redacted string only.
func ParseConfig(config string) (*url.URL, error) {
	fail := func(key, reason string) error {
		return &ConfigError{Config: Redact(config), Key: key, Reason: reason}
	}
	if strings.TrimSpace(config) == "" {
		return nil, fail("", "empty; want a URL-like string such as sim: or kerong+tcp://10.0.0.5:4001")
	}
	for i := 0; i < len(config); i++ {
		if c := config[i]; c < 0x20 || c == 0x7f {
			return nil, fail("", fmt.Sprintf("control character 0x%02x at byte %d", c, i))
		}
	}
	scheme, _, ok := strings.Cut(config, ":")
	if !ok || scheme == "" {
		return nil, fail("", "no scheme; want scheme:... such as sim: or mqtt://broker:1883/site/bank1")
	}
	if !validScheme(strings.ToLower(scheme)) {
		return nil, fail("", "invalid scheme before ':'")
	}
	u, err := url.Parse(config)
	if err != nil {
		// url.Error quotes the whole input, secrets included; say only what
		// kind of problem it was.
		var ue *url.Error
		reason := "not a valid URL"
		if errors.As(err, &ue) {
			reason += ": " + describeURLError(ue.Err)
		}
		return nil, fail("", reason)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		key := ""
		for _, p := range strings.Split(u.RawQuery, "&") {
			k, v, _ := strings.Cut(p, "=")
			_, kerr := url.QueryUnescape(k)
			_, verr := url.QueryUnescape(v)
			if kerr != nil || verr != nil || strings.Contains(k, ";") {
				key = k
				if kerr != nil || IsSecretKey(k) {
					key = "" // the key itself may be garbage or leak a secret
				}
				break
			}
		}
		return nil, fail(key, "bad query escaping")
	}
	return u, nil
}

// describeURLError names a url package error without the input text.
func describeURLError(err error) string {
	var esc url.EscapeError
	var host url.InvalidHostError
	switch {
	case errors.As(err, &esc):
		return "bad %-escape"
	case errors.As(err, &host):
		return "invalid character in host"
	case err == nil:
		return "unknown problem"
	}
	msg := err.Error()
	// Messages like `invalid port ":x" after host` quote input; keep the
	// part before the first quote.
	if i := strings.IndexAny(msg, "\"'"); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	return msg
}

func validScheme(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// bankName is the name a bank gets in errors: where it is, never how to
// log in to it.
func bankName(u *url.URL) string {
	switch {
	case u.Host != "" || u.Path != "":
		return u.Host + u.Path
	case u.Opaque != "":
		if _, after, ok := strings.Cut(u.Opaque, "@"); ok {
			return after
		}
		return u.Opaque
	}
	return u.Scheme
}

// scrubError keeps err's chain (for errors.Is/As) but replaces its text
// when the text contains a secret.
func scrubError(err error, secrets []string) error {
	msg := err.Error()
	clean := scrub(msg, secrets)
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
