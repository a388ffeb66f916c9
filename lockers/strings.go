package lockers

import "strconv"

// String returns "unknown", "latched" or "released".
func (s LockState) String() string {
	switch s {
	case LockUnknown:
		return "unknown"
	case LockLatched:
		return "latched"
	case LockReleased:
		return "released"
	}
	return "LockState(" + strconv.Itoa(int(s)) + ")"
}

// String returns "unknown", "closed" or "open".
func (s DoorState) String() string {
	switch s {
	case DoorUnknown:
		return "unknown"
	case DoorClosed:
		return "closed"
	case DoorOpen:
		return "open"
	}
	return "DoorState(" + strconv.Itoa(int(s)) + ")"
}

// String returns "unknown", "empty" or "occupied".
func (p Presence) String() string {
	switch p {
	case PresenceUnknown:
		return "unknown"
	case PresenceEmpty:
		return "empty"
	case PresenceOccupied:
		return "occupied"
	}
	return "Presence(" + strconv.Itoa(int(p)) + ")"
}

// String returns the event type in words, such as "door opened".
func (t EventType) String() string {
	switch t {
	case EventDoorOpened:
		return "door opened"
	case EventDoorClosed:
		return "door closed"
	case EventDoorForced:
		return "door forced"
	case EventDoorLeftOpen:
		return "door left open"
	case EventBoardOffline:
		return "board offline"
	case EventBoardOnline:
		return "board online"
	case EventItemChanged:
		return "item changed"
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// ParseLockState is the inverse of LockState.String: "latched" or
// "released"; any other word, "unknown" included, is LockUnknown. Wire
// contracts that use these words (the MQTT and vendor API drivers') read
// them with it.
func ParseLockState(s string) LockState {
	switch s {
	case "latched":
		return LockLatched
	case "released":
		return LockReleased
	}
	return LockUnknown
}

// ParseDoorState is the inverse of DoorState.String: "closed" or "open";
// any other word is DoorUnknown.
func ParseDoorState(s string) DoorState {
	switch s {
	case "closed":
		return DoorClosed
	case "open":
		return DoorOpen
	}
	return DoorUnknown
}

// ParsePresence is the inverse of Presence.String: "empty" or
// "occupied"; any other word is PresenceUnknown.
func ParsePresence(s string) Presence {
	switch s {
	case "empty":
		return PresenceEmpty
	case "occupied":
		return PresenceOccupied
	}
	return PresenceUnknown
}
