package sip2server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// Tier 4: robustness. What a locker's connection meets in real life: line
// noise (bad checksums), lost responses (97), long-running connections
// (sequence numbers wrapping, idle periods), retried requests, and data
// that does not fit the usual sizes.

const robustnessTitle = "Tier 4: robustness"

func robustness(b *builder) {
	cfg := b.cfg
	g := b.group("robustness", robustnessTitle)

	// SIP2 2.00, error detection: a message whose checksum does not match
	// is answered with Request SC Resend (96), after which the SC sends it
	// again (sip2.md §1.2: "Bad checksum at ACS: reply 96").
	g.add(&conformance.Case{
		Title:       "A request with a bad checksum is answered with 96, and its resend with the answer",
		Requirement: "SC Status (99) with a wrong AZ is answered with Request SC Resend (96); the same request with the right AZ is then answered with 98.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if !cfg.ed() {
				return conformance.Skipf("error detection is off in this run")
			}
			good, seq := w.seal("9900402.00", true)
			msg := strings.TrimSuffix(string(good), "\r")
			az := msg[len(msg)-4:]
			bad := []byte(msg[:len(msg)-4] + flipHex(az) + "\r")
			r, err := w.raw(ctx, bad)
			if err != nil {
				return err
			}
			if r.cmd() != sip2.CmdRequestSCResend {
				return conformance.Failf("96 (Request SC Resend)", "%q: the ACS acted on a corrupted message", clip(r.raw, 12))
			}
			if r.frame != nil && r.frame.Seq >= 0 {
				t.Notef("the 96 carries AY%d; the spec's 96 has no sequence number", r.frame.Seq)
			}
			_, err = roundTrip(ctx, w, good, seq)
			return err
		}),
	})

	// SIP2 2.00, sequence number: "a single ASCII digit, 0 to 9"; the SC
	// increments it with each message and wraps from 9 to 0 (sip2.md §1.2;
	// SirsiDynix is reported to answer 96 forever to a client that does
	// not wrap). The ACS must accept the wrap.
	g.add(&conformance.Case{
		Title:       "Sequence numbers wrap from 9 to 0",
		Requirement: "Twelve SC Status requests on one connection, AY 1 to 9 then 0, 1, 2, are each answered with 98 and their own AY.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if !cfg.ed() {
				return conformance.Skipf("error detection is off in this run")
			}
			for i := 0; i < 12; i++ {
				if _, _, err := w.status(ctx); err != nil {
					return fmt.Errorf("request %d of 12: %w", i+1, err)
				}
			}
			return nil
		}),
	})

	// SIP2 2.00, variable-length fields carry "0 to 255 characters"; a
	// 255-character value is legal and must be answered like any other.
	g.add(&conformance.Case{
		Title:       "A 255-character field is answered",
		Requirement: "Patron Status (23) with a 255-character patron identifier (the longest SIP2 allows) is answered with 24.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronStatus); err != nil {
				return err
			}
			_, err := w.exchange(ctx, cfg.patronStatusReq(longID(sip2.MaxValueLen), "0000"))
			return err
		}),
	})

	// A value longer than the spec allows is the SC's error; the ACS
	// should answer it (24, or 96 to ask for a better message) and keep
	// the connection, rather than drop it: a locker would then lose its
	// session in the middle of a patron's visit.
	g.add(&conformance.Case{
		Title:       "A 300-character field does not cost the connection",
		Requirement: "Patron Status (23) with a 300-character patron identifier is answered with 24 or 96, and the connection then still answers SC Status (99).",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronStatus); err != nil {
				return err
			}
			body := "23001" + now().String() + "AO" + cfg.Institution + "|AA" + longID(300) + "|AC" + cfg.TerminalPassword + "|AD0000|"
			req, _ := w.seal(body, true)
			r, err := w.raw(ctx, req)
			if err != nil {
				return err
			}
			if c := r.cmd(); c != sip2.CmdPatronStatusResponse && c != sip2.CmdRequestSCResend {
				return conformance.Failf("24 or 96", "%q", clip(r.raw, 12))
			}
			_, _, err = w.status(ctx)
			return err
		}),
	})

	// SIP2 2.00, protocol rules: "|" is the field delimiter; a value that
	// contains one splits into a bogus field for every SC (sip2.md §6.12:
	// NYPL's e-mail "leona|rdr@|bar.com"). Evergreen escapes it, FOLIO
	// replaces it with a space. The suite asks for the responses with the
	// most text (every item list of 63, 17 for both items, 23) and checks
	// that each "|"-separated piece is a field and that AA and AB echo the
	// request.
	g.add(&conformance.Case{
		Title:       "Responses have no \"|\" inside a value",
		Requirement: "In 24, 64 (every summary) and 18, every piece between delimiters starts with a field ID (two upper-case letters or digits), and AA or AB equal the request's.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx); err != nil {
				return err
			}
			type probe struct {
				req     sip2.Message
				id, val string
			}
			var probes []probe
			if w.bx.Has(sip2.SupportsPatronStatus) {
				probes = append(probes, probe{cfg.patronStatusReq(cfg.Patron, cfg.PIN), "AA", cfg.Patron})
			}
			if w.bx.Has(sip2.SupportsPatronInformation) {
				probes = append(probes, probe{cfg.patronInfoReq(cfg.Patron, cfg.PIN, 0), "AA", cfg.Patron})
				for _, s := range summaries {
					probes = append(probes, probe{cfg.patronInfoReq(cfg.Patron, cfg.PIN, s.flag), "AA", cfg.Patron})
				}
			}
			if w.bx.Has(sip2.SupportsItemInformation) {
				for _, it := range []string{cfg.Item, cfg.HoldItem} {
					if it != "" {
						probes = append(probes, probe{cfg.itemInfoReq(it), "AB", it})
					}
				}
			}
			if len(probes) == 0 {
				return conformance.Skipf("the ACS supports none of 23, 63 and 17")
			}
			for _, p := range probes {
				r, err := w.exchange(ctx, p.req)
				if err != nil {
					return err
				}
				n, _ := r.cmd().FixedLen()
				parsed, _ := split(r.raw, n)
				if len(parsed.strays) > 0 {
					return conformance.Failf("only fields between the delimiters of "+string(r.cmd()),
						"%q, which is not a field: a value holds \"|\"", clip(maskedSegment(parsed.strays[0]), 24))
				}
				if v, _ := r.frame.Get(p.id); v != p.val {
					return conformance.Failf(fmt.Sprintf("%s%s in %s", p.id, p.val, r.cmd()), "%s%s", p.id, clip(v, 40))
				}
			}
			return nil
		}),
	})

	// SCs keep connections open for hours and send 99 every few minutes
	// (Koha's wiki: "every 5–7 mins"). After a quiet spell the ACS either
	// still answers or has closed the connection cleanly, so that the SC
	// reconnects; it must not leave a half-dead connection that swallows
	// requests, nor send anything unasked.
	g.add(&conformance.Case{
		Title:       "After an idle period the connection answers, or was closed cleanly",
		Requirement: "After the configured idle time without traffic, SC Status (99) is answered with 98, or the ACS has closed the connection (end of stream); no unsolicited bytes, no silence.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			idle := cfg.idle()
			t.Notef("staying idle for %s", idle)
			select {
			case <-time.After(idle):
			case <-ctx.Done():
				return ctx.Err()
			}
			// Anything waiting? A close shows as end of stream now.
			w.nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if _, err := w.br.Peek(1); err == nil {
				r, _ := w.read(ctx)
				return conformance.Failf("nothing while idle", "unsolicited %q", clip(r.rawOrEmpty(), 12))
			} else if cleanClose(err) {
				t.Notef("the ACS closed the idle connection")
				return nil
			}
			b, seq, err := w.encode(statusReq())
			if err != nil {
				return err
			}
			var f *ioFailure
			if err := w.write(ctx, b); err != nil {
				if errors.As(err, &f) && cleanClose(f.err) {
					t.Notef("the ACS had closed the idle connection")
					return nil
				}
				return err
			}
			r, err := w.read(ctx)
			if errors.As(err, &f) && f.partial == 0 && cleanClose(f.err) {
				t.Notef("the ACS had closed the idle connection")
				return nil
			}
			if err != nil {
				return err
			}
			return w.check(r, sip2.CmdACSStatus, seq)
		}),
	})

	// A message too short for its fixed part cannot be decoded; the
	// spec's answer to a message the ACS cannot use is 96.
	g.add(&conformance.Case{
		Title:       "A request cut short is answered with 96",
		Requirement: "Patron Status (23) whose fixed part is cut short (with a valid checksum) is answered with Request SC Resend (96).",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			req, _ := w.seal("23001"+now().String()[:10], true)
			r, err := w.raw(ctx, req)
			if err != nil {
				return err
			}
			if r.cmd() != sip2.CmdRequestSCResend {
				return conformance.Failf("96 (Request SC Resend)", "%q", clip(r.raw, 12))
			}
			return nil
		}),
	})
}

func (r *reply) rawOrEmpty() string {
	if r == nil {
		return ""
	}
	return r.raw
}

// cleanClose reports whether err is the peer having closed the connection
// (end of stream, or a reset or broken pipe that follows it).
func cleanClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// longID returns an identifier of n characters no library has.
func longID(n int) string {
	s := "LGCONF-LONG-"
	return s + strings.Repeat("9", max(n-len(s), 0))
}

// flipHex returns a different 4-hex-digit checksum.
func flipHex(az string) string {
	c := az[3]
	if c == '0' {
		return az[:3] + "1"
	}
	return az[:3] + "0"
}
