// Package drivertest holds test helpers shared by several driver packages:
// planting secrets in configuration strings for fuzz targets and checking
// that errors do not repeat them, running configuration tables, and
// checking a driver's README.md against its configuration parser. It is
// imported by tests only.
package drivertest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/lockers"
)

// Secret marks raw as a planted secret. The markers make a match in an
// error message impossible by chance, and reveal a secret quoted only in
// part.
func Secret(raw string) string { return markOpen + raw + markClose }

const (
	markOpen  = "ZQXV"
	markClose = "VXQZ"
)

// Plant puts secret into config where configurations carry secrets,
// chosen by where: 0 the password of a user:password@ part (only for
// configs with "://"), 1 the value of query key (which the caller fuzzes;
// the secret is only secret when lockers.IsSecretKey(key)), 2 token=,
// 3 password=. It reports whether the secret landed where it must be
// hidden; when it did not, callers still run the parser but do not check.
func Plant(config, key, secret string, where uint8) (string, bool) {
	switch where % 4 {
	case 0:
		scheme, rest, ok := strings.Cut(config, "://")
		if !ok {
			return config, false
		}
		return scheme + "://" + url.UserPassword("admin", secret).String() + "@" + rest, true
	case 1:
		if key == "" {
			key = "key"
		}
		return config + sep(config) + url.QueryEscape(key) + "=" + url.QueryEscape(secret), lockers.IsSecretKey(key)
	case 2:
		return config + sep(config) + "token=" + url.QueryEscape(secret), true
	default:
		return config + sep(config) + "password=" + url.QueryEscape(secret), true
	}
}

func sep(s string) string {
	if strings.Contains(s, "?") {
		return "&"
	}
	return "?"
}

// NoSecret fails t when msg (an error message of config) holds secret as
// written, query-escaped or path-escaped, or holds the start of the
// secret's marker that config has only once, i.e. part of the secret.
func NoSecret(t testing.TB, config, msg, secret string) {
	t.Helper()
	for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		if strings.Contains(msg, s) {
			t.Fatalf("config %q: error %q contains the secret %q", config, msg, secret)
		}
	}
	if strings.Count(config, markOpen) == 1 && strings.Count(secret, markOpen) == 1 && strings.Contains(msg, markOpen) {
		t.Fatalf("config %q: error %q contains part of the secret %q", config, msg, secret)
	}
}

// FuzzParse is the body of a driver's configuration fuzz target. Each
// input is a configuration (seeded from seeds) with a secret planted by
// Plant; parse must not panic, an error must start with prefix and must
// not repeat the secret, and parse itself checks what it accepted (with
// t.Fatalf) and returns its error.
func FuzzParse(f *testing.F, prefix string, seeds []string, parse func(t *testing.T, u *url.URL) error) {
	for i, s := range seeds {
		f.Add(s, "apikey", "hunter2", uint8(i))
	}
	f.Fuzz(func(t *testing.T, base, key, raw string, where uint8) {
		secret := Secret(raw)
		config, check := Plant(base, key, secret, where)
		u, err := url.Parse(config)
		if err != nil {
			return
		}
		if err := parse(t, u); err != nil {
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Fatalf("%q: error %q lacks the prefix %q", config, err, prefix)
			}
			if check {
				NoSecret(t, config, err.Error(), secret)
			}
		}
	})
}
