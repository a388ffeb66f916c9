package gateway

// outbox.go: delivery of ILS transactions and notifications, exactly once.
//
// Every ILS transaction (and every notification) is first written as an
// outbox entry in the same store transaction as the state change that
// causes it. A sender per Service delivers due entries, one at a time per
// topic ("item:<id>": a checkin never overtakes the checkout before it):
//
//	pending ──lease, mark sent (Attempts++), own Tx──► sent ──ILS answers──► done (Result)
//	   ▲                                                │
//	   │ ErrNotSent (never left): backoff               │ refused: failed + staff alert
//	   └────────────────────────────────────────────────┤ too old (GiveUpAfter): failed + alert
//	                                                    │ no answer (may have reached the ILS):
//	                                                    ▼ stays sent, backoff
//	failed ─RetryOutbox─► pending (or sent, if its last send went unanswered)
//	failed ─DismissOutbox (settled by hand)─► done
//	sent ──next attempt: ItemStatus──► checkout on loan / checkin not on loan: done (reconciled)
//	                                   otherwise: send again
//
// A workflow that needs the ILS's answer while a person waits (the checkin
// of a load, the checkout of an equipment loan, the checkouts of a pickup)
// leases its entry in the transaction that records it and delivers it
// itself; the sender takes over whatever it leaves. Interactive entries
// (load checkins, equipment checkouts) are not retried behind the person's
// back: a refusal or a send that never left ends them ("done", outcome
// "refused" or "abandoned"), and an equipment checkout whose fate is
// unknown is resolved by ItemStatus and then abandoned rather than resent.
//
// Leases: ClaimOutbox leases entries to this node for OutboxLease, so a node
// that dies mid-send holds its entries at most that long. An entry waiting
// on a backoff after an unanswered send stays "sent" and is leased to
// "backoff" until its next attempt, so that no node resends it early.
//
// A checkout is never undone with a SIP2 cancel: many ILSs read a cancel
// as a checkin and drop the patron from the hold list. Equipment whose door
// fails after its checkout is checked back in, through the outbox.
//
// Interlibrary loans (ill.go) add three operations on the item's topic, so
// that an AcceptItem reaches the ILS before the checkout of its item:
// ill_accept, ill_cancel and ill_delete go to the site's ILS through its
// ILLSystem; an ILS without one ends them done with the outcome
// "not_forwarded". An unanswered ILL send is sent again without asking
// (ItemStatus cannot tell, and an ILLSystem takes a repeat as success); a
// refusal fails the entry and alerts staff, as for the other operations.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// ilsPayload is the payload of checkout, checkin and ill_* entries.
type ilsPayload struct {
	Checkout *CheckoutRequest `json:"checkout,omitempty"`
	Checkin  *CheckinRequest  `json:"checkin,omitempty"`
	// ILL is what the ILS's ILLSystem needs for OpILLAccept, OpILLCancel
	// and OpILLDelete.
	ILL  *ILLItem `json:"ill,omitempty"`
	Bank string   `json:"bank,omitempty"`
	// Interactive marks a transaction a person waited for: it is never
	// retried behind their back (see the file comment).
	Interactive bool `json:"interactive,omitempty"`
}

// Outcomes recorded in an entry's Result.
const (
	outcomeOK         = "ok"
	outcomeReconciled = "reconciled"   // the ILS shows the transaction happened; not sent again
	outcomeRefused    = "refused"      // the ILS said no
	outcomeAbandoned  = "abandoned"    // an interactive transaction that did not happen
	outcomeGivenUp    = "given_up"     // retried for GiveUpAfter without success
	outcomeNoNotifier = "not_notified" // no Notifier configured
	outcomeDismissed  = "dismissed"    // a failed entry staff settled by hand
	// outcomeNotForwarded: an ill_* entry whose ILS does not implement
	// ILLSystem (any more): there is nobody to tell, which is not a
	// failure staff must see.
	outcomeNotForwarded = "not_forwarded"
)

// outboxResult is an entry's Result.
type outboxResult struct {
	Outcome  string          `json:"outcome"`
	Checkout *CheckoutResult `json:"checkout,omitempty"`
	Checkin  *CheckinResult  `json:"checkin,omitempty"`
	Status   *ItemStatus     `json:"status,omitempty"`
	Message  string          `json:"message,omitempty"`
	// Unknown is set on a failed entry given up while its last send was
	// unanswered: RetryOutbox then asks the ILS before sending again.
	Unknown bool `json:"unknown,omitempty"`
}

// replayAfter is the age beyond which a checkout or checkin is a replay
// (SIP2 no-block): the patron has had the item for a while already.
const replayAfter = 10 * time.Second

// backoffLease names the lease of an entry waiting on its backoff.
const backoffLease = "backoff"

// errGone reports that an entry was finished or taken over by another node.
var errGone = errors.New("outbox entry finished or taken over elsewhere")

// delivered is what one delivery attempt left.
type delivered struct {
	Entry  OutboxEntry
	Result outboxResult
	Err    error // the ILS's or notifier's error, when not done
	// Skipped: not attempted (an earlier entry of its topic is unfinished,
	// or another node or goroutine has it). An interactive entry skipped
	// because of its topic is withdrawn: it will never be sent.
	Skipped bool
	// Blocker is the unfinished older entry of the topic that held the
	// entry back, when that was why it was skipped.
	Blocker *OutboxEntry
	// RecordErr: the entry was sent but its outcome could not be
	// recorded; it stays sent (Entry) and is resolved by asking the ILS
	// once its lease runs out. Result holds what the ILS answered.
	RecordErr error
}

// Done reports whether the entry ended done.
func (d delivered) Done() bool { return d.Entry.State == OutboxDone }

// leaseInline records e (Enqueue) and leases it for delivery by the calling
// workflow. An entry that already existed (same Key) keeps its state; it is
// leased only if nobody else holds it.
func (s *Service) leaseInline(tx Tx, e *OutboxEntry) error {
	if err := tx.Enqueue(e); err != nil {
		return err
	}
	if e.State != OutboxPending && e.State != OutboxSent {
		return nil
	}
	now := s.now()
	if e.ClaimedBy != "" && e.ClaimedBy != s.inlineOwner && e.ClaimedUntil.After(now) {
		return nil
	}
	e.ClaimedBy, e.ClaimedUntil = s.inlineOwner, now.Add(s.cfg.OutboxLease)
	return tx.UpdateOutbox(e)
}

// startFlight marks an entry as being delivered by this process; false if
// it already is.
func (s *Service) startFlight(id int64) bool {
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	if s.inflight[id] {
		return false
	}
	s.inflight[id] = true
	return true
}

func (s *Service) endFlight(id int64) {
	s.inflightMu.Lock()
	delete(s.inflight, id)
	s.inflightMu.Unlock()
	s.idle.Broadcast()
}

// busy reports whether this process is claiming or delivering entries.
// The caller holds inflightMu.
func (s *Service) busyLocked() bool { return len(s.inflight) > 0 || s.claiming > 0 }

// waitIdle waits until this process delivers nothing, or ctx ends.
func (s *Service) waitIdle(ctx context.Context) error {
	return s.waitUntil(ctx, func() bool { return !s.busyLocked() })
}

// waitUntil waits until done (called with inflightMu held) holds, or ctx
// ends. Whatever changes what done reads broadcasts s.idle.
func (s *Service) waitUntil(ctx context.Context, done func() bool) error {
	stop := context.AfterFunc(ctx, func() {
		s.inflightMu.Lock()
		s.idle.Broadcast()
		s.inflightMu.Unlock()
	})
	defer stop()
	s.inflightMu.Lock()
	defer s.inflightMu.Unlock()
	for !done() {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.idle.Wait()
	}
	return nil
}

// wake makes the sender look for due entries now.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// deliverAsync delivers e (leased by owner) in the background and returns a
// channel that receives the outcome. The delivery runs under the Service's
// context, not the caller's: once an entry is marked sent, abandoning the
// send half-way would only make its outcome unknown.
func (s *Service) deliverAsync(e OutboxEntry, owner string) <-chan delivered {
	ch := make(chan delivered, 1)
	// In flight from now, before the goroutine runs, so that a Flush
	// meanwhile waits for it.
	if !s.startFlight(e.ID) {
		ch <- delivered{Entry: e, Skipped: true}
		return ch
	}
	ctx := s.background()
	go func() {
		defer s.endFlight(e.ID)
		ch <- s.deliverStarted(ctx, e, owner)
	}()
	return ch
}

// errNoAnswer: an inline delivery a person waits for took longer than
// awaitInline allows (see there).
var errNoAnswer = errors.New("the delivery did not finish in time")

// awaitInline delivers an interactive entry inline and waits for the
// outcome while the person waits: until ctx ends or, at the most, two ILS
// calls' time (a send and its records take one; a store or an ILS adapter
// that does not honour its context would otherwise hold the person for
// ever). When the wait ends first, the delivery goes on by itself and the
// result is Skipped with errNoAnswer: the caller settles the entry from
// its stored state, which the delivery's own records respect.
func (s *Service) awaitInline(ctx context.Context, e OutboxEntry) delivered {
	t := time.NewTimer(2 * s.cfg.ILSTimeout)
	defer t.Stop()
	select {
	case d := <-s.deliverAsync(e, s.inlineOwner):
		return d
	case <-ctx.Done():
		return delivered{Entry: e, Skipped: true, Err: ctx.Err()}
	case <-t.C:
		return delivered{Entry: e, Skipped: true, Err: errNoAnswer}
	}
}

// deliver makes one delivery attempt of an entry leased by owner.
func (s *Service) deliver(ctx context.Context, e OutboxEntry, owner string) delivered {
	if !s.startFlight(e.ID) {
		return delivered{Entry: e, Skipped: true}
	}
	defer s.endFlight(e.ID)
	return s.deliverStarted(ctx, e, owner)
}

// deliverStarted is deliver for an entry already marked in flight.
func (s *Service) deliverStarted(ctx context.Context, e OutboxEntry, owner string) delivered {
	log := s.log.WithFields(logrus.Fields{"outbox_id": e.ID, "op": e.Op, "item": e.Item})

	var p ilsPayload
	var n Notification
	var perr error
	if e.Op == OpNotify {
		perr = json.Unmarshal(e.Payload, &n)
		p.Bank = n.Bank
	} else {
		perr = json.Unmarshal(e.Payload, &p)
		if perr == nil && (e.Op == OpCheckout && p.Checkout == nil || e.Op == OpCheckin && p.Checkin == nil || isILLOp(e.Op) && p.ILL == nil) {
			perr = errors.New("payload lacks the request")
		}
	}
	if perr == nil && e.Op != OpNotify && e.Op != OpCheckout && e.Op != OpCheckin && !isILLOp(e.Op) {
		perr = fmt.Errorf("unknown operation %q", e.Op)
	}
	if perr != nil {
		// Unreadable: nothing can be sent; staff must see it.
		log.WithError(perr).Error("outbox entry unreadable")
		return s.record(ctx, e, p, outboxResult{Outcome: outcomeGivenUp, Message: "entry unreadable: " + perr.Error()}, Errorf(EREFUSED, "entry unreadable"), false)
	}

	if owner == s.inlineOwner {
		// The sender's claim keeps topic order; an inline delivery must
		// check it itself.
		blocker, err := s.topicBlocker(ctx, e)
		if err != nil || blocker != nil {
			if p.Interactive {
				// The person gets their answer now; the entry must not
				// go out later behind their back.
				s.withdraw(ctx, e.ID, owner, "not sent: an earlier transaction of the item was unfinished")
			} else {
				s.releaseLease(ctx, e.ID, owner)
				s.wake()
			}
			return delivered{Entry: e, Skipped: true, Err: err, Blocker: blocker}
		}
	} else if p.Interactive && e.State == OutboxPending {
		// Left pending by a workflow that died or gave up before sending
		// it: the person who waited for it has gone.
		return s.record(ctx, e, p, outboxResult{Outcome: outcomeAbandoned, Message: "not sent: the person who asked for it has gone"}, nil, true)
	}

	if e.State == OutboxSent && e.Op != OpNotify {
		res, resolved, err := s.resolveSent(ctx, e, p)
		if err != nil {
			log.WithError(err).Info("cannot ask the ILS about an unanswered send yet")
			return s.record(ctx, e, p, outboxResult{}, err, true)
		}
		if resolved {
			return s.record(ctx, e, p, res, nil, true)
		}
	}

	attemptsBefore := e.Attempts
	err := s.store.Tx(ctx, func(tx Tx) error {
		cur, err := tx.OutboxEntry(e.ID)
		if err != nil {
			return err
		}
		if cur.State == OutboxDone || cur.State == OutboxFailed || cur.ClaimedBy != owner {
			return errGone
		}
		cur.State = OutboxSent
		cur.Attempts++
		cur.ClaimedUntil = s.now().Add(s.cfg.OutboxLease)
		if err := tx.UpdateOutbox(cur); err != nil {
			return err
		}
		e = *cur
		return nil
	})
	if err != nil {
		if !errors.Is(err, errGone) {
			log.WithError(err).Error("marking outbox entry sent")
		}
		return delivered{Entry: e, Skipped: true}
	}
	if h := hookAfterMarkSent.Load(); h != nil {
		(*h)(e)
	}

	start := time.Now()
	res, sendErr := s.send(ctx, e, p, n, attemptsBefore)
	took := time.Since(start)
	d := s.record(ctx, e, p, res, sendErr, false)
	outcome := d.Result.Outcome
	if outcome == "" {
		outcome = string(d.Entry.State)
	}
	s.emit(Event{Type: "outbox", Site: e.Site, Bank: p.Bank, Item: e.Item, Patron: s.patronHash(e.Patron),
		Duration: took, Outcome: e.Op + ":" + outcome})
	log.WithFields(logrus.Fields{"state": d.Entry.State, "took": took}).Debug("outbox delivery")
	return d
}

// topicBlocker returns the oldest unfinished entry of e's topic older than
// e, or nil.
func (s *Service) topicBlocker(ctx context.Context, e OutboxEntry) (*OutboxEntry, error) {
	if e.Topic == "" {
		return nil, nil
	}
	var blocker *OutboxEntry
	err := s.store.View(ctx, func(tx Tx) error {
		blocker = nil
		es, err := tx.Outbox(OutboxFilter{Topic: e.Topic, States: []OutboxState{OutboxPending, OutboxSent, OutboxFailed}})
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(es, func(o OutboxEntry) bool { return o.ID < e.ID }); i >= 0 {
			blocker = &es[i]
		}
		return nil
	})
	return blocker, err
}

// withdraw ends a pending entry owner holds without sending it (done,
// outcome abandoned). An entry another owner holds, or one already sent,
// is left alone.
func (s *Service) withdraw(ctx context.Context, id int64, owner, why string) {
	err := s.store.Tx(ctx, func(tx Tx) error {
		cur, err := tx.OutboxEntry(id)
		if err != nil || cur.State != OutboxPending || cur.ClaimedBy != owner {
			return err
		}
		return s.abandonEntry(tx, cur, why)
	})
	if err != nil {
		s.log.WithError(err).WithField("outbox_id", id).Error("withdrawing an outbox entry; the sender abandons it once its lease runs out")
	}
}

// abandonEntry records a pending entry done without sending it.
func (s *Service) abandonEntry(tx Tx, e *OutboxEntry, why string) error {
	res, err := json.Marshal(outboxResult{Outcome: outcomeAbandoned, Message: why})
	if err != nil {
		return err
	}
	e.State, e.DoneAt, e.Result, e.ClaimedBy, e.ClaimedUntil = OutboxDone, s.now(), res, "", time.Time{}
	return tx.UpdateOutbox(e)
}

// mayHaveHappened reports whether an entry's transaction may have taken
// effect in the ILS: sent and unanswered, done with the ILS's yes (or its
// records showing it), or given up while unanswered.
func mayHaveHappened(e *OutboxEntry) bool {
	var res outboxResult
	_ = json.Unmarshal(e.Result, &res)
	switch e.State {
	case OutboxSent:
		return true
	case OutboxDone:
		return res.Outcome == outcomeOK || res.Outcome == outcomeReconciled
	case OutboxFailed:
		return res.Unknown
	}
	return false
}

// isInteractive reports whether an entry is one a person waited for.
func isInteractive(e *OutboxEntry) bool {
	var p ilsPayload
	return e != nil && e.Op != OpNotify && json.Unmarshal(e.Payload, &p) == nil && p.Interactive
}

// releaseLease gives up owner's lease on an entry it did not deliver.
func (s *Service) releaseLease(ctx context.Context, id int64, owner string) {
	err := s.store.Tx(ctx, func(tx Tx) error {
		cur, err := tx.OutboxEntry(id)
		if err != nil || cur.ClaimedBy != owner {
			return err
		}
		cur.ClaimedBy, cur.ClaimedUntil = "", time.Time{}
		return tx.UpdateOutbox(cur)
	})
	if err != nil {
		s.log.WithError(err).WithField("outbox_id", id).Error("releasing outbox lease")
	}
}

// resolveSent asks the ILS whether an unanswered send took effect. An ILL
// operation is not asked about: ItemStatus cannot tell whether an
// AcceptItem, CancelRequestItem or DeleteItem took effect, and an
// ILLSystem treats a repeat as success, so it is simply sent again.
func (s *Service) resolveSent(ctx context.Context, e OutboxEntry, p ilsPayload) (outboxResult, bool, error) {
	if isILLOp(e.Op) {
		return outboxResult{}, false, nil
	}
	ils, err := s.ils(e.Site)
	if err != nil {
		return outboxResult{}, false, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ILSTimeout)
	st, err := ils.ItemStatus(cctx, e.Item)
	cancel()
	if err != nil {
		if isCode(err, ENOTFOUND) {
			if e.Op == OpCheckout && p.Interactive {
				return outboxResult{Outcome: outcomeAbandoned, Message: "the ILS does not know the item; the patron has gone"}, true, nil
			}
			// The ILS does not know the item: a send gets a definite
			// answer.
			return outboxResult{}, false, nil
		}
		return outboxResult{}, false, err
	}
	onLoan := st.Circulation == ItemOnLoan
	switch {
	case e.Op == OpCheckout && onLoan:
		return outboxResult{Outcome: outcomeReconciled, Status: st, Message: "the ILS shows the item on loan"}, true, nil
	case e.Op == OpCheckin && !onLoan:
		return outboxResult{Outcome: outcomeReconciled, Status: st, Message: "the ILS shows the item not on loan"}, true, nil
	case e.Op == OpCheckout && p.Interactive:
		return outboxResult{Outcome: outcomeAbandoned, Status: st, Message: "the loan did not happen and the patron has gone"}, true, nil
	}
	return outboxResult{}, false, nil
}

// send performs the entry's operation.
func (s *Service) send(ctx context.Context, e OutboxEntry, p ilsPayload, n Notification, attemptsBefore int) (outboxResult, error) {
	replay := attemptsBefore > 0 || s.now().Sub(e.CreatedAt) > replayAfter
	if e.Op == OpNotify {
		return s.sendNotification(ctx, e, n)
	}
	ils, err := s.ils(e.Site)
	if err != nil {
		return outboxResult{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ILSTimeout)
	defer cancel()
	switch e.Op {
	case OpILLAccept, OpILLCancel, OpILLDelete:
		return s.sendILL(cctx, e.Op, ils, *p.ILL)
	case OpCheckout:
		req := *p.Checkout
		req.NoBlock = req.NoBlock || replay
		res, err := ils.Checkout(cctx, req)
		if err != nil {
			return outboxResult{}, err
		}
		return outboxResult{Outcome: outcomeOK, Checkout: res}, nil
	default: // OpCheckin, checked by deliver
		req := *p.Checkin
		req.NoBlock = req.NoBlock || replay
		res, err := ils.Checkin(cctx, req)
		if err != nil {
			return outboxResult{}, err
		}
		return outboxResult{Outcome: outcomeOK, Checkin: res}, nil
	}
}

// sendNotification delivers a notification, filling in the patron's
// details from the ILS when it answers (a notification recorded while the
// ILS was down carries the patron id only).
func (s *Service) sendNotification(ctx context.Context, e OutboxEntry, n Notification) (outboxResult, error) {
	if s.cfg.Notifier == nil {
		return outboxResult{Outcome: outcomeNoNotifier}, nil
	}
	if id := n.Patron.ID; id != "" && n.Patron.Email == "" && n.Patron.Phone == "" {
		if ils, err := s.ils(e.Site); err == nil {
			cctx, cancel := context.WithTimeout(ctx, min(s.cfg.ILSTimeout, 5*time.Second))
			p, err := ils.Patron(cctx, id)
			cancel()
			if err == nil && p != nil {
				n.Patron = *p
				if n.Patron.ID == "" {
					n.Patron.ID = id
				}
				if p.Language != "" {
					n.Language = p.Language
				}
			}
		}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ILSTimeout)
	defer cancel()
	if err := s.cfg.Notifier.Notify(cctx, n); err != nil {
		return outboxResult{}, err
	}
	return outboxResult{Outcome: outcomeOK}, nil
}

// record writes the outcome of an attempt. resolving is true when the entry
// was not sent this time (an ItemStatus check or its failure).
func (s *Service) record(ctx context.Context, e OutboxEntry, p ilsPayload, res outboxResult, sendErr error, resolving bool) delivered {
	var d delivered
	var alert *Alert
	var evs []Event
	err := s.store.Tx(ctx, func(tx Tx) error {
		alert, evs = nil, nil
		cur, err := tx.OutboxEntry(e.ID)
		if err != nil {
			return err
		}
		if cur.State == OutboxDone || cur.State == OutboxFailed {
			d = delivered{Entry: *cur, Skipped: true}
			return nil
		}
		now := s.now()
		res := res
		if sendErr != nil {
			cur.LastError = safeError(sendErr)
		}
		cur.ClaimedBy, cur.ClaimedUntil = "", time.Time{}
		notSent := errors.Is(sendErr, ErrNotSent)
		refused := isCode(sendErr, EREFUSED)
		wasSent := cur.State == OutboxSent
		retry := func(keepSent bool) {
			next := now.Add(s.backoff(cur.Attempts))
			cur.NextAttemptAt = next
			if keepSent {
				cur.State = OutboxSent
				cur.ClaimedBy, cur.ClaimedUntil = backoffLease, next
			} else {
				cur.State = OutboxPending
			}
		}
		switch {
		case sendErr == nil:
			cur.State, cur.DoneAt, cur.LastError = OutboxDone, now, ""
			if cur.Op == OpNotify {
				cur.Payload = withoutCode(cur.Payload)
			}
		case p.Interactive && refused:
			cur.State, cur.DoneAt = OutboxDone, now
			res = outboxResult{Outcome: outcomeRefused, Message: ErrorMessage(sendErr)}
		case p.Interactive && (notSent && !resolving || cur.Op == OpCheckin):
			// Never left, or a checkin whose repeat is harmless: the
			// person has the answer; nothing is owed to the ILS.
			cur.State, cur.DoneAt = OutboxDone, now
			res = outboxResult{Outcome: outcomeAbandoned, Message: "not carried out: " + cur.LastError}
		case refused:
			cur.State = OutboxFailed
			res = outboxResult{Outcome: outcomeRefused, Message: ErrorMessage(sendErr)}
		case now.Sub(cur.CreatedAt) >= s.cfg.GiveUpAfter:
			cur.State = OutboxFailed
			// Unknown when the transaction may have reached the ILS: sent
			// this time (and not certainly refused before leaving), or
			// sent before, this attempt having only asked about it.
			res = outboxResult{Outcome: outcomeGivenUp, Message: cur.LastError, Unknown: wasSent && (resolving || !notSent)}
		case notSent && !resolving, cur.Op == OpNotify:
			// Nothing reached the ILS (or it is a notification, whose
			// repeat the receiver de-duplicates by ID).
			retry(false)
		default:
			// It may have reached the ILS: ask before sending again.
			retry(true)
		}
		if cur.State == OutboxDone || cur.State == OutboxFailed {
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			cur.Result = b
		}
		if err := tx.UpdateOutbox(cur); err != nil {
			return err
		}
		action := cur.Op + "_" + string(cur.State)
		detail := res.Outcome
		if res.Message != "" {
			detail += ": " + res.Message
		}
		if cur.State == OutboxPending || cur.State == OutboxSent {
			action, detail = cur.Op+"_retry", fmt.Sprintf("attempt %d: %s; next at %s", cur.Attempts, cur.LastError, cur.NextAttemptAt.Format(time.RFC3339))
		}
		if err := s.audit(tx, AuditEvent{Actor: "system", Action: action, Bank: p.Bank, Item: cur.Item, Detail: detail}); err != nil {
			return err
		}
		if cur.State == OutboxFailed {
			a, err := tx.RaiseAlert(Alert{Kind: AlertOutboxFailed, Bank: p.Bank, RaisedAt: now,
				Message: fmt.Sprintf("%s of item %s given up (outbox entry %d): %s", cur.Op, cur.Item, cur.ID, detail)})
			if err != nil {
				return err
			}
			alert = a
		}
		if cur.Op == OpCheckin && cur.State == OutboxDone {
			// Where the ILS sends an item matters for equipment, which
			// lives in the locker (equipment.go).
			if evs, err = s.equipmentRouted(tx, cur.Item, res); err != nil {
				return err
			}
		}
		d = delivered{Entry: *cur, Result: res, Err: sendErr}
		return nil
	})
	if err != nil {
		s.log.WithError(err).WithField("outbox_id", e.ID).Error("recording outbox outcome; the lease runs out and the entry is retried")
		if resolving {
			return delivered{Entry: e, Err: sendErr, Skipped: true}
		}
		return delivered{Entry: e, Result: res, Err: sendErr, RecordErr: err}
	}
	if alert != nil {
		s.emit(Event{Type: "alert", Bank: alert.Bank, Outcome: alert.Kind, Message: alert.Message, Item: e.Item})
	}
	s.emit(evs...)
	return d
}

// backoff is the delay before attempt n+1.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// safeError is an error's text for LastError, bounded. The ILS adapter and
// the notifiers keep secrets out of their errors; the bound keeps a
// runaway message out of the database, and is cut at a rune boundary:
// PostgreSQL refuses text that is not valid UTF-8.
func safeError(err error) string { return truncate(err.Error(), 500) }

// withoutCode returns a notification payload without its pickup code.
func withoutCode(payload json.RawMessage) json.RawMessage {
	var n Notification
	if err := json.Unmarshal(payload, &n); err != nil {
		return nil // unreadable: better lost than leaking
	}
	if n.Code == "" {
		return payload
	}
	n.Code = ""
	b, err := json.Marshal(n)
	if err != nil {
		return nil
	}
	return b
}

// runSender delivers due entries every OutboxInterval, and at once when a
// workflow records one.
func (s *Service) runSender(ctx context.Context) {
	t := time.NewTicker(s.cfg.OutboxInterval)
	defer t.Stop()
	for {
		for {
			n, err := s.sendDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.WithError(err).Error("claiming outbox entries")
			}
			if n == 0 || err != nil || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// senderBatch and senderWorkers bound one claim and its parallel sends
// (entries of one batch have distinct topics).
const (
	senderBatch   = 16
	senderWorkers = 4
)

// sendDue claims due entries and delivers them; it returns how many it
// claimed.
func (s *Service) sendDue(ctx context.Context) (int, error) {
	// Claimed entries count as in flight from the claim on, so that a
	// Flush never sees them neither due nor in flight.
	s.inflightMu.Lock()
	s.claiming++
	s.inflightMu.Unlock()
	defer func() {
		s.inflightMu.Lock()
		s.claiming--
		s.inflightMu.Unlock()
		s.idle.Broadcast()
	}()
	var es []OutboxEntry
	err := s.store.Tx(ctx, func(tx Tx) error {
		var err error
		es, err = tx.ClaimOutbox(s.node, s.now(), s.cfg.OutboxLease, senderBatch)
		return err
	})
	if err != nil || len(es) == 0 {
		return 0, err
	}
	sem := make(chan struct{}, senderWorkers)
	var wg sync.WaitGroup
	work := s.background()
	for _, e := range es {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.deliver(work, e, s.node)
		})
	}
	wg.Wait()
	return len(es), nil
}

// Flush delivers every outbox entry that is due now and returns when none is
// left that can be delivered (the demo and tests use it instead of waiting).
// Entries waiting on a backoff are not due and do not hold it up. Sends run
// under the Service's context, so a Flush whose ctx ends leaves no send
// half-recorded.
func (s *Service) Flush(ctx context.Context) error {
	for {
		if err := s.waitIdle(ctx); err != nil {
			return err
		}
		var n int
		done := make(chan error, 1)
		go func() {
			var err error
			n, err = s.sendDue(s.background())
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		if n > 0 {
			continue
		}
		s.inflightMu.Lock()
		busy := s.busyLocked()
		s.inflightMu.Unlock()
		if !busy {
			return nil
		}
	}
}

// Outbox lists outbox entries for staff screens: notification payloads
// without their pickup codes, and every patron id (card number) in the
// entry, its payload and its result replaced by the keyed hash events
// carry. (The store keeps the card numbers: the ILS transactions need
// them.)
func (s *Service) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxEntry, error) {
	es, err := read(ctx, s.store, func(tx Tx) ([]OutboxEntry, error) { return tx.Outbox(f) })
	for i := range es {
		s.masked(&es[i])
	}
	return es, err
}

// masked strips an entry of its secrets for a listing (see Outbox). A
// payload or result it cannot read is dropped rather than shown.
func (s *Service) masked(e *OutboxEntry) {
	e.Patron = s.patronHash(e.Patron)
	remarshal := func(raw json.RawMessage, v any, fix func()) json.RawMessage {
		if len(raw) == 0 {
			return raw
		}
		if json.Unmarshal(raw, v) != nil {
			return nil
		}
		fix()
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		return b
	}
	if e.Op == OpNotify {
		var n Notification
		e.Payload = remarshal(e.Payload, &n, func() { n.Code, n.Patron.ID = "", s.patronHash(n.Patron.ID) })
	} else {
		var p ilsPayload
		e.Payload = remarshal(e.Payload, &p, func() {
			if p.Checkout != nil {
				p.Checkout.Patron = s.patronHash(p.Checkout.Patron)
			}
			if p.ILL != nil && p.ILL.Patron != "" {
				p.ILL.Patron = s.patronHash(p.ILL.Patron)
			}
		})
	}
	var res outboxResult
	e.Result = remarshal(e.Result, &res, func() {
		if res.Checkout != nil {
			res.Checkout.Patron = s.patronHash(res.Checkout.Patron)
		}
		if res.Checkin != nil && res.Checkin.Hold != nil {
			res.Checkin.Hold.Patron = s.patronHash(res.Checkin.Hold.Patron)
		}
	})
}

// OutboxDepth counts unfinished outbox entries by state.
func (s *Service) OutboxDepth(ctx context.Context) (map[OutboxState]int, error) {
	return read(ctx, s.store, func(tx Tx) (map[OutboxState]int, error) { return tx.OutboxDepth() })
}

// RetryOutbox puts a failed entry back: to pending, or, when its last send
// went unanswered, to sent, so that the ILS is asked before it is sent
// again. ENOTFOUND if unknown; ECONFLICT unless it failed.
func (s *Service) RetryOutbox(ctx context.Context, id int64, actor string) error {
	return s.settleFailed(ctx, id, actor, func(e *OutboxEntry, prev outboxResult) (string, string, error) {
		e.State = OutboxPending
		if prev.Unknown {
			e.State = OutboxSent
		}
		e.Result, e.NextAttemptAt = nil, s.now()
		return "outbox_retry", "retried by staff", nil
	})
}

// DismissOutbox closes a failed entry that staff settled by hand (at the
// ILS's own desk, say): it is recorded done with the outcome "dismissed"
// and stops holding up the later transactions of its item. ENOTFOUND if
// unknown; ECONFLICT unless it failed.
func (s *Service) DismissOutbox(ctx context.Context, id int64, actor string) error {
	actor = actorOr(actor)
	return s.settleFailed(ctx, id, actor, func(e *OutboxEntry, prev outboxResult) (string, string, error) {
		res, err := json.Marshal(outboxResult{Outcome: outcomeDismissed, Message: "settled by " + actor + "; was: " + prev.Outcome + " " + prev.Message})
		e.State, e.Result, e.DoneAt = OutboxDone, res, s.now()
		if e.Op == OpNotify {
			e.Payload = withoutCode(e.Payload)
		}
		return "outbox_dismissed", "settled by staff", err
	})
}

// settleFailed applies a staff action to a failed entry: fn changes the
// entry (prev is its recorded result) and names the audit action; the
// lease is cleared, the outbox-failed alerts clear when no entry is failed
// any more, and the sender looks at the entry's topic again. ENOTFOUND if
// unknown; ECONFLICT unless it failed.
func (s *Service) settleFailed(ctx context.Context, id int64, actor string, fn func(e *OutboxEntry, prev outboxResult) (action, detail string, err error)) error {
	actor = actorOr(actor)
	var left int
	err := s.store.Tx(ctx, func(tx Tx) error {
		e, err := tx.OutboxEntry(id)
		if err != nil {
			return err
		}
		if e.State != OutboxFailed {
			return Errorf(ECONFLICT, "outbox entry %d is %s, not failed", id, e.State)
		}
		var prev outboxResult
		_ = json.Unmarshal(e.Result, &prev)
		action, detail, err := fn(e, prev)
		if err != nil {
			return err
		}
		e.ClaimedBy, e.ClaimedUntil = "", time.Time{}
		if err := tx.UpdateOutbox(e); err != nil {
			return err
		}
		if left, err = s.clearOutboxAlertsIfNone(tx); err != nil {
			return err
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: action, Item: e.Item, Detail: fmt.Sprintf("entry %d (%s) %s", id, e.Op, detail)})
	})
	if err == nil {
		s.wake()
		if left == 0 {
			s.emit(Event{Type: "alert_cleared", Outcome: AlertOutboxFailed})
		}
	}
	return err
}

// clearOutboxAlertsIfNone clears the outbox-failed alerts when no entry is
// failed any more, and returns how many still are.
func (s *Service) clearOutboxAlertsIfNone(tx Tx) (int, error) {
	failed, err := tx.Outbox(OutboxFilter{States: []OutboxState{OutboxFailed}})
	if err != nil || len(failed) > 0 {
		return len(failed), err
	}
	banks, err := tx.Banks()
	if err != nil {
		return 0, err
	}
	for _, b := range append(banks, Bank{}) {
		if _, err := tx.ClearAlerts(AlertOutboxFailed, b.ID, "", s.now()); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// hookAfterMarkSent, when set (by tests), runs after an entry is marked sent
// and before it is sent: a test can stop the process there.
var hookAfterMarkSent atomic.Pointer[func(OutboxEntry)]
