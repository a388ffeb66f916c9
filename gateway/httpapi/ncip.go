package httpapi

import "net/http"

// NCIPPath is where ILL systems post NCIP messages (the gateway's NCIP
// responder, gateway/ncipdoor).
const NCIPPath = "/ncip"

// registerNCIPRoutes mounts Config.NCIP, when set. The route carries no
// bearer token: ILL systems authenticate as partners, by a token in a
// header or the message's AuthenticationInput, which the responder checks,
// and it answers every failure as an NCIP Problem rather than this API's
// JSON error.
func (s *Server) registerNCIPRoutes() {
	if s.cfg.NCIP != nil {
		s.handle(route{method: http.MethodPost, path: NCIPPath, h: s.cfg.NCIP.ServeHTTP})
	}
}
