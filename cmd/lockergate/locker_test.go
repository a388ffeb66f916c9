package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestLockerStatus(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string // substrings of stdout
		wantErr  string   // substring of stderr
	}{
		{"healthy bank", []string{"--driver", "sim:?sizes=S:2,L:1&itemsensor=3"}, 0,
			[]string{"ID  SIZE  LOCK     DOOR    ITEM       FAULT", "1   S     latched  closed  no sensor  -", "3   L     latched  closed  empty      -",
				"1      online  1-3", "3 compartments, 0 with a fault, 0 boards offline"}, ""},
		{"a dead board", []string{"-driver=sim:?compartments=6&boardsize=3&offline=2"}, 1,
			[]string{"4   M     unknown  unknown  no sensor  board offline", "2      OFFLINE  4-6", "6 compartments, 3 with a fault, 1 board offline"}, ""},
		{"no driver", nil, 2, nil, "--driver is required"},
		{"stray argument", []string{"--driver", "sim:", "extra"}, 2, nil, `unexpected argument "extra"`},
		{"unknown scheme", []string{"--driver", "nosuch://h"}, 1, nil, `no driver for scheme "nosuch"`},
		{"bad option", []string{"--driver", "sim:?compartments=lots"}, 1, nil, "option compartments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", append([]string{"locker", "status"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestLockerOpen(t *testing.T) {
	const sim = "sim:?compartments=8&boardsize=4&jam=2&acknoopen=3&noack=4&offline=2&confirm=20ms"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"opens", []string{"--compartment", "1"}, 0, "compartment 1 opened: lock released, door open, confirmed", ""},
		{"opens without ack", []string{"--compartment", "4", "--id", "x-1"}, 0, "compartment 4 opened", ""},
		{"jammed", []string{"--compartment", "2"}, 1, "compartment 2 did NOT open: the lock did not release", ""},
		{"ack but no opening", []string{"--compartment", "3"}, 1, "did NOT open: the lock did not release", ""},
		{"board offline", []string{"--compartment", "6"}, 1, "the controller board does not answer", ""},
		{"unknown compartment", []string{"--compartment", "99"}, 1, "this bank has no such compartment", ""},
		{"no compartment", nil, 2, "", "--compartment is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"locker", "open", "--driver", sim}, tt.args...)
			code, out, errOut := runCmd(t, "", args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
		})
	}
	// No lock sensor: an acknowledged open that never shows is "not confirmed".
	code, out, _ := runCmd(t, "", "locker", "open", "--driver", "sim:?compartments=2&locksensor=false&acknoopen=1&confirm=20ms", "--compartment", "1")
	if code != 1 || !strings.Contains(out, "no sensor showed the door open") {
		t.Errorf("exit %d, stdout %q; want not-confirmed wording", code, out)
	}
}

// TestLockerSecretsNotEchoed runs both commands with secrets in the
// configuration string and checks no output repeats them.
func TestLockerSecretsNotEchoed(t *testing.T) {
	const secret = "Sup3rS3cretValue"
	configs := []string{
		"sim:?compartments=2&token=" + secret,
		"nosuch://admin:" + secret + "@10.0.0.5/?key=" + secret,
		"mqtt://user:" + secret + "@broker:99999/x",
		"https://vendor.invalid/api?api_key=" + secret + "%zz",
	}
	for _, cfg := range configs {
		for _, sub := range [][]string{{"status"}, {"open", "--compartment", "1"}} {
			args := append([]string{"locker"}, sub...)
			args = append(args, "--driver", cfg, "--timeout", "2s")
			code, out, errOut := runCmd(t, "", args...)
			if code == 0 {
				t.Errorf("%v succeeded", sub)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("locker %v leaks the secret:\nstdout: %s\nstderr: %s", sub, out, errOut)
			}
			if !regexp.MustCompile(`REDACTED|unknown option|no driver`).MatchString(errOut + out) {
				t.Errorf("locker %v: unexpected output %q %q", sub, out, errOut)
			}
		}
	}
}
