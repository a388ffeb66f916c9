package sip2server

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
)

func login93(b *builder) {
	cfg := b.cfg
	g := b.group("login-93", "Login (93) and Login Response (94)")

	// SIP2 2.00, Login Response: "94<ok>", ok being "1-char, fixed-length
	// field: 0 or 1" (sip2.md §2.2); no variable fields besides AY/AZ.
	g.add(&conformance.Case{
		Title:       "Login Response (94) to the configured account: ok 1 and nothing else",
		Requirement: "94 has a one-character fixed part, 1 when the login is accepted; the configured account is accepted.",
		Level:       conformance.Must,
		Run: func(ctx context.Context, t *conformance.T) error {
			w, err := dial(ctx, cfg, t)
			if err != nil {
				return err
			}
			defer w.close()
			resp, r, err := w.login(ctx, cfg.User, cfg.Password)
			if err != nil {
				return err
			}
			if err := g94.verify(t, r, cfg.Charset); err != nil {
				return err
			}
			if !resp.OK {
				return conformance.Failf("941 (login accepted)", "940: check --user, --password and --location")
			}
			return nil
		},
	})

	// The ok field reports whether the ACS accepted the login; an ACS
	// that accepts any password leaves patron data open to anyone who
	// can reach its port.
	g.add(&conformance.Case{
		Title:       "A wrong password is not accepted",
		Requirement: "Login with the configured user and a wrong password gets ok 0 (940), or the connection closed; never 941.",
		Level:       conformance.Must,
		Run: func(ctx context.Context, t *conformance.T) error {
			r, err := tryLogin(ctx, cfg, t, cfg.Password+"-wrong")
			if closed(err) {
				t.Notef("the ACS closed the connection instead of answering 940")
				return nil
			}
			if err != nil {
				return err
			}
			if strings.HasPrefix(r.raw, "941") {
				return conformance.Failf("940 (login refused)", "941: the wrong password was accepted")
			}
			return nil
		},
	})

	// A refused login is answered with 94 and ok 0, so that the SC can
	// tell "wrong credentials" from "ACS down".
	g.add(&conformance.Case{
		Title:       "A wrong password is answered with 940, not a dropped connection",
		Requirement: "Login with a wrong password is answered with Login Response 94, ok 0.",
		Level:       conformance.Should,
		Run: func(ctx context.Context, t *conformance.T) error {
			r, err := tryLogin(ctx, cfg, t, cfg.Password+"-wrong")
			if err != nil {
				return err
			}
			if !strings.HasPrefix(r.raw, "940") {
				return conformance.Failf("940", "%q", clip(r.raw, 3))
			}
			return nil
		},
	})
}
