package sip2door

import (
	"context"
	"errors"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2"
)

// 3M alert types (CV) the door sends.
const (
	alertHoldHere  = "01" // hold for this library: into the locker (or the hold shelf)
	alertHoldOther = "02" // hold for another library: in transit
	alertHoldILL   = "03" // hold for ILL
	alertOther     = "99" // other / special handling
)

// lockerCheckin loads the item into bank b and describes the outcome as a
// 10. It never returns an error: every outcome, failures included, is an
// answer the station shows.
func (s *session) lockerCheckin(ctx context.Context, a *account, b Bank, req *sip2.CheckinRequest) *sip2.CheckinResponse {
	item := strings.TrimSpace(req.ItemID)
	r := &sip2.CheckinResponse{
		MagneticMedia:   sip2.TernaryUnknown,
		TransactionDate: s.now(),
		InstitutionID:   req.InstitutionID,
		ItemID:          req.ItemID,
	}
	if r.InstitutionID == "" {
		r.InstitutionID = a.Institution
	}
	log := s.log.WithFields(logrus.Fields{"bank": b.ID, "item": item})
	refuse := func(msg string) *sip2.CheckinResponse {
		r.ScreenMessage = []string{msg}
		return r
	}
	switch {
	case a.Institution != "" && req.InstitutionID != "" && req.InstitutionID != a.Institution:
		log.Warn("locker checkin names an institution other than the account's; refused")
		return refuse(msgWrongInstitution)
	case !a.allows(b.ID):
		log.Warn("locker checkin at a bank the account may not load; refused")
		return refuse("Not allowed: this station may not load locker " + b.ID + "; nothing was done.")
	case req.Cancel == sip2.FlagYes:
		// BI Y asks to undo an earlier checkin; a locker load cannot be
		// undone by the station (its door has opened, staff clear it).
		return refuse("A locker load cannot be cancelled from this station; nothing was done. Ask staff.")
	case item == "":
		return refuse("Item identifier missing; nothing was done.")
	}
	ctx, cancel := context.WithTimeout(ctx, s.d.timeout)
	defer cancel()
	res, err := s.d.cfg.Loader.Load(ctx, gateway.LoadRequest{Bank: b.ID, Item: item, Actor: "sip2:" + a.Login})
	if res != nil {
		r.TitleID = res.Title
		r.HoldPatronID = res.Patron
		r.HoldPatronName = res.PatronName
	}
	if err == nil && res != nil {
		r.OK, r.Resensitize, r.Alert = true, true, true
		r.SortBin = string(res.Compartment)
		r.DestinationLocation = b.Location
		r.AlertType = alertHoldHere
		if res.ILLRequest != "" {
			r.AlertType = alertHoldILL
		}
		msg := "Put item " + item + " in locker " + b.ID + " compartment " + string(res.Compartment)
		if res.Shared {
			msg += " (with the patron's other items)"
		}
		r.ScreenMessage = append(r.ScreenMessage, msg)
		if len(res.Reassigned) > 0 {
			ids := make([]string, len(res.Reassigned))
			for i, c := range res.Reassigned {
				ids[i] = string(c)
			}
			r.ScreenMessage = append(r.ScreenMessage, "Did not open: compartment "+strings.Join(ids, ", "))
		}
		if res.Screen != "" {
			r.ScreenMessage = append(r.ScreenMessage, res.Screen)
		}
		log.WithField("compartment", res.Compartment).Info("locker checkin: loading")
		return r
	}
	if err == nil {
		err = errors.New("the loader returned no result")
	}
	o := classify(err, b.ID)
	r.OK, r.Alert, r.AlertType = o.ok, o.ok, o.alert
	r.Resensitize = o.ok
	if o.ok && o.alert == alertHoldHere && ((res != nil && res.ILLRequest != "") || o.ill) {
		r.AlertType = alertHoldILL
	}
	if res == nil {
		// What the refusal knows of the item: a kiosk prints its slip
		// from a repeat's answer as from the first one's.
		r.TitleID, r.HoldPatronID, r.HoldPatronName = o.title, o.patron, o.patronName
	}
	r.SortBin = o.compartment
	if o.compartment != "" {
		r.DestinationLocation = b.Location
	}
	r.ScreenMessage = []string{o.message}
	entry := log.WithFields(logrus.Fields{"code": gateway.ErrorCode(err), "checked_in": o.ok})
	if gateway.ErrorCode(err) == gateway.EINTERNAL {
		entry.WithError(err).Error("locker checkin failed")
	} else {
		entry.Info("locker checkin not loaded: " + o.message)
	}
	return r
}

// outcome is what a failed load means for the checkin response.
type outcome struct {
	// ok: the item is checked in (by this load or by an earlier one), so
	// the response says ok 1 with an alert: the item needs handling other
	// than the locker it was meant for.
	ok bool
	// alert is the CV alert type when ok.
	alert string
	// compartment is where an earlier load put the item, if known.
	compartment string
	// message is the screen message (AF): the gateway's safe message,
	// which never holds a secret, with what the station is to do.
	message string
	// title (AJ) is the item's title when the gateway knows it; patron
	// and patronName (CY, DA) the hold patron an earlier load put the
	// item in its locker for (already loaded or being loaded).
	title, patron, patronName string
	// ill: an earlier load put the item in its locker for an
	// interlibrary loan (CV 03, as that load answered).
	ill bool
}

// classify maps a load error to the checkin response, from the typed
// facts gateway.Load gives: errors.Is(err, gateway.ErrCheckedIn) says the
// ILS checked the item in before the load failed, and a
// *gateway.LoadConflict says why an ECONFLICT refused it (for an item
// already loaded, or being loaded, where, and for whom). An item in a
// locker already (at this bank: bank) was checked in by the load that put
// it there: ok 1 naming its compartment, its title and hold patron, and
// CV 03 for an interlibrary loan, as the first answer did. Anything else without ErrCheckedIn is ok 0: a
// station must never be told that a checkin happened when it may not
// have.
func classify(err error, bank string) outcome {
	code, msg := gateway.ErrorCode(err), gateway.ErrorMessage(err)
	o := outcome{message: msg}
	var lc *gateway.LoadConflict
	if code != gateway.ECONFLICT || !errors.As(err, &lc) {
		lc = &gateway.LoadConflict{}
	}
	checkedIn := errors.Is(err, gateway.ErrCheckedIn)
	o.title = lc.Title
	switch {
	case lc.Reason == gateway.LoadAlreadyLoaded || lc.Reason == gateway.LoadBeingLoaded:
		o.ok, o.alert = true, alertHoldHere
		o.patron, o.patronName, o.ill = lc.Patron, lc.PatronName, lc.ILLRequest != ""
		if lc.Bank == "" || lc.Bank == bank {
			o.compartment = string(lc.Compartment)
		}
		o.message = "Already in the locker: " + msg
	case code == gateway.EINTERNAL && checkedIn:
		o.ok, o.alert = true, alertOther
		o.message = "Checked in, but not loaded: internal error. Ask staff."
	case code == gateway.EINTERNAL:
		o.message = "Not loaded: internal error. Ask staff."
	case !checkedIn:
		o.message = "Not loaded: " + msg
	case lc.Reason == gateway.LoadNoHold:
		o.ok, o.alert = true, alertOther
		o.message = "Checked in, but not loaded: " + msg + ". Return it to the shelf."
	case lc.Reason == gateway.LoadInTransit || lc.Reason == gateway.LoadHeldElsewhere:
		o.ok, o.alert = true, alertHoldOther
		o.message = "Checked in, but not loaded: " + msg
	case code == gateway.EDOOR:
		o.ok, o.alert = true, alertHoldHere
		o.message = "Checked in, but no compartment opened: " + msg
	case code == gateway.ENOSPACE:
		// Held here; the gateway's message says: the hold shelf.
		o.ok, o.alert = true, alertHoldHere
		o.message = "Checked in, but not loaded: " + msg
	default:
		o.ok, o.alert = true, alertOther
		o.message = "Checked in, but not loaded: " + msg
	}
	return o
}
