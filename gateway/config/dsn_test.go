package config

import (
	"strings"
	"testing"
)

func TestDSNPasswords(t *testing.T) {
	tests := []struct {
		dsn  string
		want string // the password as meant; "" for none
	}{
		{"postgres://gw:pw1@db/lg", "pw1"},
		{"postgres://gw@db/lg?sslmode=require&password=pw%202", "pw 2"},
		{"host=db user=gw password=pw3 dbname=lg", "pw3"},
		{"host=db password = pw4 dbname=lg", "pw4"},
		{`host=db password='pw 5 \' x' dbname=lg`, `pw 5 ' x`},
		{`password=pw\ 6`, "pw 6"},
		{"host=db user=gw dbname=lg", ""},
		{"postgres://gw@db/lg?sslmode=disable", ""},
		{"./data/lockergate.db", ""},
		{"file:./data/lockergate.db?_pragma=busy_timeout(5000)", ""},
	}
	for _, tt := range tests {
		got := DSNPasswords(tt.dsn)
		if (tt.want == "") != (len(got) == 0) || tt.want != "" && !contains(got, tt.want) {
			t.Errorf("DSNPasswords(%s) = %q, want it to hold %q", tt.dsn, got, tt.want)
		}
		if dsnHasPassword(tt.dsn) != (tt.want != "") {
			t.Errorf("dsnHasPassword(%s) = %t", tt.dsn, !(tt.want != ""))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzDSNPasswords: any text is read without a panic or a hang, and a
// password written bare in a key=value DSN is found.
func FuzzDSNPasswords(f *testing.F) {
	for _, s := range []string{"host=db password=x", "postgres://u:p@h/d?password=q", `password='a\'b`, "a=b=c", "=", "'", `password=\`} {
		f.Add(s, "pw")
	}
	f.Fuzz(func(t *testing.T, dsn, pw string) {
		DSNPasswords(dsn)
		if pw == "" || strings.ContainsAny(pw, " \t\r\n'\\=") || strings.Contains(dsn, "://") {
			return
		}
		d := "host=db password=" + pw + " " + dsn
		if !contains(DSNPasswords(d), pw) {
			t.Errorf("DSNPasswords(%q) misses %q", d, pw)
		}
	})
}
