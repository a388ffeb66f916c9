package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// Case bodies. Most cases are one of a few shapes: the grammar of one
// response, a judgement of one decoded answer, a request the ACS must
// refuse, something done while the test item is on loan. These build
// them, so that a case says only its request and what it expects.

// A step is a case body run on a logged-in connection.
type step func(ctx context.Context, t *conformance.T, w *wire) error

// session wraps a step: it opens a connection, logs in, runs the step and
// closes the connection.
func session(cfg *Config, s step) func(context.Context, *conformance.T) error {
	return func(ctx context.Context, t *conformance.T) error {
		w, err := open(ctx, cfg, t)
		if err != nil {
			return err
		}
		defer w.close()
		return s(ctx, t, w)
	}
}

// expect sends req and checks the response's envelope and grammar.
func expect(ctx context.Context, t *conformance.T, w *wire, req sip2.Message, g *grammar) (*reply, error) {
	r, err := w.exchange(ctx, req)
	if err != nil {
		return r, err
	}
	return r, g.verify(t, r, w.cfg.Charset)
}

// grammarOf is the body of a grammar case: on a fresh connection, once BX
// says the ACS supports the request, it sends req() and checks the
// response against g. req is built when the case runs, for the
// transaction date.
func grammarOf(cfg *Config, g *grammar, req func() sip2.Message) func(context.Context, *conformance.T) error {
	return session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
		m := req()
		if err := w.need(ctx, m.Command()); err != nil {
			return err
		}
		_, err := expect(ctx, t, w, m, g)
		return err
	})
}

// ask is the body of a case about one answer: on a fresh connection, once
// BX says the ACS supports the request, it sends req() and judges the
// decoded response with check.
func ask[R sip2.Message](cfg *Config, req func() sip2.Message, check func(*conformance.T, R) error) func(context.Context, *conformance.T) error {
	return askGiven(cfg, nil, req, check)
}

// askGiven is ask for a request that names optional library data (the
// hold item, the blocked patron): fixture, called first, skips the case
// when that data is not configured.
func askGiven[R sip2.Message](cfg *Config, fixture func() error, req func() sip2.Message, check func(*conformance.T, R) error) func(context.Context, *conformance.T) error {
	return session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
		if fixture != nil {
			if err := fixture(); err != nil {
				return err
			}
		}
		m := req()
		if err := w.need(ctx, m.Command()); err != nil {
			return err
		}
		resp, _, err := call[R](ctx, w, m)
		if err != nil {
			return err
		}
		return check(t, resp)
	})
}

// onStatus is the body of a case about the ACS Status (98): it sends SC
// Status (99) on a fresh connection and judges the answer with check.
func onStatus(cfg *Config, check func(*conformance.T, *sip2.ACSStatusResponse) error) func(context.Context, *conformance.T) error {
	return session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
		st, _, err := w.status(ctx)
		if err != nil {
			return err
		}
		return check(t, st)
	})
}

// A refusalCase is a Checkout (11) or Renew (29) the ACS must answer with ok
// 0: an unknown patron or item, a wrong PIN, a blocked patron, an item
// that is not on loan or is held for someone else.
type refusalCase struct {
	// fixture, if set, skips the case when the optional library data the
	// request names is not configured.
	fixture func() error
	req     func() sip2.Message
	// lent is the item the request would lend or renew, checked in again
	// should the ACS accept it ("" for an item the library does not
	// have). When it is the test item, it is first checked in should an
	// earlier run have left it on loan, so that the request meets it on
	// the shelf; the hold item is left alone, as a checkin traps it.
	lent string
	// accepted is the failure: what an ok 1 has done.
	accepted string
	// noteWhy notes the ACS's screen message when it refuses.
	noteWhy bool
}

// mustRefuse is the body of a case whose request r the ACS must refuse.
func mustRefuse(cfg *Config, r refusalCase) func(context.Context, *conformance.T) error {
	return session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
		if r.fixture != nil {
			if err := r.fixture(); err != nil {
				return err
			}
		}
		m := r.req()
		if err := w.need(ctx, m.Command()); err != nil {
			return err
		}
		if r.lent != "" && r.lent == cfg.Item {
			if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
				return err
			}
		}
		resp, _, err := call[sip2.Message](ctx, w, m)
		if err != nil {
			return err
		}
		ok, screen := outcome(resp)
		if ok {
			if r.lent != "" {
				restore(ctx, cfg, t, r.lent)
			}
			return conformance.Failf("ok 0", "%s", r.accepted)
		}
		if r.noteWhy {
			t.Notef("refused: %s", refusal(screen))
		}
		return nil
	})
}

// outcome returns the ok flag and screen message of a circulation
// response.
func outcome(m sip2.Message) (ok bool, screen []string) {
	switch m := m.(type) {
	case *sip2.CheckoutResponse:
		return m.OK, m.ScreenMessage
	case *sip2.RenewResponse:
		return m.OK, m.ScreenMessage
	}
	return false, nil
}

// withLoan lends cfg.Item to cfg.Patron on w, checking it in first should
// it be on loan already, and runs then while it is lent. Whenever the ACS
// answered the checkout with a 12, whatever that said, the item is checked
// in again afterwards on a fresh connection.
func withLoan(ctx context.Context, t *conformance.T, w *wire, then func(*sip2.CheckoutResponse) error) error {
	cfg := w.cfg
	if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
		return err
	}
	co, r, err := checkoutItem(ctx, t, w, false)
	if lends(r) {
		defer restore(ctx, cfg, t, cfg.Item)
	}
	if err != nil {
		return err
	}
	return then(co)
}

// lends reports whether r, the answer to a checkout, is a Checkout
// Response: the item may then be on loan, whatever its ok says, and the
// case checks it in again.
func lends(r *reply) bool { return r != nil && r.cmd() == sip2.CmdCheckoutResponse }
