// Package ilssim is the simulated ILS's NCIP side: an ncip.Backend over a
// sip2mem library, so that "lockergate ils-sim", the demo and the tests
// serve one library over both SIP2 and NCIP. A checkout made over SIP2 is
// on loan when NCIP looks, and the other way round.
package ilssim

import (
	"net/http"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// Backend is an ncip.Backend over a sip2mem library: both protocols see
// one library. It is safe for concurrent use.
type Backend struct {
	lib *sip2mem.Library
}

// NewBackend returns a Backend serving lib.
func NewBackend(lib *sip2mem.Library) *Backend {
	return &Backend{lib: lib}
}

// Handler serves Backend as an NCIP responder (an *ncip.Handler), to
// mount at /ncip.
func Handler(lib *sip2mem.Library) http.Handler {
	return &ncip.Handler{Backend: NewBackend(lib)}
}
