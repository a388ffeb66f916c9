package lockers_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/lockers"
)

var errFakeConfig = errors.New("fake driver refuses")

func init() {
	// fake+test: returns a fakeDriver; "fail" in the path makes it fail
	// with an error that (badly) quotes the whole URL, secrets included.
	lockers.Register("fake+test", func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		if u.Query().Get("cfgerr") != "" {
			return nil, &lockers.ConfigError{Config: u.String(), Key: "cfgerr", Reason: "bad value " + u.Query().Get("token")}
		}
		if strings.Contains(u.Path, "fail") || u.Query().Get("fail") != "" {
			return nil, fmt.Errorf("cannot use %s: %w", u.String(), errFakeConfig)
		}
		return &fakeDriver{}, nil
	})
}

func TestOpenPicksDriverAndGuards(t *testing.T) {
	d, err := lockers.Open(context.Background(), "FAKE+test://10.0.0.5:4001/bank?boards=2")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, ok := lockers.Unguard(d).(*fakeDriver); !ok {
		t.Fatalf("Open returned %T, want the fake driver inside a guard", lockers.Unguard(d))
	}
	_, err = d.Open(context.Background(), lockers.Command{Compartment: "1"})
	if !errors.Is(err, lockers.ErrInvalidCommand) {
		t.Errorf("Open without id through the registry: %v, want ErrInvalidCommand (not guarded?)", err)
	}
	var le *lockers.Error
	if errors.As(err, &le) && le.Bank != "10.0.0.5:4001/bank" {
		t.Errorf("bank name = %q, want host and path", le.Bank)
	}
}

func TestOpenErrors(t *testing.T) {
	const secret = "hunter2secret"
	tests := []struct {
		name   string
		config string
		want   string // substring of the error
	}{
		{"empty", "", "empty"},
		{"no scheme", "10.0.0.5:4001", "invalid scheme"},
		{"no colon", "justaword", "no scheme"},
		{"unknown scheme", "nosuch://x?token=" + secret, `no driver for scheme "nosuch"`},
		{"bad escape in password", "fake+test://u:" + secret + "%zz@host/", "not a valid URL"},
		{"bad port", "fake+test://u:" + secret + "@host:port/", "not a valid URL"},
		{"bad query escape", "fake+test://host/?key=" + secret + "%g1", "bad query escaping"},
		{"control char", "fake+test://host/\n?key=" + secret, "control character"},
		{"driver ConfigError quoting secrets", "fake+test://admin:" + secret + "@host/?cfgerr=1&token=" + secret, "option cfgerr: bad value REDACTED"},
		{"driver error quoting secrets", "fake+test://admin:" + secret + "@host/fail?api_key=" + secret, "fake driver refuses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := lockers.Open(context.Background(), tt.config)
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded", lockers.Redact(tt.config))
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error leaks the secret: %q", msg)
			}
			if strings.Count(msg, "driver config") > 1 {
				t.Errorf("error repeats the configuration: %q", msg)
			}
			if !strings.HasPrefix(msg, "lockers: ") {
				t.Errorf("error %q lacks the package prefix", msg)
			}
		})
	}
	_, err := lockers.Open(context.Background(), "fake+test://host/fail")
	if !errors.Is(err, errFakeConfig) {
		t.Errorf("driver error chain lost: %v", err)
	}
	_, err = lockers.Open(context.Background(), "fake+test://host/?fail=1&token="+secret)
	var ce *lockers.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, errFakeConfig) || strings.Contains(err.Error(), secret) {
		t.Errorf("scrubbed driver error: %v (ConfigError %v)", err, ce != nil)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sim:", "sim:"},
		{"sim:?compartments=24&sizes=S:12,M:8,L:4", "sim:?compartments=24&sizes=S:12,M:8,L:4"},
		{"https://vendor.example/api?key=abc123&site=5", "https://vendor.example/api?key=REDACTED&site=5"},
		{"https://vendor.example/api?api_key=abc&Token=t&clientSecret=s", "https://vendor.example/api?api_key=REDACTED&Token=REDACTED&clientSecret=REDACTED"},
		{"mqtt://user:pa55@broker:1883/site/bank1", "mqtt://user:REDACTED@broker:1883/site/bank1"},
		{"mqtt://user:p@ss@broker:1883/x", "mqtt://user:REDACTED@broker:1883/x"},
		{"mqtt://user@broker:1883/x", "mqtt://user@broker:1883/x"},
		{"https://0123456789abcdef0123@vendor/", "https://REDACTED@vendor/"},
		{"https://h/?password=a;b=c", "https://h/?password=REDACTED;b=c"},
		{"https://h/?%6Bey=x", "https://h/?%6Bey=REDACTED"},
		{"https://h/?pass%zz=x&key", "https://h/?pass%zz=REDACTED&key"},
		{"mqtt://u:x%zz@h/#frag", "mqtt://u:REDACTED@h/#REDACTED"},
		{"not a url at all", "not a url at all"},
	}
	for _, tt := range tests {
		if got := lockers.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegisterPanics(t *testing.T) {
	open := func(ctx context.Context, u *url.URL) (lockers.Driver, error) { return nil, nil }
	for _, tt := range []struct {
		name   string
		scheme string
		open   lockers.OpenFunc
	}{
		{"duplicate", "fake+test", open},
		{"empty", "", open},
		{"bad scheme", "9x", open},
		{"nil func", "fake+nil", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			lockers.Register(tt.scheme, tt.open)
		})
	}
	found := false
	for _, s := range lockers.Schemes() {
		found = found || s == "fake+test"
	}
	if !found {
		t.Errorf("Schemes() = %v, lacks fake+test", lockers.Schemes())
	}
}

// FuzzOpen feeds arbitrary configuration strings: Open must not panic,
// and its error must be a *ConfigError with the package prefix.
func FuzzOpen(f *testing.F) {
	for _, s := range []string{
		"", "sim:", "sim:?compartments=24&sizes=S:12,M:8,L:4", "kerong+serial:///dev/ttyUSB0?boards=2",
		"kerong+tcp://10.0.0.5:4001", "mqtt://broker:1883/site/bank1", "modbus+tcp://10.0.0.6:502?unit=1",
		"https://vendor.example/api?key=abc", "fake+test://u:p@h/fail?token=t", "a:%", "x://[::1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, config string) {
		d, err := lockers.Open(context.Background(), config)
		if err == nil {
			d.Close()
			return
		}
		var ce *lockers.ConfigError
		if !errors.As(err, &ce) {
			t.Fatalf("Open(%q) error %T %v is not a *ConfigError", config, err, err)
		}
		_ = lockers.Redact(config)
	})
}

// FuzzOpenSecrets places a marked secret where configurations carry them
// and checks that no error repeats it.
func FuzzOpenSecrets(f *testing.F) {
	f.Add("fake+test://host/fail", "s3cret", uint8(0))
	f.Add("nosuch://host/x", "tok", uint8(1))
	f.Add("fake+test://host:bad/", "pw", uint8(2))
	f.Add("fake+test://h/%zz", "x", uint8(3))
	f.Fuzz(func(t *testing.T, base, raw string, where uint8) {
		secret := "ZQXV" + raw + "VXQZ" // a marker that cannot occur by chance
		var config string
		switch where % 4 {
		case 0:
			config = base + sep(base) + "key=" + url.QueryEscape(secret)
		case 1:
			config = base + sep(base) + "access_token=" + url.QueryEscape(secret) + "&fail=1"
		case 2:
			scheme, rest, ok := strings.Cut(base, "://")
			if !ok {
				return
			}
			config = scheme + "://" + url.UserPassword("admin", secret).String() + "@" + rest
		case 3:
			config = base + sep(base) + "password=" + url.QueryEscape(secret) + "&x=%zz"
		}
		d, err := lockers.Open(context.Background(), config)
		if err == nil {
			d.Close()
			return
		}
		for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("Open(%q): error %q contains the secret", config, err)
			}
		}
		if strings.Contains(lockers.Redact(config), "ZQXV") {
			t.Fatalf("Redact(%q) = %q keeps the secret", config, lockers.Redact(config))
		}
	})
}

func sep(s string) string {
	if strings.Contains(s, "?") {
		return "&"
	}
	return "?"
}
