package sip2server

import (
	"context"
	"fmt"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// summaries are the 63 summary positions, each asking for one item list.
var summaries = []struct {
	flag  sip2.Summary
	name  string
	list  string // the field that carries the list
	count func(*sip2.PatronInformationResponse) (int, []string)
}{
	{sip2.SummaryHoldItems, "hold items", "AS", func(p *sip2.PatronInformationResponse) (int, []string) { return p.HoldItemsCount, p.HoldItems }},
	{sip2.SummaryOverdueItems, "overdue items", "AT", func(p *sip2.PatronInformationResponse) (int, []string) {
		return p.OverdueItemsCount, p.OverdueItems
	}},
	{sip2.SummaryChargedItems, "charged items", "AU", func(p *sip2.PatronInformationResponse) (int, []string) {
		return p.ChargedItemsCount, p.ChargedItems
	}},
	{sip2.SummaryFineItems, "fine items", "AV", func(p *sip2.PatronInformationResponse) (int, []string) { return p.FineItemsCount, p.FineItems }},
	{sip2.SummaryRecallItems, "recall items", "BU", func(p *sip2.PatronInformationResponse) (int, []string) {
		return p.RecallItemsCount, p.RecallItems
	}},
	{sip2.SummaryUnavailableHolds, "unavailable holds", "CD", func(p *sip2.PatronInformationResponse) (int, []string) {
		return p.UnavailableHoldsCount, p.UnavailableHoldItems
	}},
}

func patronInfo63(b *builder) {
	cfg := b.cfg
	g := b.group("patron-info-63", "Patron Information (63) and Patron Information Response (64)")

	// SIP2 2.00, Patron Information Response: "64<patron status><language>
	// <transaction date><hold items count><overdue items count><charged
	// items count><fine items count><recall items count><unavailable holds
	// count><AO institution id><AA patron identifier><AE personal name>
	// [BZ hold items limit][CA overdue items limit][CB charged items limit]
	// [BL valid patron][CQ valid patron password][BH currency type][BV fee
	// amount][CC fee limit][AS hold items][AT overdue items][AU charged
	// items][AV fine items][BU recall items][CD unavailable hold items][BD
	// home address][BE e-mail address][BF home phone number][AF screen
	// message][AG print line]"; counts are 4 digits (sip2.md §2.2, §2.3).
	g.add(&conformance.Case{
		Title:       "Patron Information Response (64) for every summary position",
		Requirement: "64 has the patron fixed fields and six 4-digit counts (or 4 blanks when unknown), then AO, AA and AE, whichever item list the summary asks for.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronInformation); err != nil {
				return err
			}
			if _, err := expect(ctx, t, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, 0), g64); err != nil {
				return err
			}
			for _, s := range summaries {
				if _, err := expect(ctx, t, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, s.flag), g64); err != nil {
					return fmt.Errorf("with the %s summary: %w", s.name, err)
				}
			}
			return nil
		}),
	})

	g.add(&conformance.Case{
		Title:       "Patron Information Response (64) for an unknown patron",
		Requirement: "64 for a patron ID the library does not know keeps the full layout: counts (digits or blanks), AO, AA and AE present.",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g64, func() sip2.Message { return cfg.patronInfoReq(unknownID, "0000", sip2.SummaryHoldItems) }),
	})

	// SIP2 2.00 defines the limits BZ, CA and CB as "4-char, fixed-length"
	// fields (Evergreen's harness: BZ ^\d{4}$).
	g.add(&conformance.Case{
		Title:       "Item limits BZ, CA and CB are 4 digits",
		Requirement: "When present, hold items limit (BZ), overdue items limit (CA) and charged items limit (CB) are 4-digit numbers such as 0050.",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronInformation); err != nil {
				return err
			}
			_, r, err := call[*sip2.PatronInformationResponse](ctx, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, 0))
			if err != nil {
				return err
			}
			for _, id := range []string{"BZ", "CA", "CB"} {
				for _, v := range r.frame.All(id) {
					if digitsN(4)(v) != "" {
						return conformance.Failf(id+" with 4 digits", "%s%s", id, v)
					}
				}
			}
			return nil
		}),
	})

	// Each count says how many items the matching list holds; an SC shows
	// the list the summary asked for, so the two must agree (the suite
	// sends no BP/BQ range).
	g.add(&conformance.Case{
		Title:       "Each count agrees with the list its summary position returns",
		Requirement: "With one summary position set and no BP/BQ range, the number of list fields (AS, AT, AU, AV, BU or CD) equals the matching count of the fixed part.",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronInformation); err != nil {
				return err
			}
			for _, s := range summaries {
				pi, _, err := call[*sip2.PatronInformationResponse](ctx, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, s.flag))
				if err != nil {
					return err
				}
				n, list := s.count(pi)
				if n >= 0 && n != len(list) {
					return conformance.Failf(fmt.Sprintf("%d %s fields (the %s count)", n, s.list, s.name), "%d", len(list))
				}
			}
			return nil
		}),
	})
}
