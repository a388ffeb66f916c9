package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretFile is the name, under DataDir, of the generated key for
// pickup-code hashes.
const SecretFile = "secret"

// minSecret is the shortest key the gateway accepts, in bytes.
const minSecret = 32

// LoadOrCreateSecret returns the key for pickup-code hashes: the value of
// secret_env when configured, else the contents of DataDir/secret, which
// it creates on first use (64 random hex characters, mode 0600, the
// directory 0700 if it must create it). The file must stay private: one
// readable by group or others is refused, since whoever reads it can
// test pickup codes offline against a copy of the database.
func (c *Config) LoadOrCreateSecret() ([]byte, error) {
	if c.Secret != "" {
		if len(c.Secret) < minSecret {
			return nil, fmt.Errorf("config: the secret in %s is %d bytes; at least %d are needed", c.SecretEnv, len(c.Secret), minSecret)
		}
		return []byte(c.Secret.Reveal()), nil
	}
	path := filepath.Join(c.DataDir, SecretFile)
	b, err := readSecretFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("config: create data directory: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("config: generate secret: %w", err)
	}
	key := hex.EncodeToString(raw)
	// Written to a temporary file, then linked into place: the link
	// fails if the file exists, so two processes starting together keep
	// the first one's key, and neither ever reads a half-written file.
	f, err := os.CreateTemp(c.DataDir, ".secret-*")
	if err != nil {
		return nil, fmt.Errorf("config: create secret: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("config: create secret: %w", err)
	}
	_, err = f.WriteString(key + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("config: write secret: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readSecretFile(path)
		}
		return nil, fmt.Errorf("config: create %s: %w", path, err)
	}
	return []byte(key), nil
}

func readSecretFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("config: %s is readable by others (mode %v): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < minSecret {
		return nil, fmt.Errorf("config: %s holds %d bytes; at least %d are needed (delete it to generate a new one, which invalidates pickup codes)", path, len(key), minSecret)
	}
	return []byte(key), nil
}
