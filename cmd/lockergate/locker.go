package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/all" // every driver, by scheme
)

// lockerFlags are the flags both locker commands share.
type lockerFlags struct {
	driver  string
	timeout time.Duration
}

func (lf *lockerFlags) register(fs interface {
	StringVar(*string, string, string, string)
	DurationVar(*time.Duration, string, time.Duration, string)
}) {
	fs.StringVar(&lf.driver, "driver", "", "the bank's driver configuration, such as sim: or kerong+tcp://10.0.0.5:4001 (required)")
	fs.DurationVar(&lf.timeout, "timeout", 10*time.Second, "give up after this long")
}

// openDriver opens the bank named by --driver; its errors never repeat the
// configuration's secrets (lockers.Open redacts them).
func (lf *lockerFlags) openDriver(ctx context.Context) (lockers.Driver, error) {
	if lf.driver == "" {
		return nil, usagef("--driver is required (for example --driver sim: or --driver kerong+tcp://10.0.0.5:4001; drivers: %s)", strings.Join(lockers.Schemes(), ", "))
	}
	return lockers.Open(ctx, lf.driver)
}

// lockerStatus prints every compartment of a bank as a table, then the
// health of its controller boards. It exits 1 when any compartment has a
// fault or any board is offline, so that scripts can alert on it.
func lockerStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "locker status", "--driver CONFIG [--timeout 10s]")
	var lf lockerFlags
	lf.register(fs)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, lf.timeout)
	defer cancel()
	d, err := lf.openDriver(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	comps, err := d.Compartments(ctx)
	if err != nil {
		return fmt.Errorf("listing compartments: %s", plainError(err))
	}
	sts, err := d.StatusAll(ctx)
	if err != nil {
		return fmt.Errorf("reading the bank: %s", plainError(err))
	}
	byID := make(map[lockers.CompartmentID]lockers.Status, len(sts))
	for _, st := range sts {
		byID[st.Compartment] = st
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSIZE\tLOCK\tDOOR\tITEM\tFAULT")
	faults := 0
	for _, c := range comps {
		st, ok := byID[c.ID]
		fault := "-"
		switch {
		case !ok:
			fault = "not reported by the controller"
			faults++
		case st.Fault != nil:
			fault = shortFault(st.Fault)
			faults++
		}
		size := string(c.Size)
		if size == "" {
			size = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, size, st.Lock, st.Door, item(c, st), fault)
	}
	tw.Flush()

	h, err := d.Health(ctx)
	if err != nil {
		return fmt.Errorf("reading board health: %s", plainError(err))
	}
	fmt.Fprintln(e.stdout)
	offline := printHealth(e.stdout, h)
	fmt.Fprintf(e.stdout, "\n%s, %d with a fault, %s offline\n", plural(len(comps), "compartment"), faults, plural(offline, "board"))
	if faults > 0 || offline > 0 || !h.Online {
		return errSilent
	}
	return nil
}

// item describes the item sensor; compartments without one say so.
func item(c lockers.Compartment, st lockers.Status) string {
	if !c.Features.ItemSensor && st.Item == lockers.PresenceUnknown {
		return "no sensor"
	}
	return st.Item.String()
}

// printHealth prints one line per board and returns how many are offline.
func printHealth(w io.Writer, h lockers.Health) int {
	state := "online"
	if !h.Online {
		state = "OFFLINE"
	}
	fmt.Fprintf(w, "bank %s", state)
	if h.Detail != "" {
		fmt.Fprintf(w, ": %s", h.Detail)
	}
	fmt.Fprintln(w)
	offline := 0
	if len(h.Boards) == 0 {
		return 0
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BOARD\tSTATE\tCOMPARTMENTS\tLAST SEEN\tPROBLEM")
	for _, b := range h.Boards {
		state, problem := "online", "-"
		if !b.Online {
			state = "OFFLINE"
			offline++
			problem = "not answering: check its power and cable"
			if b.Err != nil {
				problem = plainError(b.Err)
			}
		}
		seen := "never"
		if !b.LastSeen.IsZero() {
			seen = b.LastSeen.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.Board, state, idRanges(b.Compartments), seen, problem)
	}
	tw.Flush()
	return offline
}

// idRanges shortens runs of numeric ids ("1-16"); other ids are listed.
func idRanges(ids []lockers.CompartmentID) string {
	var parts []string
	for i := 0; i < len(ids); {
		a, err := strconv.Atoi(string(ids[i]))
		j := i + 1
		if err == nil {
			for j < len(ids) {
				n, err := strconv.Atoi(string(ids[j]))
				if err != nil || n != a+(j-i) {
					break
				}
				j++
			}
		}
		if j-i > 2 {
			parts = append(parts, string(ids[i])+"-"+string(ids[j-1]))
		} else {
			for _, id := range ids[i:j] {
				parts = append(parts, string(id))
			}
		}
		i = j
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

// lockerOpen opens one compartment and reports what the hardware
// confirmed, or why not in words a field technician can act on.
func lockerOpen(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "locker open", "--driver CONFIG --compartment ID [--timeout 10s] [--id CMDID]")
	var lf lockerFlags
	lf.register(fs)
	var compartment, id string
	fs.StringVar(&compartment, "compartment", "", "the compartment to open, as labelled (required)")
	fs.StringVar(&id, "id", "", "command id for de-duplication (default: a new random id)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if compartment == "" {
		return usagef("--compartment is required")
	}
	if id == "" {
		var b [8]byte
		rand.Read(b[:])
		id = "cli-" + hex.EncodeToString(b[:])
	}
	ctx, cancel := context.WithTimeout(ctx, lf.timeout)
	defer cancel()
	d, err := lf.openDriver(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	cid := lockers.CompartmentID(compartment)
	res, err := d.Open(ctx, lockers.Command{ID: id, Compartment: cid, Issued: time.Now(), MaxAge: lf.timeout})
	if err != nil {
		fmt.Fprintf(e.stdout, "compartment %s did NOT open: %s\n", compartment, plainError(err))
		return errSilent
	}
	var seen []string
	if res.Status.Lock == lockers.LockReleased {
		seen = append(seen, "lock released")
	}
	if res.Status.Door == lockers.DoorOpen {
		seen = append(seen, "door open")
	}
	note := ""
	if res.Duplicate {
		note = fmt.Sprintf(" (command %s had already been carried out; the lock was not pulsed again)", id)
	}
	fmt.Fprintf(e.stdout, "compartment %s opened: %s, confirmed by the controller's sensors%s\n", compartment, strings.Join(seen, ", "), note)
	return nil
}

// plainError turns a driver error into a sentence a technician can act
// on, keeping the driver's own text (already free of secrets) at the end.
func plainError(err error) string {
	return faultWords(err) + " [" + err.Error() + "]"
}

// shortFault names a compartment's fault in a table cell.
func shortFault(err error) string {
	switch {
	case errors.Is(err, lockers.ErrOffline):
		return "board offline"
	case errors.Is(err, lockers.ErrJammed):
		return "lock jammed"
	case errors.Is(err, lockers.ErrTimeout):
		return "no answer"
	}
	return "fault: " + err.Error()
}

// faultWords says what a driver error means on site.
func faultWords(err error) string {
	switch {
	case errors.Is(err, lockers.ErrJammed):
		return "the lock did not release (jammed, frozen or faulty); check the lock and its wiring, and take the compartment out of service"
	case errors.Is(err, lockers.ErrOffline):
		return "the controller board does not answer; check its power, its address and the RS-485 or network cable"
	case errors.Is(err, lockers.ErrNotConfirmed):
		return "the controller took the command but no sensor showed the door open; check the door by hand, the lock or its sensor may be faulty"
	case errors.Is(err, lockers.ErrUnknownCompartment):
		return "this bank has no such compartment; run \"lockergate locker status\" to list them"
	case errors.Is(err, lockers.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "no answer in time; check the connection, or try a longer --timeout"
	case errors.Is(err, lockers.ErrStale):
		return "the command was too old to carry out safely"
	case errors.Is(err, lockers.ErrInvalidCommand):
		return "the command was refused as invalid"
	case errors.Is(err, lockers.ErrUnsupported):
		return "the hardware does not support this"
	case errors.Is(err, lockers.ErrClosed):
		return "the driver was closed"
	}
	return "the driver failed"
}

// plural writes a count with its noun, "1 board" or "3 boards".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
