package lockers

import "testing"

// TestParseStatesInvertString: the wire words of the MQTT and vendor API
// contracts are read with the Parse functions, so each must undo String.
func TestParseStatesInvertString(t *testing.T) {
	for _, s := range []LockState{LockUnknown, LockLatched, LockReleased} {
		if got := ParseLockState(s.String()); got != s {
			t.Errorf("ParseLockState(%q) = %v", s.String(), got)
		}
	}
	for _, s := range []DoorState{DoorUnknown, DoorClosed, DoorOpen} {
		if got := ParseDoorState(s.String()); got != s {
			t.Errorf("ParseDoorState(%q) = %v", s.String(), got)
		}
	}
	for _, p := range []Presence{PresenceUnknown, PresenceEmpty, PresenceOccupied} {
		if got := ParsePresence(p.String()); got != p {
			t.Errorf("ParsePresence(%q) = %v", p.String(), got)
		}
	}
	if ParseLockState("LATCHED") != LockUnknown || ParseDoorState("") != DoorUnknown || ParsePresence("full") != PresenceUnknown {
		t.Error("an unknown word must read as unknown")
	}
}
