package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
)

// version20 is the version attribute of NCIP 2.0 initiators (mod-ncip
// samples, Koha's NCIPServer tests; ncip.md §1).
const version20 = "http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd"

func (s *suite) version() *conformance.Group {
	g := &conformance.Group{Key: "version", Title: "The version attribute"}
	echo := func(version string) func(ctx context.Context, t *conformance.T) error {
		return func(ctx context.Context, t *conformance.T) error {
			m := s.lookupUserMsg(s.unknown("USER"))
			m.Version = version
			ex, err := s.send(ctx, t, m)
			if err != nil {
				return err
			}
			if err := ncipBody(ex); err != nil {
				return err
			}
			if ex.msg.Version != version {
				return conformance.Failf("version "+quote(version, 100), "version %s", quote(ex.msg.Version, 100))
			}
			return nil
		}
	}
	g.Cases = []*conformance.Case{
		// Z39.83-1-2012 §8: "all response messages must be of the same
		// Protocol version as the Initiation message". 2.0, 2.01 and 2.02
		// share a namespace, so the version attribute is the only thing
		// that says which one a message is (ncip.md §1).
		s.newCase("version/1",
			"The response echoes the request's version attribute (2.02)",
			"\"All response messages must be of the same Protocol version as the Initiation message\": the response's version attribute repeats the request's (here the configured 2.02 value).",
			"Z39.83-1-2012 §8; ncip.md §1", conformance.Must,
			echo(s.cfg.Version)),
		s.newCase("version/2",
			"The response to an NCIP 2.0 initiator carries the 2.0 version attribute",
			"\"All response messages must be of the same Protocol version as the Initiation message\": a request labelled "+version20+" is answered with that version attribute, not the responder's own.",
			"Z39.83-1-2012 §8; ncip.md §1, §6.10", conformance.Must,
			echo(version20)),
	}
	return g
}
