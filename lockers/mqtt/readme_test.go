package mqtt_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers/internal/drivertest"
	"github.com/lockergate/lockergate/lockers/mqtt"
)

// TestREADMEConfiguration parses every configuration string of README.md
// and checks its option table against the parser, both ways. The examples
// name an environment variable and a CA file that exist on a gateway, not
// here: the test provides both.
func TestREADMEConfiguration(t *testing.T) {
	t.Setenv("MQTT_PASSWORD", "pw-from-env")
	ca := writeCA(t)
	r := drivertest.ReadREADME(t, "README.md", "mqtt", "mqtts")
	for i, ex := range r.Examples {
		r.Examples[i] = strings.ReplaceAll(ex, "/etc/lockergate/broker-ca.pem", ca)
	}
	drivertest.CheckREADME(t, r, mqtt.ParseURL, "mqtts://broker/site/bank1", func(err error) bool {
		return err == nil || !strings.Contains(err.Error(), "unknown parameter")
	}, drivertest.SourceOptions(t, "config.go"))
}

// writeCA writes a self-signed CA certificate as PEM and returns its path.
func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test broker CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
