package lockers

import (
	"net/url"
	"sort"
	"strings"
)

// redacted replaces a secret in a configuration string.
const redacted = "REDACTED"

// secretKeys are query keys whose values are secrets. A key matches when,
// lower-cased and with "-" and "_" removed, it equals one of these or ends
// in one of the suffixes below.
var secretKeys = map[string]bool{
	"key": true, "apikey": true, "token": true, "accesstoken": true,
	"password": true, "passwd": true, "pass": true, "pwd": true,
	"secret": true, "clientsecret": true, "auth": true, "authorization": true,
	"pin": true, "code": true, "sig": true, "signature": true, "credential": true,
	"credentials": true, "bearer": true, "session": true, "cookie": true,
}

var secretSuffixes = []string{"key", "token", "password", "secret", "passwd", "pin"}

// IsSecretKey reports whether a configuration query key names a secret
// (key, token, password, api_key, clientSecret, ...), so that drivers
// and tools agree on what Redact hides.
func IsSecretKey(k string) bool {
	k = strings.ToLower(k)
	k = strings.NewReplacer("-", "", "_", "", ".", "").Replace(k)
	if secretKeys[k] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// Redact returns config with its secrets replaced by "REDACTED": the
// password of a user:password@ part (or a long lone user name, likely a
// token), the values of query keys that IsSecretKey reports (key=, token=,
// password=, ...) or that do not decode, and any fragment. It works on
// strings that do not parse as URLs too, because those are the ones that
// end up in error messages: the secret parts are found under several
// readings of the string (a password may hold an unescaped '?' or '#') and
// all of them are hidden. Every error and log line about a configuration
// string must use Redact.
func Redact(config string) string {
	spans := secretSpans(config)
	if len(spans) == 0 {
		return config
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(config[last:sp.from])
		b.WriteString(redacted)
		last = sp.to
	}
	b.WriteString(config[last:])
	return b.String()
}

type span struct{ from, to int }

// secretSpans returns the byte ranges of config that hold secrets, sorted
// and merged.
func secretSpans(config string) []span {
	var spans []span
	add := func(from, to int) {
		if to > from {
			spans = append(spans, span{from, to})
		}
	}
	// Userinfo, read over the whole string.
	if start, at, ok := userinfo(config); ok {
		user := config[start:at]
		if i := strings.IndexByte(user, ':'); i >= 0 {
			add(start+i+1, at)
		} else if looksLikeToken(user) {
			add(start, at)
		}
	}
	// Query values, from the first '?' to the first '#' after it.
	if q := strings.IndexByte(config, '?'); q >= 0 {
		end := len(config)
		if h := strings.IndexByte(config[q:], '#'); h >= 0 {
			end = q + h
		}
		i := q + 1
		for i <= end {
			j := i
			for j < end && config[j] != '&' && config[j] != ';' {
				j++
			}
			k, _, hasVal := strings.Cut(config[i:j], "=")
			dk, err := url.QueryUnescape(k)
			// A key that does not decode could be anything: hide its value.
			if hasVal && (err != nil || IsSecretKey(dk) || IsSecretKey(k)) {
				add(i+len(k)+1, j)
			}
			i = j + 1
		}
	}
	// A fragment has no meaning in a driver configuration; it can only be
	// a mistake, such as a '#' inside an unescaped password.
	if h := strings.IndexByte(config, '#'); h >= 0 {
		add(h+1, len(config))
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	merged := spans[:0]
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp.from <= merged[n-1].to {
			merged[n-1].to = max(merged[n-1].to, sp.to)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// userinfo locates the user[:password] part of config: it runs from just
// after "://" (or, in opaque forms such as "mqtt:user:pass@host", after
// the first ':') to the last '@'. Taking the last '@' rather than the
// authority's end hides too much when a path or query holds an '@', which
// is the safe way to be wrong.
func userinfo(config string) (start, at int, ok bool) {
	if i := strings.Index(config, "://"); i >= 0 {
		start = i + 3
	} else if i := strings.Index(config, ":"); i >= 0 {
		start = i + 1
		for start < len(config) && config[start] == '/' {
			start++
		}
	}
	at = strings.LastIndexByte(config, '@')
	if at < start {
		return 0, 0, false
	}
	return start, at, true
}

// looksLikeToken reports whether a user name without password is long
// and plain enough to be an access token rather than a name.
func looksLikeToken(user string) bool {
	return len(user) >= 16 && !strings.ContainsAny(user, "/?#&=")
}

// secretValues returns the secrets of config (as written and decoded), so
// that a driver's error text can be scrubbed of them.
func secretValues(config string) []string {
	var out []string
	for _, sp := range secretSpans(config) {
		v := config[sp.from:sp.to]
		if len(v) >= 3 {
			out = append(out, v)
			if d, err := url.QueryUnescape(v); err == nil && d != v && len(d) >= 3 {
				out = append(out, d)
			}
			if d, err := url.PathUnescape(v); err == nil && d != v && len(d) >= 3 {
				out = append(out, d)
			}
		}
	}
	return out
}

// scrub replaces every secret of config found in s, longest first, so
// that a secret containing another is replaced whole.
func scrub(s string, secrets []string) string {
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, redacted)
	}
	return s
}
