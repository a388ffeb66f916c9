package sip2server

import (
	"context"
	"regexp"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// trailer matches the error-detection trailer of a message.
var trailer = regexp.MustCompile(`\|?(?:AY[0-9])?AZ[0-9A-Fa-f]{4}$`)

// withoutTrailer strips AY/AZ (and a "|" before them) from a message.
func withoutTrailer(raw string) string {
	if loc := trailer.FindStringIndex(raw); loc != nil {
		return raw[:loc[0]]
	}
	return raw
}

func resend(b *builder) {
	cfg := b.cfg
	g := b.group("robustness", robustnessTitle)

	// SIP2 2.00, Request ACS Resend (97): the SC asks the ACS to send its
	// last response again, having received it garbled. Koha drops the old
	// AY and recomputes AZ ("we aren't supposed to include a sequence
	// number, even if the original had one (p. 4)"); FOLIO and lockergate
	// resend the bytes unchanged (sip2.md §1.2). Both are accepted; which
	// one is noted.
	g.add(&conformance.Case{
		Title:       "Request ACS Resend (97) gets the last response again",
		Requirement: "After Item Information (17) is answered, 97 is answered with the same 18 again: identical except, at most, for the AY/AZ trailer, whose checksum is then valid.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdItemInformation); err != nil {
				return err
			}
			first, err := w.exchange(ctx, cfg.itemInfoReq(cfg.Item))
			if err != nil {
				return err
			}
			req, _ := w.seal("97", false)
			again, err := w.raw(ctx, req)
			if err != nil {
				return err
			}
			if again.cmd() != first.cmd() || withoutTrailer(again.raw) != withoutTrailer(first.raw) {
				return conformance.Failf("the last response (18) sent again", "%q", clip(again.raw, 24))
			}
			if cfg.ed() && again.frame != nil && again.frame.Verdict == sip2.ChecksumInvalid {
				return conformance.Failf("a valid checksum on the resent response", "AZ%s, want AZ%s", again.frame.Checksum, again.frame.ExpectedChecksum())
			}
			if again.raw == first.raw {
				t.Observef("resent byte for byte, AY included (FOLIO, lockergate)")
			} else {
				t.Observef("resent with a new trailer (Koha drops the AY of a resent response)")
			}
			return nil
		}),
	})
}
