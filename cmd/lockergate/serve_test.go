package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServe runs "lockergate serve" in-process on the zero-configuration
// setup with its data in dir, and returns the API's base URL (as the banner
// prints it) and a stop function returning the exit status.
func startServe(t *testing.T, dir string) (base string, out, errs *lockedBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errs = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data", dir}, &env{stdin: strings.NewReader(""), stdout: out, stderr: errs})
	}()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatalf("serve did not stop within 30s of its context ending:\n%s", out)
			return -1
		}
	}
	re := regexp.MustCompile(regexp.QuoteMeta(serveListening) + `(http://\S+)/api/v1 `)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, errs, stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d before listening:\n%s\n%s", code, out, errs)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no %q line within 30s:\n%s\n%s", serveListening, out, errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// get sends a GET with an optional bearer token and returns the status and
// body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// TestServeZeroConfig: serve with no configuration starts on the
// simulators, says so, answers on the address its banner gives with the
// tokens it wrote (mode 0600, never printed), keeps those tokens across a
// restart, and exits 0 when its context ends.
func TestServeZeroConfig(t *testing.T) {
	dir := t.TempDir()
	base, out, errs, stop := startServe(t, dir)
	for _, want := range []string{"running on embedded defaults", "SQLite " + filepath.Join(dir, "lockergate.db"), "bank LOCKER1", filepath.Join(dir, "tokens")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner does not say %q:\n%s", want, out)
		}
	}
	tokensFile := filepath.Join(dir, "tokens")
	fi, err := os.Stat(tokensFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v, want 0600", fi.Mode().Perm())
	}
	tokens := readTokens(t, tokensFile)
	if len(tokens) != 3 {
		t.Fatalf("tokens file holds %v, want kiosk, staff and admin", tokens)
	}
	if code, body := get(t, base+"/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz", ""); code != 200 {
		t.Errorf("/readyz: %d %s (the simulated ILS should answer)", code, body)
	}
	if code, _ := get(t, base+"/api/v1/banks", ""); code != 401 {
		t.Errorf("/api/v1/banks without a token: %d, want 401", code)
	}
	if code, body := get(t, base+"/api/v1/banks", tokens["staff"]); code != 200 || !strings.Contains(body, `"LOCKER1"`) {
		t.Errorf("/api/v1/banks with the staff token: %d %s", code, body)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after its context ended, want 0:\n%s", code, errs)
	}
	if !strings.Contains(out.String(), "shutting down") {
		t.Errorf("no word of shutting down:\n%s", out)
	}
	for role, tok := range tokens {
		if strings.Contains(out.String()+errs.String(), tok) {
			t.Errorf("the %s token was printed", role)
		}
	}

	// A restart on the same data keeps the tokens the kiosks were given.
	base, _, errs, stop = startServe(t, dir)
	if again := readTokens(t, tokensFile); again["staff"] != tokens["staff"] || again["kiosk"] != tokens["kiosk"] {
		t.Errorf("the tokens changed across a restart")
	}
	if code, _ := get(t, base+"/api/v1/banks", tokens["staff"]); code != 200 {
		t.Errorf("the first start's staff token is refused after a restart: %d", code)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after the restart's context ended:\n%s", code, errs)
	}
}

// readTokens reads the role-token lines of a tokens file.
func readTokens(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			tokens[f[0]] = f[1]
		}
	}
	return tokens
}

// TestServeUsage: serve's usage errors exit 2 naming the flag, before
// anything starts; a configuration file that cannot be read exits 1
// naming it.
func TestServeUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"serve", "--config", "x.yaml", "--data", t.TempDir()}, 2, "--data applies to the embedded defaults"},
		{[]string{"serve", "--listen", "nonsense", "--data", t.TempDir()}, 2, `--listen "nonsense"`},
		{[]string{"serve", "--listen", "127.0.0.1:99999", "--data", t.TempDir()}, 2, `--listen "127.0.0.1:99999"`},
		{[]string{"serve", "stray"}, 2, "lockergate serve"},
		{[]string{"serve", "--config", filepath.Join(t.TempDir(), "missing.yaml")}, 1, "missing.yaml"},
	}
	for _, tt := range tests {
		code, out, errs := runCmd(t, "", tt.args...)
		if code != tt.wantCode || !strings.Contains(errs, tt.wantErr) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, tt.wantCode, tt.wantErr)
		}
		if strings.Contains(out, serveListening) || strings.Contains(errs, "ils-sim:") {
			t.Errorf("%v: started something before refusing:\n%s\n%s", tt.args, out, errs)
		}
	}
}
