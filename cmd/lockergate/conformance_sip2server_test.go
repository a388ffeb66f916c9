package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// conformanceLibrary is the demo library plus an account and a patron
// whose secrets are distinctive enough to search the output for. The PIN
// holds letters: an all-digit one turned up in the nanoseconds of a
// report's time stamps (1 run in a few hundred).
func conformanceLibrary() *sip2mem.Library {
	lib := sip2mem.NewDemo()
	lib.AddAccount(sip2mem.Account{User: "conftest", Password: "Pw-S3cret-77", Institution: "DEMO", Location: "MAIN"})
	lib.AddPatron(sip2mem.Patron{ID: "P9001", Name: "Test Patron", PIN: "Kx8642Q9"})
	return lib
}

func TestConformanceSIP2Server(t *testing.T) {
	srv := sip2test.NewServer(t, conformanceLibrary())
	t.Setenv("LG_TEST_SIP2_PW", "Pw-S3cret-77")
	t.Setenv("LG_TEST_SIP2_PIN", "Kx8642Q9")
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "report.json")

	code, out, errs := runSIP2Cmd(t, "conformance", "sip2-server", "--addr", srv.Addr, "--user", "conftest",
		"--password-env", "LG_TEST_SIP2_PW", "--institution", "DEMO", "--location", "MAIN",
		"--patron", "P9001", "--pin-env", "LG_TEST_SIP2_PIN", "--item", "I0002", "--hold-item", "I0012",
		"--blocked-patron", "P0003", "--exchange-timeout", "2s", "--idle", "100ms", "--timeout", "5s",
		"--json", jsonPath, "--target", "sip2mem demo")
	if code != 0 || !strings.Contains(out, "PASSED") {
		t.Fatalf("reference ACS: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"sip2mem demo", "framing/1", "robustness/9", "dialect/1"} {
		if !strings.Contains(out, want) {
			t.Errorf("the console report lacks %q", want)
		}
	}
	if !strings.Contains(errs, "robustness/9") {
		t.Errorf("no progress line for robustness/9 on stderr:\n%s", errs)
	}
	js, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js) || !strings.Contains(string(js), `"sip2-server"`) {
		t.Errorf("JSON report: %.200s", js)
	}
	// The JSON report holds every exchange; none may show a secret.
	for _, secret := range []string{"Pw-S3cret-77", "Kx8642Q9"} {
		if all := out + errs + string(js); strings.Contains(all, secret) {
			i := strings.Index(all, secret)
			t.Errorf("the output shows the secret %s: %q", secret, all[max(0, i-80):min(len(all), i+40)])
		}
	}
	if !strings.Contains(string(js), "CO****") || !strings.Contains(string(js), "AD****") {
		t.Errorf("the JSON evidence does not show the masked CO and AD fields")
	}

	// The same secrets given as flags are not echoed either, and a wrong
	// password makes every case an error: exit 1.
	code, out, errs = runSIP2Cmd(t, "conformance", "sip2-server", "--addr", srv.Addr, "--user", "conftest",
		"--password", "Wrong-S3cret-88", "--patron", "P9001", "--pin", "Kx8642Q9", "--item", "I0002", "--run", "status-99", "--quiet")
	if code != 1 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "refused the login") {
		t.Errorf("wrong password: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, secret := range []string{"Wrong-S3cret-88", "Kx8642Q9"} {
		if strings.Contains(out+errs, secret) {
			t.Errorf("the output shows the secret %s", secret)
		}
	}
}

func TestConformanceSIP2ServerList(t *testing.T) {
	code, out, _ := runSIP2Cmd(t, "conformance", "sip2-server", "--list", "--run", "framing")
	if code != 0 || !strings.Contains(out, "framing/6") || strings.Contains(out, "login-93/1") {
		t.Errorf("--list: exit %d\n%s", code, out)
	}
}

func TestConformanceSIP2ServerUsage(t *testing.T) {
	t.Setenv("LG_TEST_SIP2_PIN", "Kx8642Q9")
	base := []string{"--addr", "127.0.0.1:1", "--user", "u", "--password", "p", "--patron", "P1", "--pin", "1234", "--item", "I1"}
	without := func(flag string) []string {
		var out []string
		for i := 0; i < len(base); i += 2 {
			if base[i] != flag {
				out = append(out, base[i], base[i+1])
			}
		}
		return out
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no addr", without("--addr"), "--addr is required"},
		{"bad addr", append(without("--addr"), "--addr", "nohostport"), "want host:port"},
		{"no user", without("--user"), "--user is required"},
		{"no patron", without("--patron"), "--patron is required"},
		{"no pin", without("--pin"), "--pin or --pin-env is required"},
		{"no item", without("--item"), "--item is required"},
		{"pin twice", append(base, "--pin-env", "LG_TEST_SIP2_PIN"), "give --pin or --pin-env, not both"},
		{"unset env", append(without("--password"), "--password-env", "LG_TEST_UNSET_VARIABLE"), "LG_TEST_UNSET_VARIABLE is not set"},
		{"bad charset", append(base, "--charset", "ebcdic"), "--charset"},
		{"hold item is item", append(base, "--hold-item", "I1"), "--hold-item must differ from --item"},
		{"insecure without tls", append(base, "--insecure-skip-verify"), "need TLS"},
		{"bad exchange timeout", append(base, "--exchange-timeout", "0s"), "--exchange-timeout must be positive"},
		{"case shorter than idle", append(base, "--idle", "10s", "--timeout", "5s"), "must exceed --idle"},
		{"stray argument", append(base, "extra"), `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runSIP2Cmd(t, append([]string{"conformance", "sip2-server"}, tt.args...)...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q (stdout %q)", code, errs, tt.want, out)
			}
			if strings.Contains(out+errs, "Kx8642Q9") {
				t.Errorf("a usage error shows the PIN")
			}
		})
	}
}
