package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConformanceLocker(t *testing.T) {
	dir := t.TempDir()
	jsonPath, junitPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")
	code, out, errOut := runCmd(t, "", "conformance", "locker", "--driver", "sim:?compartments=8&boardsize=4",
		"--timeout", "2s", "--door-wait", "1s", "--json", jsonPath, "--junit", junitPath, "--html", htmlPath)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "15 cases: 15 pass") || !strings.HasSuffix(out, "PASSED\n") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "[15/15] pass    faults/2") {
		t.Errorf("no progress line for the last case:\n%s", errOut)
	}
	var doc struct {
		Passed bool   `json:"passed"`
		Target string `json:"target"`
		Suite  struct{ Name string }
	}
	if err := json.Unmarshal(readFile(t, jsonPath), &doc); err != nil || !doc.Passed || doc.Suite.Name != "locker" || doc.Target != "sim:?compartments=8&boardsize=4" {
		t.Errorf("JSON: %+v %v", doc, err)
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(readFile(t, junitPath), &ju); err != nil || ju.Tests != 15 || ju.Failures != 0 {
		t.Errorf("JUnit: %+v %v", ju, err)
	}
	if h := string(readFile(t, htmlPath)); !strings.Contains(h, `class="banner passed">PASSED`) {
		t.Error("HTML certificate lacks the PASSED banner")
	}
}

func TestConformanceLockerExitStatus(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"missing --driver", nil, 2, "", "--driver is required"},
		{"stray argument", []string{"--driver", "sim:", "extra"}, 2, "", `unexpected argument "extra"`},
		{"empty compartment id", []string{"--driver", "sim:", "--compartments", "1,,2"}, 2, "", "has an empty id"},
		{"repeated compartment id", []string{"--driver", "sim:", "--compartments", "1,2,1"}, 2, "", "lists 1 twice"},
		{"unknown driver scheme", []string{"--driver", "bogus://x?key=s3cr3t"}, 2, "", `no driver for scheme "bogus" (drivers: `},
		{"unparsable driver", []string{"--driver", "://"}, 2, "", "--driver: lockers: driver config"},
		{"bad --door-wait", []string{"--driver", "sim:", "--door-wait", "0s"}, 2, "", "--door-wait must be positive"},
		{"--run selecting nothing", []string{"--driver", "sim:", "--run", "renew"}, 2, "", "selects none"},
		{"--list", []string{"--driver", "sim:", "--list"}, 0, "faults/2     must   A dead board", ""},
		{"a jammed lock fails", []string{"--driver", "sim:?compartments=8&jam=1", "--run", "open/1", "--timeout", "2s"}, 1,
			"open/1 [must] FAIL", "got: Open(1): lockers: open bank sim compartment 1: lock jammed"},
		{"chosen compartments", []string{"--driver", "sim:?compartments=8&jam=1", "--compartments", "5, 6", "--run", "open", "--timeout", "2s"}, 0,
			"3 cases: 3 pass", ""}, // compartment 1 is jammed, but not among those chosen
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"conformance", "locker"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errOut)
			}
		})
	}
}

// TestConformanceLockerKeepsSecrets: a password in the driver configuration
// appears in no output and no report.
func TestConformanceLockerKeepsSecrets(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := runCmd(t, "", "conformance", "locker", "--driver", "mqtt://gate:s3cr3t-pw@127.0.0.1:1/site/bank1",
		"--timeout", "1s", "--run", "inventory/1", "--json", jsonPath)
	if code != 1 {
		t.Errorf("exit %d, want 1 (unreachable)", code)
	}
	b, _ := os.ReadFile(jsonPath)
	for what, s := range map[string]string{"stdout": out, "stderr": errOut, "JSON": string(b)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("%s holds the password:\n%s", what, s)
		}
	}
	if !strings.Contains(out, "ERROR") || !strings.Contains(out, "cannot open the bank") {
		t.Errorf("stdout does not say the bank could not be opened:\n%s", out)
	}
}
