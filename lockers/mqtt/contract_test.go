package mqtt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/mqtt"
)

// decoders maps the prefix of a testdata file name to its decoder.
var decoders = map[string]func([]byte) error{
	"command":    func(b []byte) error { _, err := mqtt.DecodeCommand(b); return err },
	"response":   func(b []byte) error { _, err := mqtt.DecodeResponse(b); return err },
	"snapshot":   func(b []byte) error { _, err := mqtt.DecodeSnapshot(b); return err },
	"event":      func(b []byte) error { _, err := mqtt.DecodeEvent(b); return err },
	"heartbeat":  func(b []byte) error { _, err := mqtt.DecodeHeartbeat(b); return err },
	"connection": func(b []byte) error { _, err := mqtt.DecodeConnection(b); return err },
}

// TestExamplesDecode checks that every example payload of README.md (kept
// in testdata/valid) follows the contract.
func TestExamplesDecode(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) < len(decoders) {
		t.Fatalf("found %d example payloads, want at least one per message kind", len(files))
	}
	for _, f := range files {
		kind, _, _ := strings.Cut(filepath.Base(f), "_")
		kind = strings.TrimSuffix(kind, ".json")
		dec := decoders[kind]
		if dec == nil {
			t.Errorf("%s: no decoder for kind %q", f, kind)
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		kind, in, field, msg string
	}{
		{"command", `{"transaction_id":"t","action":"open","compartment":"1"}`, "message_id", "missing"},
		{"command", `{"message_id":"m","transaction_id":"t","action":"open","issued_at":"2026-01-01T00:00:00Z","expires_at":"2026-01-01T00:00:30Z"}`, "compartment", "missing"},
		{"command", `{"message_id":"m","transaction_id":"t","action":"open","compartment":"1","issued_at":"2026-01-01T00:00:30Z","expires_at":"2026-01-01T00:00:00Z"}`, "expires_at", "before issued_at"},
		{"command", `{"message_id":"m","transaction_id":"t","action":"reboot"}`, "action", `"reboot" is not one of open, status`},
		{"command", `{"message_id":7}`, "", `field "message_id" has the wrong type`},
		{"command", `{"message_id":"m"`, "", "invalid JSON"},
		{"command", `{} {}`, "", "trailing data"},
		{"response", `{"message_id":"m","result":"error"}`, "error_code", "missing"},
		{"response", `{"message_id":"m","result":"maybe"}`, "result", "not one of"},
		{"snapshot", `{"seq":1}`, "compartments", "missing"},
		{"snapshot", `{"compartments":[{"id":"1","lock":"latched","door":"closed"},{"id":"1","lock":"latched","door":"closed"}]}`, "compartments[1].id", `duplicate id "1"`},
		{"snapshot", `{"compartments":[{"id":"1","lock":"ajar","door":"closed"}]}`, "compartments[0].lock", "not one of"},
		{"event", `{"event_id":"e","type":"door_opened","compartment":"3","state":{"id":"4","lock":"released","door":"open"}}`, "state.id", "differs"},
		{"event", `{"event_id":"e","type":"door_exploded","compartment":"3"}`, "type", "not one of"},
		{"heartbeat", `{"interval_ms":0}`, "interval_ms", "not positive"},
		{"connection", `{"status":"sleepy"}`, "status", "not one of"},
	}
	for _, tt := range tests {
		err := decoders[tt.kind]([]byte(tt.in))
		var de *mqtt.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode %s %s = %v, want a *DecodeError", tt.kind, tt.in, err)
			continue
		}
		if de.Kind != tt.kind || de.Field != tt.field || !strings.Contains(de.Error(), tt.msg) || !strings.HasPrefix(de.Error(), "lockers/mqtt: ") {
			t.Errorf("Decode %s %s = %q (field %q), want field %q and %q", tt.kind, tt.in, de, de.Field, tt.field, tt.msg)
		}
	}
	big := make([]byte, mqtt.MaxPayload+1)
	if _, err := mqtt.DecodeSnapshot(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized payload: %v", err)
	}
}

// FuzzDecode feeds every decoder arbitrary payloads: none may panic, and a
// payload one accepts must survive a second decode of its re-encoding.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte(`{"compartments":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := mqtt.DecodeCommand(b); err == nil {
			roundTrip(t, c, func(b []byte) error { _, err := mqtt.DecodeCommand(b); return err })
		}
		if r, err := mqtt.DecodeResponse(b); err == nil {
			roundTrip(t, r, func(b []byte) error { _, err := mqtt.DecodeResponse(b); return err })
		}
		if s, err := mqtt.DecodeSnapshot(b); err == nil {
			roundTrip(t, s, func(b []byte) error { _, err := mqtt.DecodeSnapshot(b); return err })
		}
		if e, err := mqtt.DecodeEvent(b); err == nil {
			roundTrip(t, e, func(b []byte) error { _, err := mqtt.DecodeEvent(b); return err })
		}
		mqtt.DecodeHeartbeat(b)
		mqtt.DecodeConnection(b)
	})
}

// TestStateWordsAreLockersWords: toStatus reads the contract's state words
// with lockers' Parse functions, so they must be the words lockers prints.
func TestStateWordsAreLockersWords(t *testing.T) {
	if lockers.ParseLockState(mqtt.LockLatched) != lockers.LockLatched || lockers.ParseLockState(mqtt.LockReleased) != lockers.LockReleased ||
		lockers.ParseDoorState(mqtt.DoorOpen) != lockers.DoorOpen || lockers.ParseDoorState(mqtt.DoorClosed) != lockers.DoorClosed ||
		lockers.ParsePresence(mqtt.ItemEmpty) != lockers.PresenceEmpty || lockers.ParsePresence(mqtt.ItemOccupied) != lockers.PresenceOccupied {
		t.Fatal("a state word of the contract is not the one lockers uses")
	}
}
