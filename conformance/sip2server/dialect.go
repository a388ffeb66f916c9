package sip2server

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// The profile group: behaviours on which real ILSs differ and SCs have to
// be configured per ILS (sip2.md §0.5 "Sorta Standard", §5, §6). Each case
// observes one and reports it with T.Observef, naming the ILSs known to
// behave that way, so that reports show the finding next to the verdict;
// none of them fails.

func dialect(b *builder) {
	cfg := b.cfg
	g := b.group("dialect", "Profile: ILS dialect (notes, never failures)")
	add := func(source, title, req string, run func(ctx context.Context, t *conformance.T) error) {
		g.add(&conformance.Case{Title: title, Requirement: req, Level: conformance.Profile, Source: source, Run: run})
	}

	// sip2.md §0.4: "Koha's default output terminator is CRLF unless
	// terminator=\"CR\"".
	add("sip2.md §0 (finding 4), §5.1 (terminator), §6 (pain point 4)",
		"Terminator: CR, or CRLF (Koha's default)",
		"Reports the terminator the ACS sends. The spec says CR; Koha sends CRLF unless the account sets terminator=\"CR\".",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			for range 2 {
				if _, _, err := w.status(ctx); err != nil {
					return err
				}
			}
			switch {
			case w.sawBareLF:
				t.Observef("terminator: LF (not SIP2)")
			case w.sawCRLF:
				t.Observef("terminator: CRLF, as Koha's default account; SCs must accept an LF after the CR")
			default:
				t.Observef("terminator: CR, as the spec says (Evergreen, FOLIO, lockergate; Koha with terminator=\"CR\")")
			}
			return nil
		}))

	// sip2.md §1: "AH due date: variable field, not guaranteed to be SIP
	// date format" (Evergreen, Koha, ceridwen).
	add("sip2.md §1 (AH due date), §6 (pain point 9)",
		"Due date (AH) format in Checkout Response",
		"Reports whether AH is a SIP2 date (YYYYMMDDZZZZHHMMSS) or free text: Evergreen sends \"2011-10-28 23:59:59\", Koha a locale date; the spec does not fix it.",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout); err != nil {
				return err
			}
			return withLoan(ctx, t, w, func(co *sip2.CheckoutResponse) error {
				if sipDate(co.DueDate) == "" {
					t.Observef("AH is a SIP2 date: %q", co.DueDate)
				} else {
					t.Observef("AH is free text, %q: SCs must show it as is (Evergreen, Koha)", co.DueDate)
				}
				return nil
			})
		}))

	// sip2.md §1.2: Koha resends "without a sequence number, even if the
	// original had one"; FOLIO replays the bytes.
	add("sip2.md §1.2 (97 received)",
		"Resent response (97): AY kept or dropped",
		"Reports whether a response resent after 97 keeps its AY (FOLIO, lockergate) or drops it and gets a new checksum (Koha, after the spec's p. 4).",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if !cfg.ed() {
				return conformance.Skipf("error detection is off in this run")
			}
			if _, _, err := w.status(ctx); err != nil {
				return err
			}
			req, _ := w.seal("97", false)
			r, err := w.raw(ctx, req)
			if err != nil {
				return err
			}
			switch {
			case r.frame == nil || r.cmd() != sip2.CmdACSStatus:
				t.Observef("97 was answered with %q, not the last response", clip(r.raw, 8))
			case r.frame.Seq >= 0:
				t.Observef("the resent response keeps AY%d", r.frame.Seq)
			default:
				t.Observef("the resent response has no AY (Koha)")
			}
			return nil
		}))

	// sip2.md §6.7: "CQ present/absent ambiguity" (Palace, FOLIO SIP2-221).
	add("sip2.md §6 (pain point 7: CQ present or absent)",
		"CQ when no PIN is sent",
		"Reports whether Patron Status (23) without a PIN carries CQ: lockergate's reference and Koha leave it out, some ILSs send CQ N (then an SC must not read it as a wrong PIN).",
		ask(cfg, func() sip2.Message { return cfg.patronStatusReq(cfg.Patron, "") },
			func(t *conformance.T, ps *sip2.PatronStatusResponse) error {
				t.Observef("without a PIN: %s, %s", flagText("CQ", ps.ValidPatronPassword), flagText("BL", ps.ValidPatron))
				return nil
			}))

	// sip2.md §2.3: AJ in 10 is optional, "Bibliotheca kiosks require it
	// (FOLIO PR #26)".
	add("sip2.md §2.3 (message 10, AJ), §4",
		"Title (AJ) in Checkin Response",
		"Reports whether 10 carries the title (AJ). The spec makes it optional; Bibliotheca kiosks require it (FOLIO PR #26).",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckin); err != nil {
				return err
			}
			if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
				return err
			}
			ci, _, err := call[*sip2.CheckinResponse](ctx, w, cfg.checkinReq(cfg.Item))
			if err != nil {
				return err
			}
			if ci.TitleID != "" {
				t.Observef("10 carries AJ")
			} else {
				t.Observef("10 has no AJ: Bibliotheca kiosks need it")
			}
			if ci.OK {
				t.Observef("a checkin of an item not on loan is answered ok 1 (screen message %s)", refusal(ci.ScreenMessage))
			} else {
				t.Observef("a checkin of an item not on loan is answered ok 0 (screen message %s)", refusal(ci.ScreenMessage))
			}
			return nil
		}))

	// sip2.md §1: "Some servers allow 99 before login (Evergreen
	// allow_sc_status_then_login, SIP2Mediator)".
	add("sip2.md §1 (login / status flow)",
		"SC Status (99) before login",
		"Reports whether the ACS answers 99 before 93: Evergreen (allow_sc_status_then_login) and SIP2Mediator do; most close the connection or ignore it.",
		func(ctx context.Context, t *conformance.T) error {
			w, err := dial(ctx, cfg, t)
			if err != nil {
				return err
			}
			defer w.close()
			r, _, err := send(ctx, w, statusReq())
			switch {
			case closed(err):
				t.Observef("99 before login: the connection was closed")
			case timedOut(err):
				t.Observef("99 before login: no answer")
			case err != nil:
				return err
			default:
				t.Observef("99 before login: answered with %s", name(r.cmd()))
			}
			return nil
		})

	// sip2.md §1: "Field order: not fixed; servers emit in different
	// orders (Evergreen puts AA before AO in 30/16/26)".
	add("sip2.md §1 (field order)",
		"Field order in Patron Status Response",
		"Reports the order of the first fields of 24: the spec lists AO first; Evergreen puts AA before AO in some responses. SCs must read fields by ID.",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronStatus); err != nil {
				return err
			}
			r, err := w.exchange(ctx, cfg.patronStatusReq(cfg.Patron, cfg.PIN))
			if err != nil {
				return err
			}
			var ids []string
			for _, f := range r.frame.Fields {
				ids = append(ids, f.ID)
			}
			t.Observef("field order: %s", strings.Join(ids, " "))
			return nil
		}))

	// sip2.md §1: ZZZZ is four blanks (local) or "   Z" (UTC); "0000" and
	// "ZZZZ" are seen in the wild.
	add("sip2.md §1 (date/time), §6 (pain point 9)",
		"Time zone of dates",
		"Reports the zone form of the ACS's dates (98 date/time sync): four blanks (local time), \"   Z\" (UTC), or a form seen in the wild such as \"0000\" (NYPL fixtures) or \"ZZZZ\".",
		onStatus(cfg, func(t *conformance.T, st *sip2.ACSStatusResponse) error {
			d := st.DateTimeSync.String()
			if len(d) == sip2.TimeLen {
				t.Observef("date/time sync %q, zone %q", d, d[8:12])
			}
			t.Observef("timeout period %03d, retries allowed %03d (999: unknown; 000: off-line, per FOLIO)", st.TimeoutPeriod, st.RetriesAllowed)
			return nil
		}))

	// sip2.md §2.3: "php-sip2 #2: some ACS answer 96 if AC/AD omitted".
	add("sip2.md §2.3 (message 23), §6 (pain point 5)",
		"Patron Status without AC and AD",
		"Reports how the ACS treats 23 with the required AC and AD left out: some answer 96 (php-sip2 #2), so SCs send them empty.",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronStatus); err != nil {
				return err
			}
			req, _ := w.seal("23001"+now().String()+"AO"+cfg.Institution+"|AA"+cfg.Patron+"|", true)
			r, err := w.raw(ctx, req)
			switch {
			case closed(err):
				t.Observef("the connection was closed")
			case err != nil:
				return err
			default:
				t.Observef("answered with %s", name(r.cmd()))
			}
			return nil
		}))

	// sip2.md §6.6: "hold items count vs unavailable holds inconsistent
	// (Libki #245/#246: Koha vs Evergreen)".
	add("sip2.md §4, §6 (pain point 6: hold counts)",
		"Hold counts in Patron Information",
		"Reports the test patron's hold items count (holds ready) and unavailable holds count with their lists: Evergreen counts holds not yet waiting among hold items, Koha and lockergate do not (Libki #245).",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronInformation); err != nil {
				return err
			}
			ready, _, err := call[*sip2.PatronInformationResponse](ctx, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, sip2.SummaryHoldItems))
			if err != nil {
				return err
			}
			waiting, _, err := call[*sip2.PatronInformationResponse](ctx, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, sip2.SummaryUnavailableHolds))
			if err != nil {
				return err
			}
			t.Observef("hold items count %d (AS: %s); unavailable holds count %d (CD: %s)",
				ready.HoldItemsCount, strings.Join(ready.HoldItems, ", "), waiting.UnavailableHoldsCount, strings.Join(waiting.UnavailableHoldItems, ", "))
			return nil
		}))

	// sip2.md §3: the 3M extension fields CT, CV, CY, DA and how Sierra,
	// FOLIO and Koha fill them.
	add("sip2.md §3 (3M extensions CT, CV, CY, DA), §4",
		"Routing fields of a trapped hold at checkin",
		"Reports the 3M routing fields of the checkin of the hold item: Sierra puts the pickup location and the holding patron's barcode in CT, FOLIO the pickup service point, Koha sends CV 01/02/04 by its options (sip2.md §3).",
		askGiven(cfg, cfg.needHoldItem, func() sip2.Message { return cfg.checkinReq(cfg.HoldItem) },
			func(t *conformance.T, ci *sip2.CheckinResponse) error {
				t.Observef("CV %q (01 hold here, 02 hold elsewhere, 03 ILL, 04 transit), CT %q, CY %q, DA %q, CL %q",
					ci.AlertType, ci.DestinationLocation, ci.HoldPatronID, ci.HoldPatronName, ci.SortBin)
				if ci.HoldPatronID == "" && strings.Contains(ci.DestinationLocation, " ") {
					t.Observef("CT holds more than a location and there is no CY: Sierra's form, location and patron barcode in CT")
				}
				return nil
			}))

	// sip2.md §3: extension fields in use and the ILSs that send them.
	add("sip2.md §3 (extensions in use)",
		"Vendor fields",
		"Reports the fields outside SIP2 2.00 in 24, 64 and 18, with the ILSs known to send them: XI (Evergreen), FU/FV and FA–FG (FOLIO), PA/PB/PC (Envisionware, Koha), PE/PS/PX/PY/PZ (Polaris).",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx); err != nil {
				return err
			}
			var reqs []sip2.Message
			if w.bx.Has(sip2.SupportsPatronStatus) {
				reqs = append(reqs, cfg.patronStatusReq(cfg.Patron, cfg.PIN))
			}
			if w.bx.Has(sip2.SupportsPatronInformation) {
				reqs = append(reqs, cfg.patronInfoReq(cfg.Patron, cfg.PIN, sip2.SummaryFineItems))
			}
			if w.bx.Has(sip2.SupportsItemInformation) {
				reqs = append(reqs, cfg.itemInfoReq(cfg.Item))
			}
			seen := map[string]bool{}
			var found []string
			for _, m := range reqs {
				r, err := w.exchange(ctx, m)
				if err != nil {
					return err
				}
				for _, f := range r.frame.Fields {
					if sip2.FieldName(f.ID) == "" && !seen[f.ID] {
						seen[f.ID] = true
						found = append(found, f.ID+knownVendor(f.ID))
					}
				}
			}
			if len(found) == 0 {
				t.Observef("no vendor fields: SIP2 2.00 and the 3M extensions only")
			} else {
				t.Observef("vendor fields: %s", strings.Join(found, ", "))
			}
			return nil
		}))

	// sip2.md §1.2: "SirsiDynix answers 96 when an SC sent AY10+".
	add("sip2.md §1.2 (AY format), §6 (pain point 3)",
		"Two-digit sequence number",
		"Reports how the ACS treats AY10, which SCs that forget to wrap send: SirsiDynix (Symphony) answers 96, as the spec's single digit implies; others accept it.",
		session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if !cfg.ed() {
				return conformance.Skipf("error detection is off in this run")
			}
			body := "9900402.00AY10AZ"
			r, err := w.raw(ctx, []byte(body+sip2.Checksum([]byte(body))+"\r"))
			switch {
			case closed(err):
				t.Observef("AY10: the connection was closed")
			case err != nil:
				return err
			case r.cmd() == sip2.CmdRequestSCResend:
				t.Observef("AY10 is answered with 96, as SirsiDynix Symphony does")
			default:
				t.Observef("AY10 is answered with %s", name(r.cmd()))
			}
			return nil
		}))
}

// knownVendor names who is known to send a vendor field (sip2.md §3).
func knownVendor(id string) string {
	switch id {
	case "XI":
		return " (Evergreen internal patron id)"
	case "FU", "FV", "FA", "FB", "FC", "FD", "FE", "FF", "FG":
		return " (FOLIO)"
	case "PA", "PB", "PC", "PI":
		return " (Envisionware / Koha / Evergreen patron fields)"
	case "PE", "PS", "PX", "PY", "PZ":
		return " (Polaris)"
	}
	return ""
}
