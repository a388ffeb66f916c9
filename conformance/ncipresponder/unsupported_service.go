package ncipresponder

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

// probeServices are services of ncip_v2_02.xsd that ILL responders rarely
// implement, tried in turn until one is unsupported. Their requests have
// DeleteItem's shape (InitiationHeader?, MandatedAction?, ItemId, ...), so
// they are built from it; the ItemId names no item, so a responder that
// does support one of them changes nothing.
var probeServices = []string{"UndoCheckOutItem", "RecallItem", "CancelRecallItem"}

func (s *suite) unsupportedService() *conformance.Group {
	g := &conformance.Group{Key: "unsupported", Title: "Services the responder does not support"}
	g.Cases = []*conformance.Case{
		// Appendix A, General Processing Error scheme: "Unsupported
		// Service". ncip.md §9.1: a responder rejects a service it cannot
		// identify or serve with a Problem, not with a transport error.
		s.newCase("unsupported/1",
			"A schema-valid request for a service the responder does not support answers Unsupported Service",
			"A valid request for a service the responder does not implement is answered with an NCIP Problem \"Unsupported Service\" (HTTP 200), not with HTTP 404 or 501, an empty answer or an error page.",
			"Z39.83-1-2012 Appendix A (General Processing Error scheme); ncip.md §9.1, §9.4", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				for _, svc := range probeServices {
					base, err := ncip.Marshal(&ncip.Message{Version: s.cfg.Version, DeleteItem: &ncip.DeleteItem{InitiationHeader: s.initiationHeader(), ItemID: *itemID(s.unknown("ITEM"))}})
					if err != nil {
						return err
					}
					doc := strings.Replace(strings.Replace(string(base), "<DeleteItem>", "<"+svc+">", 1), "</DeleteItem>", "</"+svc+">", 1)
					ex, err := s.post(ctx, t, []byte(doc))
					if err != nil {
						return err
					}
					if ex.status != 200 {
						return conformance.Failf("HTTP 200 with the Problem Unsupported Service", "HTTP %d for %s", ex.status, svc)
					}
					if err := ncipBody(ex); err != nil {
						return err
					}
					p := ex.msg.Problem()
					if p != nil && p.Type.Is(string(ncip.ProblemTypeUnsupportedService)) {
						s.note(t, "%s: Unsupported Service", svc)
						return nil
					}
					if ex.msg.Service() == svc+"Response" || ex.msg.Other == svc+"Response" {
						s.note(t, "the responder supports %s; trying another service", svc)
						continue
					}
					return conformance.Failf("the Problem Unsupported Service", "%s for %s", describeBody(ex.msg), svc)
				}
				return conformance.Skipf("the responder supports every probe service (%s)", strings.Join(probeServices, ", "))
			}),
	}
	return g
}
