package config

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c := &Config{DataDir: dir}
	k1, err := c.LoadOrCreateSecret()
	if err != nil || len(k1) != 64 {
		t.Fatalf("first call: %q %v", k1, err)
	}
	st, err := os.Stat(filepath.Join(dir, SecretFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v (%v)", st.Mode().Perm(), err)
	}
	k2, err := c.LoadOrCreateSecret()
	if err != nil || string(k2) != string(k1) {
		t.Errorf("second call gave another key: %v", err)
	}
	// Concurrent first starts agree on one key.
	dir2 := t.TempDir()
	var wg sync.WaitGroup
	keys := make([]string, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := (&Config{DataDir: dir2}).LoadOrCreateSecret()
			if err != nil {
				t.Error(err)
			}
			keys[i] = string(k)
		}()
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("concurrent starts got different keys")
		}
	}
	// A file others can read is refused.
	os.Chmod(filepath.Join(dir, SecretFile), 0o644)
	if _, err := c.LoadOrCreateSecret(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable secret: %v", err)
	} else if strings.Contains(err.Error(), string(k1)) {
		t.Error("the secret is in the error")
	}
	// A short file is refused without showing it.
	os.WriteFile(filepath.Join(dir2, SecretFile), []byte("short-key\n"), 0o600)
	if _, err := (&Config{DataDir: dir2}).LoadOrCreateSecret(); err == nil || strings.Contains(err.Error(), "short-key") {
		t.Errorf("short secret: %v", err)
	}
	// secret_env wins.
	c2 := &Config{DataDir: dir, SecretEnv: "X", Secret: Secret(strings.Repeat("k", 40))}
	if k, err := c2.LoadOrCreateSecret(); err != nil || string(k) != strings.Repeat("k", 40) {
		t.Errorf("from secret_env: %v", err)
	}
	c2.Secret = "too-short"
	if _, err := c2.LoadOrCreateSecret(); err == nil || strings.Contains(err.Error(), "too-short") {
		t.Errorf("short secret_env: %v", err)
	}
}
