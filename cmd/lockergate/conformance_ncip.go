package main

import (
	"context"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lockergate/lockergate/conformance/ncipresponder"
)

// conformanceNCIP grades an NCIP responder with the ncipresponder suite.
// The suite changes data on the responder (it checks --item out and back
// in, places and cancels a request, creates and deletes temporary ILL
// items), so it is meant for a test system.
//
// Credentials come from --auth (repeatable) or, to keep them out of ps and
// shell history, from environment variables named by --auth-env; they are
// masked in every report.
func conformanceNCIP(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "conformance ncip", "--url URL --user U --item I [--auth token:T|basic:USER:PASSWORD|input:USER:PIN] [--from-agency A --to-agency B] [suite flags]\n\n"+
		"For example, against the simulated library (\"lockergate ils-sim\" in another terminal):\n"+
		"  lockergate conformance ncip --url http://127.0.0.1:6002/ncip --user P0008 --item I0001 --to-agency DEMO\n")
	u := fs.String("url", "", "the responder's endpoint (required); an API key in the query string is masked in the reports")
	var auths ncipAuthFlags
	fs.Var(&auths.specs, "auth", "authentication, repeatable: token:`T` (Authorization: Bearer, or --token-header), basic:USER:PASSWORD (HTTP basic), input:USER:PIN (a patron's barcode and PIN, sent as AuthenticationInput by the lookup-user cases)")
	fs.Var(&auths.envs, "auth-env", "read an --auth value from this environment `variable` (repeatable)")
	tokenHeader := fs.String("token-header", "", "send the token in this header as is (e.g. X-Okapi-Token) instead of Authorization: Bearer")
	user := fs.String("user", "", "a patron the responder knows and lets borrow (UserIdentifierValue); defaults to the input: user")
	item := fs.String("item", "", "an available item (ItemIdentifierValue) the suite may check out, renew, request and check back in (required)")
	from := fs.String("from-agency", "", "FromAgencyId of the InitiationHeader (default LOCKERGATE-CONFORMANCE when --to-agency is set)")
	to := fs.String("to-agency", "", "ToAgencyId of the InitiationHeader, the responder's agency; without it requests carry no header")
	version := fs.String("ncip-version", "", "the version attribute to send (default "+ncipVersionDefault+")")
	prefix := fs.String("prefix", "", "start of the RequestIds and temporary ItemIds the suite creates (default LGC- and a time stamp)")
	exchange := fs.Duration("request-timeout", 30*time.Second, "time limit of one HTTP exchange")
	sf := addSuiteFlags(fs, ncipRunExamples)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if sf.list {
		// Listing needs neither the implementation nor its credentials.
		return runSuite(ctx, e, ncipresponder.New(ncipresponder.Config{}), "", sf)
	}
	if *u == "" {
		return usagef("--url is required")
	}
	pu, err := url.Parse(*u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return usagef("--url must be an http:// or https:// URL")
	}
	if *exchange <= 0 {
		return usagef("--request-timeout must be positive, not %v", *exchange)
	}
	cfg := ncipresponder.Config{
		URL: *u, TokenHeader: *tokenHeader, User: *user, Item: *item,
		FromAgency: *from, ToAgency: *to, Version: *version, RequestPrefix: *prefix, Timeout: *exchange,
	}
	if err := auths.apply(&cfg); err != nil {
		return err
	}
	if cfg.User == "" && cfg.InputUser == "" {
		return usagef("--user is required (or --auth input:USER:PIN)")
	}
	if cfg.Item == "" {
		return usagef("--item is required")
	}
	if *from != "" && *to == "" {
		return usagef("--from-agency needs --to-agency: an InitiationHeader has both")
	}
	return runSuite(ctx, e, ncipresponder.New(cfg), ncipresponder.RedactURL(*u), sf)
}

const ncipVersionDefault = "http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"

// ncipAuthList is a repeatable string flag.
type ncipAuthList []string

func (l *ncipAuthList) String() string     { return strings.Join(*l, ",") }
func (l *ncipAuthList) Set(v string) error { *l = append(*l, v); return nil }

// ncipAuthFlags collects --auth and --auth-env.
type ncipAuthFlags struct{ specs, envs ncipAuthList }

// apply reads every authentication spec into cfg. Errors name the kind of
// spec and the flag or variable, never the value: it holds a secret.
func (a *ncipAuthFlags) apply(cfg *ncipresponder.Config) error {
	type spec struct{ value, from string }
	var all []spec
	for _, s := range a.specs {
		all = append(all, spec{s, "--auth"})
	}
	for _, name := range a.envs {
		v := os.Getenv(name)
		if v == "" {
			return usagef("environment variable %s (--auth-env) is empty", name)
		}
		all = append(all, spec{v, "environment variable " + name})
	}
	for _, s := range all {
		kind, rest, _ := strings.Cut(s.value, ":")
		switch kind {
		case "token":
			if rest == "" {
				return usagef("%s: token: needs a token", s.from)
			}
			cfg.Token = rest
		case "basic", "input":
			user, secret, ok := strings.Cut(rest, ":")
			if !ok || user == "" {
				return usagef("%s: %s: wants %s:USER:SECRET", s.from, kind, kind)
			}
			if kind == "basic" {
				cfg.BasicUser, cfg.BasicPassword = user, secret
			} else {
				cfg.InputUser, cfg.InputPassword = user, secret
			}
		default:
			return usagef("%s: want token:T, basic:USER:PASSWORD or input:USER:PIN (the value is not shown)", s.from)
		}
	}
	if cfg.Token != "" && cfg.BasicUser != "" && (cfg.TokenHeader == "" || strings.EqualFold(cfg.TokenHeader, "Authorization")) {
		return usagef("token: and basic: both set the Authorization header; give one, or --token-header for the token")
	}
	return nil
}

// ncipRunExamples select cases of the NCIP suite in its help.
var ncipRunExamples = runExamples{globs: "lookup-user,accept-item/2", regexp: "^problem/"}
