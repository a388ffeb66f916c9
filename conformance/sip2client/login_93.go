package sip2client

import (
	"fmt"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) login93() *conformance.Group {
	// SIP2 2.00, Login: "93<UID algorithm><PWD algorithm><login user
	// id><login password><location code>", CN and CO required, CP
	// optional.
	g := &conformance.Group{Key: "login-93", Title: "Login (93)"}
	g.Cases = []*conformance.Case{
		// SIP2 2.00, Login: "This message can be used to login to an ACS
		// server program. ... When this message is used, it will be the
		// first message sent to the ACS."
		s.newCase("login-93/1",
			"Login (93) is the first message on every connection",
			"\"When this message is used, it will be the first message sent to the ACS\": on every connection the device opens, its first message is a Login.",
			"SIP2 2.00 §Login", conformance.Must,
			s.judge(func(t *conformance.T, reqs []*request, conns []*connRecord) error {
				for _, c := range conns {
					mine := onConn(reqs, c.n)
					if len(mine) == 0 {
						continue
					}
					if mine[0].msg.code != "93" {
						s.show(t, mine[0])
						return conformance.Failf("a Login (93) first", "connection %d starts with %s", c.n, describe(mine[0]))
					}
					s.show(t, mine[0])
				}
				return nil
			})),
		// SIP2 2.00, Login: the ACS checks the login user id (CN) and
		// password (CO) and answers ok 1 or 0 (sip2.md §2.2).
		s.newCase("login-93/2",
			"The Login carries the agreed user (CN) and password (CO), and the ACS accepts it",
			"Each Login carries the login user id and password the device was configured with (the password is compared, never shown), and the ACS answers it with Login Response ok = 1.",
			"SIP2 2.00 §Login, §Login Response", conformance.Must,
			s.judge(func(t *conformance.T, reqs []*request, _ []*connRecord) error {
				logins := ofCode(complete(reqs), "93")
				if len(logins) == 0 {
					return conformance.Skipf("the device sent no Login")
				}
				for _, r := range logins {
					s.show(t, r)
					cn, _ := r.msg.get("CN")
					co, _ := r.msg.get("CO")
					switch {
					case cn != s.cfg.User:
						return conformance.Failf(fmt.Sprintf("CN %q", s.cfg.User), "%s has CN %q", describe(r), cn)
					case co != s.cfg.Password:
						return conformance.Failf("CO equal to the configured password", "%s has another CO (not shown)", describe(r))
					case r.injected == "96":
						continue
					case !hasPrefix(r.reply, "941"):
						return conformance.Failf("the ACS accepting the login (941)", "%s was answered %q", describe(r), firstChars(r.reply, 3))
					}
				}
				return nil
			})),
	}
	g.Cases = append(g.Cases, s.grammarCases("93", "login-93",
		"Login is \"93<UID algorithm><PWD algorithm><login user id CN><login password CO><location code CP>\".",
		"SIP2 2.00 §Login; sip2.md §2.2, §2.3", 3)...)
	// SIP2 2.00, Login: "UID algorithm ... 0 means the user id is not
	// encrypted"; "PWD algorithm ... 0 means the password is not
	// encrypted" — no other algorithm is defined, and Koha refuses
	// anything else (sip2.md §2.2).
	g.Cases = append(g.Cases, s.newCase("login-93/5",
		"Login: the UID and PWD algorithms are 0 (not encrypted)",
		"The UID algorithm and PWD algorithm fixed fields are \"0\" (not encrypted), the only algorithm the specification defines.",
		"SIP2 2.00 §Login; sip2.md §2.2", conformance.Should,
		s.everyOfCode("93", "algorithms 00", func(m *message) string {
			if len(m.fixed) == 2 && m.fixed != "00" {
				return fmt.Sprintf("the algorithms are %q", m.fixed)
			}
			return ""
		})))
	return g
}

func firstChars(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
