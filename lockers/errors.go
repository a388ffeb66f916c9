package lockers

import (
	"errors"
	"fmt"
)

// Sentinel errors. Drivers wrap them in *Error; callers test with errors.Is.
var (
	// ErrUnknownCompartment: the bank has no compartment with that id.
	ErrUnknownCompartment = errors.New("unknown compartment")
	// ErrJammed: the lock did not release, or the door is stuck.
	ErrJammed = errors.New("lock jammed")
	// ErrOffline: the board or controller does not answer.
	ErrOffline = errors.New("controller offline")
	// ErrTimeout: the hardware did not answer in time.
	ErrTimeout = errors.New("timeout")
	// ErrNotConfirmed: the controller acknowledged an open, but no status
	// read or event showed the lock released or the door open.
	ErrNotConfirmed = errors.New("open not confirmed")
	// ErrStale: the command is older than its maximum age.
	ErrStale = errors.New("command too old")
	// ErrInvalidCommand: the command lacks an id or issue time.
	ErrInvalidCommand = errors.New("invalid command")
	// ErrClosed: the driver has been closed.
	ErrClosed = errors.New("driver closed")
	// ErrUnsupported: the compartment or bank lacks the hardware for the
	// request (a light, a charging outlet).
	ErrUnsupported = errors.New("not supported by this hardware")
)

// Error is a driver failure with its context: which operation, on which bank
// and compartment.
type Error struct {
	Op          string        // "open", "status", "status all", "health", "compartments"
	Bank        string        // the driver's name for the bank (e.g. its address)
	Compartment CompartmentID // empty when not about one compartment
	Err         error         // one of the Err… sentinels, or a transport error
}

func (e *Error) Error() string {
	s := "lockers: " + e.Op
	if e.Bank != "" {
		s += " bank " + e.Bank
	}
	if e.Compartment != "" {
		s += fmt.Sprintf(" compartment %s", e.Compartment)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }
