package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

const srcXSD = "ncip_v2_02.xsd (NCIP 2.02 official schema, 9 March 2012)"

func (s *suite) lookupUser() *conformance.Group {
	g := &conformance.Group{Key: "lookup-user", Title: "LookupUser"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, LookupUserResponse: ResponseHeader?, then either
		// Problem+ or UserId followed by the optional user data.
		s.newCase("lookup-user/1",
			"LookupUser of a known user answers a schema-valid LookupUserResponse naming the user",
			"The response to LookupUser validates against ncip_v2_02.xsd and, for a user the responder knows, holds the UserId and no Problem.",
			srcXSD+", LookupUserResponse", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				return s.userFound(ctx, t, s.lookupUserMsg(s.cfg.User))
			}),
		// Z39.83-1-2012 Appendix A: "Unknown User" is a processing error of
		// LookupUser (and of every service that names a user).
		s.newCase("lookup-user/2",
			"LookupUser of an unknown user answers the Problem Unknown User",
			"A LookupUser naming a user the responder does not know is answered with a Problem whose ProblemType is \"Unknown User\" (Appendix A), not with a user.",
			"Z39.83-1-2012 Appendix A (ProblemType values), LookupUser", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				_, err := s.sendProblem(ctx, t, s.lookupUserMsg(s.unknown("USER")), "LookupUser", ncip.ProblemTypeUnknownUser)
				return err
			}),
		// ncip_v2_02.xsd, LookupUser: a choice of UserId or
		// AuthenticationInput+; the response's UserId names the user found.
		s.newCase("lookup-user/3",
			"LookupUser by AuthenticationInput (barcode and PIN) answers the user's UserId",
			"A LookupUser that identifies the patron with AuthenticationInput (Barcode Id and PIN) instead of UserId is answered with a schema-valid LookupUserResponse holding the UserId.",
			srcXSD+", LookupUser (AuthenticationInput)", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if s.cfg.InputUser == "" {
					return conformance.Skipf("no patron credentials configured (--auth input:USER:PIN)")
				}
				return s.userFound(ctx, t, s.lookupUserByInput(s.cfg.InputUser, s.cfg.InputPassword))
			}),
		// Appendix A: "User Authentication Failed" is a processing error of
		// LookupUser.
		s.newCase("lookup-user/4",
			"LookupUser with a wrong PIN answers the Problem User Authentication Failed",
			"A LookupUser whose AuthenticationInput carries a wrong PIN is refused with the Problem \"User Authentication Failed\" (Appendix A), not answered with the user.",
			"Z39.83-1-2012 Appendix A (ProblemType values), LookupUser", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if s.cfg.InputUser == "" {
					return conformance.Skipf("no patron credentials configured (--auth input:USER:PIN)")
				}
				wrong := "0" + s.cfg.InputPassword + "9"
				_, err := s.sendProblem(ctx, t, s.lookupUserByInput(s.cfg.InputUser, wrong), "LookupUser", ncip.ProblemTypeUserAuthenticationFailed)
				return err
			}),
	}
	return g
}

// userFound sends LookupUser m and fails unless the answer is a
// schema-valid LookupUserResponse that names the user.
func (s *suite) userFound(ctx context.Context, t *conformance.T, m *ncip.Message) error {
	ex, err := s.sendOK(ctx, t, m, "LookupUser")
	if err != nil {
		return err
	}
	if r := ex.msg.LookupUserResponse; r.UserID == nil || r.UserID.UserIdentifierValue == "" {
		return conformance.Failf("a UserId in the LookupUserResponse", "no UserId")
	}
	return nil
}
