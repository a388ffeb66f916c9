package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// Role is what a token may do. Roles are ordered: a stronger role may do
// everything a weaker one may.
type Role string

// Roles, weakest first.
const (
	// RoleKiosk is a locker's own screen: patron actions, where the patron
	// identifies in the request body, and reading the bank's equipment.
	RoleKiosk Role = "kiosk"
	// RoleStaff is a staff desk or dashboard: loads, reservations, alerts,
	// the event stream.
	RoleStaff Role = "staff"
	// RoleAdmin may also retry the outbox and run expiry by hand.
	RoleAdmin Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleKiosk:
		return 1
	case RoleStaff:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Token is one bearer token from the configuration.
type Token struct {
	// Name identifies the holder in logs and in the actor passed to the
	// Service ("staff:desk1"). It is not secret.
	Name string
	Role Role
	// Secret is what clients send after "Bearer ". It never appears in a
	// log, an error or String's output.
	Secret string
}

// MinSecretLen is the shortest token secret Validate accepts: a short
// token could be guessed over the network.
const MinSecretLen = 16

// String names the token without its secret.
func (t Token) String() string { return string(t.Role) + ":" + t.Name }

// GoString names the token without its secret, so that %#v of a Config
// does not print it either.
func (t Token) GoString() string {
	return fmt.Sprintf("httpapi.Token{Name: %q, Role: %q, Secret: <redacted>}", t.Name, t.Role)
}

// validate checks one token; i is its place in the configuration.
func (t Token) validate(i int) error {
	switch {
	case t.Name == "":
		return fmt.Errorf("httpapi: tokens[%d]: name is empty", i)
	case strings.ContainsAny(t.Name, " \t\r\n:"):
		return fmt.Errorf("httpapi: tokens[%d] (%s): name must not contain spaces or ':'", i, t.Name)
	case !t.Role.Valid():
		return fmt.Errorf("httpapi: tokens[%d] (%s): role %q is not kiosk, staff or admin", i, t.Name, t.Role)
	case len(t.Secret) < MinSecretLen:
		return fmt.Errorf("httpapi: tokens[%d] (%s): secret is shorter than %d characters", i, t.Name, MinSecretLen)
	}
	return nil
}

// principal is the holder of a verified token.
type principal struct {
	name string
	role Role
}

// actor is what the Service records as who acted: "<role>:<token name>".
func (p principal) actor() string { return string(p.role) + ":" + p.name }

type principalKey struct{}

// principalFrom returns the request's verified token holder.
func principalFrom(ctx context.Context) (principal, bool) {
	p, ok := ctx.Value(principalKey{}).(principal)
	return p, ok
}

// actorFrom returns the actor string of the request's token holder.
func actorFrom(r *http.Request) string {
	p, _ := principalFrom(r.Context())
	return p.actor()
}

// keyring holds the tokens as SHA-256 digests, so that comparisons take the
// same time whatever the length or content of the presented token.
type keyring struct {
	entries []keyEntry
}

type keyEntry struct {
	digest [sha256.Size]byte
	who    principal
}

func newKeyring(tokens []Token) *keyring {
	k := &keyring{}
	for _, t := range tokens {
		k.entries = append(k.entries, keyEntry{digest: sha256.Sum256([]byte(t.Secret)), who: principal{name: t.Name, role: t.Role}})
	}
	return k
}

// lookup finds the holder of secret. It compares against every entry
// without stopping early, so timing tells nothing about which token
// matched or how close a guess came.
func (k *keyring) lookup(secret string) (principal, bool) {
	d := sha256.Sum256([]byte(secret))
	var found principal
	ok := 0
	for _, e := range k.entries {
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
			found = e.who
			ok = 1
		}
	}
	return found, ok == 1
}

// bearer extracts the token from an Authorization header.
func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	t := strings.TrimSpace(h[len(prefix):])
	return t, t != ""
}

// authorize returns h guarded by a bearer token of at least role min.
func (s *Server) authorize(min Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lockergate"`)
			s.writeError(w, r, errUnauthorized("missing bearer token"))
			return
		}
		who, ok := s.keys.lookup(secret)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lockergate", error="invalid_token"`)
			s.writeError(w, r, errUnauthorized("unknown bearer token"))
			return
		}
		if rec, ok := w.(*recorder); ok {
			rec.actor = who.actor()
		}
		if who.role.rank() < min.rank() {
			s.writeError(w, r, errForbidden(fmt.Sprintf("this action needs the %s role", min)))
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, who)))
	})
}
