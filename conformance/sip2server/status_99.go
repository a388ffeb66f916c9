package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func status99(b *builder) {
	cfg := b.cfg
	g := b.group("status-99", "SC Status (99) and ACS Status (98)")

	// SIP2 2.00, ACS Status: "98<on-line status><checkin ok><checkout ok>
	// <ACS renewal policy><status update ok><off-line ok><timeout period>
	// <retries allowed><date / time sync><protocol version><AO institution
	// id><BX supported messages>[AM library name][AN terminal location]
	// [AF screen message][AG print line]"; the flags are Y/N, the periods
	// three digits, BX 16 Y/N characters (sip2.md §2.2, §2.5).
	g.add(&conformance.Case{
		Title:       "ACS Status (98): fixed part, AO and BX",
		Requirement: "98 has six Y/N flags, a 3-digit timeout period and retry count, an 18-character date, a protocol version like 2.00, then AO and BX (16 Y/N flags).",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			_, r, err := w.status(ctx)
			if r == nil {
				return err
			}
			if gerr := g98.verify(t, r, cfg.Charset); gerr != nil {
				return gerr
			}
			return err
		}),
	})

	// AO in 98 is the institution the ACS serves; an SC sends the same
	// value in its requests.
	g.add(&conformance.Case{
		Title:       "ACS Status (98) names the configured institution in AO",
		Requirement: "AO of 98 equals the institution ID the SC is configured with.",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if cfg.Institution == "" {
				return conformance.Skipf("no institution configured")
			}
			st, _, err := w.status(ctx)
			if err != nil {
				return err
			}
			if st.InstitutionID != cfg.Institution {
				return conformance.Failf("AO"+cfg.Institution, "AO%s", st.InstitutionID)
			}
			return nil
		}),
	})

	// The on-line status is Y when the ACS can process requests; an SC
	// switches to off-line mode (or shows "out of order") on N.
	g.add(&conformance.Case{
		Title:       "The ACS reports itself on-line",
		Requirement: "The on-line status of 98 is Y while the ACS serves requests.",
		Level:       conformance.Should,
		Run: onStatus(cfg, func(t *conformance.T, st *sip2.ACSStatusResponse) error {
			if !st.OnlineStatus {
				return conformance.Failf("on-line status Y", "N")
			}
			return nil
		}),
	})

	// BX lists the messages the ACS supports; it answers 93 and 99 (this
	// run just used them) and should say so, or SCs that trust BX disable
	// features the ACS has.
	g.add(&conformance.Case{
		Title:       "BX lists login and SC status, which the ACS answers",
		Requirement: "BX positions 'SC/ACS status' and 'login' are Y, since the ACS answers 99 and 93.",
		Level:       conformance.Should,
		Run: onStatus(cfg, func(t *conformance.T, st *sip2.ACSStatusResponse) error {
			for _, c := range []sip2.Command{sip2.CmdSCStatus, sip2.CmdLogin} {
				f, _ := sip2.SupportFor(c)
				if !st.SupportedMessages.Has(f) {
					return conformance.Failf("Y for "+c.String()+" in BX", "BX%s", st.SupportedMessages)
				}
			}
			return nil
		}),
	})
}
