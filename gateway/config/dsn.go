package config

import (
	"net/url"
	"strconv"
	"strings"
)

// quoted is s as %q writes it, without the quotes (errors often quote).
func quoted(s string) string { return strings.Trim(strconv.Quote(s), `"`) }

// DSNPasswords lists the password of a PostgreSQL DSN in every form an
// error may quote it: as written (escaped) and as meant. A URL carries it
// in its user info or a password= query parameter; a key=value string as
// password=VALUE, spaces allowed around "=", VALUE bare or in single
// quotes with backslash escapes (libpq's syntax).
func DSNPasswords(dsn string) []string {
	var out []string
	add := func(forms ...string) {
		for _, f := range forms {
			if f != "" {
				out = append(out, f, quoted(f), url.QueryEscape(f), url.PathEscape(f))
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if u.User != nil {
			if pw, ok := u.User.Password(); ok {
				add(pw)
			}
		}
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if k, v, _ := strings.Cut(kv, "="); k == "password" {
				pw, _ := url.QueryUnescape(v)
				add(v, pw)
			}
		}
		return out
	}
	for rest := dsn; ; {
		rest = strings.TrimLeft(rest, " \t\r\n")
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return out
		}
		key := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " \t\r\n")
		var raw, val strings.Builder
		if strings.HasPrefix(rest, "'") {
			i := 1
			for ; i < len(rest) && rest[i] != '\''; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					raw.WriteByte(rest[i])
					i++
				}
				raw.WriteByte(rest[i])
				val.WriteByte(rest[i])
			}
			rest = rest[min(i+1, len(rest)):]
		} else {
			i := 0
			for ; i < len(rest) && !strings.ContainsRune(" \t\r\n", rune(rest[i])); i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					raw.WriteByte(rest[i])
					i++
				}
				raw.WriteByte(rest[i])
				val.WriteByte(rest[i])
			}
			rest = rest[i:]
		}
		if strings.EqualFold(key, "password") {
			add(raw.String(), val.String())
		}
	}
}
