package config

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// DefaultNCIPTimeout is an ILS's NCIP timeout when ils.<name>.ncip.timeout
// is left out.
const DefaultNCIPTimeout = 20 * time.Second

// DefaultPartnerHeader is the HTTP header a partner with auth: header
// sends its token in when header is left out.
const DefaultPartnerHeader = "Authorization"

var (
	partnerAuths = []string{AuthHeader, AuthMessage, AuthNone}
	itemIDs      = []string{ItemIDItem, ItemIDRequest}
	circulations = []string{CirculationSIP2, CirculationNCIP}
	// headerRe is an HTTP field name (RFC 9110 token).
	headerRe = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	// elementRe is an NCIP element name (RequestedActionType).
	elementRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,63}$`)
)

// doorDefaults fills in what the front doors and NCIP sections left out.
// The single site or ILS is filled in where one is needed, so that the
// code wiring the doors never has to guess.
func (c *Config) doorDefaults() {
	for _, l := range c.ILS {
		if l == nil || l.NCIP == nil {
			continue
		}
		if l.NCIP.Circulation == "" {
			l.NCIP.Circulation = CirculationSIP2
		}
		if l.NCIP.Timeout == 0 {
			l.NCIP.Timeout = Duration(DefaultNCIPTimeout)
		}
	}
	onlyILS := ""
	if len(c.ILS) == 1 {
		for name := range c.ILS {
			onlyILS = name
		}
	}
	for i := range c.SIP2FrontDoor.Accounts {
		a := &c.SIP2FrontDoor.Accounts[i]
		if a.ILS == "" {
			a.ILS = onlyILS
		}
		if a.Charset == "" {
			a.Charset = "utf-8"
		}
		if a.Terminator == "" {
			a.Terminator = "cr"
		}
		// ErrorDetection stays nil: unset is its own setting (answer
		// in kind), not true.
	}
	for i := range c.NCIPFrontDoor.Partners {
		p := &c.NCIPFrontDoor.Partners[i]
		if p.Site == "" && len(c.Sites) == 1 {
			p.Site = c.Sites[0].ID
		}
		if p.Auth == "" {
			p.Auth = AuthHeader
		}
		if p.Header == "" && p.Auth == AuthHeader {
			p.Header = DefaultPartnerHeader
		}
		if p.ItemID == "" {
			p.ItemID = ItemIDItem
		}
		if p.TimeZone == "" {
			p.TimeZone = "UTC"
		}
	}
}

// resolveDoorSecrets reads the front doors' *_env keys with get.
func (c *Config) resolveDoorSecrets(get func(path, name string, dst *Secret)) {
	for i := range c.SIP2FrontDoor.Accounts {
		a := &c.SIP2FrontDoor.Accounts[i]
		get(fmt.Sprintf("sip2_front_door.accounts[%d].password_env", i), a.PasswordEnv, &a.Password)
	}
	for i := range c.NCIPFrontDoor.Partners {
		p := &c.NCIPFrontDoor.Partners[i]
		get(fmt.Sprintf("ncip_front_door.partners[%d].token_env", i), p.TokenEnv, &p.Token)
	}
}

// checkCharset and checkTerminator are the rules of ils.<name>.sip2's
// charset and terminator, shared with the front door's accounts.
func checkCharset(ps *problems, path, v string) {
	if _, err := sip2.ParseCharset(v); err != nil {
		ps.add(path, "unknown charset %q; known: utf-8, cp850, iso-8859-1, ascii", v)
	}
}

func checkTerminator(ps *problems, path, v string) {
	if _, ok := terminators[strings.ToLower(v)]; !ok {
		ps.add(path, "unknown terminator %q; known: cr, crlf, lf", v)
	}
}

// checkHeaderName reports a value that cannot be an HTTP header's name.
func checkHeaderName(ps *problems, path, v string) {
	if !headerRe.MatchString(v) {
		ps.add(path, "%q is not an HTTP header name (letters, digits and - such as X-Api-Key)", v)
	}
}

// sip2Field says why v cannot travel in a SIP2 field, or "" when it can:
// "|" ends a field and control characters end or corrupt the message.
func sip2Field(v string) string {
	if strings.Contains(v, "|") {
		return "'|', which separates SIP2 fields"
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return "a control character"
		}
	}
	return ""
}

func (c *Config) validateNCIP(ps *problems, p string, n *NCIP) {
	if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps.add(p+".url", "want an http:// or https:// URL")
	} else if u.User != nil {
		ps.add(p+".url", "the URL holds credentials: use token_env")
	} else if u.RawQuery != "" && strings.Contains(strings.ToLower(u.RawQuery), "token") {
		ps.add(p+".url", "the URL carries a token: use token_env")
	}
	if badToken(n.Token.Reveal()) {
		// Never the value: only what is wrong with it.
		ps.add(p+".token_env", "the token in %s has a control character or spaces at its ends: the library system could not read it as sent; remove them from the variable", n.TokenEnv)
	}
	if n.TokenHeader != "" {
		checkHeaderName(ps, p+".token_header", n.TokenHeader)
		if n.TokenEnv == "" {
			ps.add(p+".token_header", "token_header is set but token_env is not: there is no token to send")
		}
	}
	if (n.FromAgency == "") != (n.ToAgency == "") {
		// The adapter sends an InitiationHeader with both or none.
		ps.add(p+".from_agency", "from_agency and to_agency go together (the InitiationHeader carries both), or neither for a responder that wants no header")
	}
	if !oneOf(n.Circulation, circulations) {
		ps.add(p+".circulation", "want sip2 or ncip (the protocol for ILL checkouts and checkins), not %q", n.Circulation)
	}
	if n.Timeout.D() <= 0 {
		ps.add(p+".timeout", "want a positive duration")
	}
}

// validateSIP2FrontDoor checks sip2_front_door.
func (c *Config) validateSIP2FrontDoor(ps *problems) {
	const p = "sip2_front_door"
	f := &c.SIP2FrontDoor
	if f.Listen != "" {
		checkHostPort(ps, p+".listen", f.Listen)
		if len(f.Accounts) == 0 {
			ps.add(p+".listen", "the front door has no accounts, so nothing could log in: add accounts or remove listen")
		}
	} else if len(f.Accounts) > 0 {
		ps.add(p+".accounts", "accounts need listen, the host:port the front door serves on")
	}
	tlsOK := c.checkFrontDoorTLS(ps, p)
	logins := map[string]int{}
	banks := c.bankSet()
	for i := range f.Accounts {
		a := &f.Accounts[i]
		ap := fmt.Sprintf("%s.accounts[%d]", p, i)
		switch {
		case a.Login == "":
			ps.add(ap+".login", "an account needs a login (the user id its 93 login sends in CN)")
		case sip2Field(a.Login) != "":
			ps.add(ap+".login", "login %q holds %s", a.Login, sip2Field(a.Login))
		case logins[a.Login] > 0:
			ps.add(ap+".login", "login %q is used twice (also accounts[%d])", a.Login, logins[a.Login]-1)
		default:
			logins[a.Login] = i + 1
		}
		if a.PasswordEnv == "" {
			ps.add(ap+".password_env", "an account needs password_env, the environment variable holding its password")
		} else if why := sip2Field(a.Password.Reveal()); why != "" {
			// Never the value: only what is wrong with it.
			ps.add(ap+".password_env", "the password in %s holds %s: no client could send it", a.PasswordEnv, why)
		}
		if why := sip2Field(a.Institution); why != "" {
			ps.add(ap+".institution", "institution %q holds %s", a.Institution, why)
		}
		seen := map[string]int{}
		for j, b := range a.Banks {
			bp := fmt.Sprintf("%s.banks[%d]", ap, j)
			if _, ok := banks[b]; !ok {
				ps.add(bp, "no bank with id %q under sites; known: %s", b, strings.Join(sortedKeys(banks), ", "))
			} else if seen[b] > 0 {
				ps.add(bp, "bank %q is listed twice (also banks[%d])", b, seen[b]-1)
			}
			seen[b] = j + 1
		}
		if a.ILS == "" {
			ps.add(ap+".ils", "an account needs ils, the ILS its other messages pass through to, when there are several; known: %s", strings.Join(sortedKeys(c.ILS), ", "))
		} else if _, ok := c.ILS[a.ILS]; !ok {
			ps.add(ap+".ils", "no ILS named %q under ils:; known: %s", a.ILS, strings.Join(sortedKeys(c.ILS), ", "))
		}
		checkCharset(ps, ap+".charset", a.Charset)
		checkTerminator(ps, ap+".terminator", a.Terminator)
		if a.RequireTLS && !tlsOK {
			ps.add(ap+".require_tls", "require_tls needs the front door's tls_cert_file and tls_key_file")
		}
	}
}

// checkFrontDoorTLS checks that the certificate and key are given
// together, readable and a pair. It says whether TLS is configured (even
// when the files have problems, which are then reported already).
func (c *Config) checkFrontDoorTLS(ps *problems, p string) bool {
	f := c.SIP2FrontDoor
	switch {
	case f.TLSCertFile == "" && f.TLSKeyFile == "":
		return false
	case f.TLSKeyFile == "":
		// Reported at the key that is there, whose line the reader
		// can find.
		ps.add(p+".tls_cert_file", "tls_cert_file is set but tls_key_file is not: give both")
		return true
	case f.TLSCertFile == "":
		ps.add(p+".tls_key_file", "tls_key_file is set but tls_cert_file is not: give both")
		return true
	}
	cert, cerr := os.ReadFile(f.TLSCertFile)
	if cerr != nil {
		ps.add(p+".tls_cert_file", "cannot read %s: %v", f.TLSCertFile, unwrapPathError(cerr))
	}
	key, kerr := os.ReadFile(f.TLSKeyFile)
	if kerr != nil {
		ps.add(p+".tls_key_file", "cannot read %s: %v", f.TLSKeyFile, unwrapPathError(kerr))
	}
	if cerr == nil && kerr == nil {
		// crypto/tls's messages name what is wrong (no PEM, a key that
		// does not match), never the key's bytes.
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			ps.add(p+".tls_cert_file", "%s and %s are not a certificate and its private key: %v", f.TLSCertFile, f.TLSKeyFile, err)
		}
	}
	return true
}

// bankSet maps every bank id to its site's index.
func (c *Config) bankSet() map[string]int {
	out := map[string]int{}
	for i, s := range c.Sites {
		for _, b := range s.Banks {
			if _, dup := out[b.ID]; !dup {
				out[b.ID] = i
			}
		}
	}
	return out
}

// validateNCIPFrontDoor checks ncip_front_door, and loads each partner's
// time zone for Partner.Location.
func (c *Config) validateNCIPFrontDoor(ps *problems) {
	agencies := map[string]int{}
	sites := map[string]int{}
	var siteIDs []string
	for i, s := range c.Sites {
		if _, dup := sites[s.ID]; !dup {
			sites[s.ID] = i
			siteIDs = append(siteIDs, s.ID)
		}
	}
	for i := range c.NCIPFrontDoor.Partners {
		pt := &c.NCIPFrontDoor.Partners[i]
		p := fmt.Sprintf("ncip_front_door.partners[%d]", i)
		key := strings.ToLower(pt.Agency)
		switch {
		case strings.TrimSpace(pt.Agency) == "":
			ps.add(p+".agency", "a partner needs agency, the FromAgencyId its messages carry")
		case strings.TrimSpace(pt.Agency) != pt.Agency:
			ps.add(p+".agency", "agency %q has leading or trailing spaces", pt.Agency)
		case agencies[key] > 0:
			ps.add(p+".agency", "agency %q is used twice (also partners[%d]); agencies are compared ignoring case", pt.Agency, agencies[key]-1)
		default:
			agencies[key] = i + 1
		}
		site := -1
		if pt.Site == "" {
			if len(c.Sites) > 1 {
				ps.add(p+".site", "a partner needs site, the site whose banks and ILS its loans use, when there are several; known: %s", strings.Join(siteIDs, ", "))
			}
		} else if k, ok := sites[pt.Site]; ok {
			site = k
		} else {
			ps.add(p+".site", "no site with id %q; known: %s", pt.Site, strings.Join(siteIDs, ", "))
		}
		c.checkPartnerAuth(ps, p, i)
		if site >= 0 {
			s := c.Sites[site]
			var names []string
			for _, b := range s.Banks {
				names = append(names, b.ID)
				if b.Location != "" && b.Location != b.ID {
					names = append(names, b.Location)
				}
			}
			for _, k := range sortedKeys(pt.PickupLocations) {
				v := pt.PickupLocations[k]
				if !namesBank(s, v) {
					ps.add(p+".pickup_locations."+k, "%q is neither the id nor the location of a bank of site %s; known: %s", v, s.ID, strings.Join(names, ", "))
				}
			}
		}
		// Bank ids are compared exactly: two keys naming "b1" and "B1"
		// may name two banks.
		checkFoldedKeys(ps, p+".pickup_locations", pt.PickupLocations, "an empty pickup location cannot be mapped",
			func(a, b string) bool { return a == b })
		if !oneOf(pt.ItemID, itemIDs) {
			ps.add(p+".item_id", "want item or request, not %q", pt.ItemID)
		}
		if loc, err := time.LoadLocation(pt.TimeZone); err != nil {
			ps.add(p+".time_zone", "unknown time zone %q (want an IANA name such as Europe/Paris)", pt.TimeZone)
		} else {
			pt.loc = loc
		}
		for _, el := range sortedKeys(pt.Values) {
			vp := p + ".values." + el
			if !elementRe.MatchString(el) {
				ps.add(vp, "%q is not an NCIP element name (such as RequestedActionType)", el)
				continue
			}
			if !translatedElements[strings.ToLower(el)] {
				ps.add(vp, "the front door translates the values of RequestedActionType and PickupLocation only; a vocabulary for %s would be ignored", el)
				continue
			}
			for _, from := range sortedKeys(pt.Values[el]) {
				if strings.TrimSpace(from) != "" && strings.TrimSpace(pt.Values[el][from]) == "" {
					ps.add(vp+"."+from, "want the standard value that %q stands for, not nothing", from)
				}
			}
			checkFoldedKeys(ps, vp, pt.Values[el], "an empty value cannot be translated", strings.EqualFold)
		}
	}
}

// translatedElements are the elements, lower-cased, whose values the NCIP
// front door reads through a partner's vocabulary (ncipdoor.Partner.Values).
var translatedElements = map[string]bool{"requestedactiontype": true, "pickuplocation": true}

// checkFoldedKeys checks a map the NCIP front door looks up by its exact
// key, then ignoring case and surrounding spaces: a blank key is refused
// (empty says why), and so are keys that differ only in case or spaces
// but stand for different values, which a look-up ignoring case would
// pick between at random; same says whether two (trimmed) values are one.
func checkFoldedKeys(ps *problems, path string, m map[string]string, empty string, same func(a, b string) bool) {
	type first struct{ key, val string }
	seen := map[string]first{}
	blank := false
	for _, k := range sortedKeys(m) {
		fk := strings.ToLower(strings.TrimSpace(k))
		if fk == "" {
			blank = true
			continue
		}
		v := strings.TrimSpace(m[k])
		if f, ok := seen[fk]; !ok {
			seen[fk] = first{k, v}
		} else if !same(f.val, v) {
			ps.add(path+"."+k, "%q and %q differ only in case but stand for different values (%q, %q); the front door matches them ignoring case", f.key, k, f.val, v)
		}
	}
	if blank {
		ps.add(path, "%s", empty)
	}
}

// checkPartnerAuth checks partner i's auth, header and token.
func (c *Config) checkPartnerAuth(ps *problems, p string, i int) {
	pt := c.NCIPFrontDoor.Partners[i]
	if !oneOf(pt.Auth, partnerAuths) {
		ps.add(p+".auth", "unknown auth %q; known: header, message, none", pt.Auth)
		return
	}
	if pt.Auth == AuthNone {
		if pt.TokenEnv != "" {
			ps.add(p+".token_env", "auth: none takes no token; remove token_env or choose auth: header or message")
		}
	} else if pt.TokenEnv == "" {
		ps.add(p+".token_env", "auth: %s needs token_env, the environment variable holding the partner's token", pt.Auth)
	}
	if badToken(pt.Token.Reveal()) {
		ps.add(p+".token_env", "the token in %s has a control character or spaces at its ends: the partner could not send it as it is; remove them from the variable", pt.TokenEnv)
	}
	if pt.Header != "" {
		if pt.Auth != AuthHeader {
			ps.add(p+".header", "header is only used with auth: header, not %s", pt.Auth)
		} else {
			checkHeaderName(ps, p+".header", pt.Header)
		}
	}
	for j, t := range c.Tokens {
		if pt.Token != "" && t.Token == pt.Token {
			ps.add(p+".token_env", "the token in %s is also tokens[%d]'s (%s), an API token: the partner could use the API with it; give the partner its own", pt.TokenEnv, j, t.Name)
		}
	}
	for j := 0; j < i; j++ {
		if pt.Token != "" && c.NCIPFrontDoor.Partners[j].Token == pt.Token {
			ps.add(p+".token_env", "partners[%d] and partners[%d] have the same token; each needs its own, or one could pass for the other", j, i)
		}
	}
}

// badToken reports a token that cannot travel as it is: with a control
// character (a line break kept from the file it was read from), or with
// spaces at its ends, which HTTP header values lose on the way.
func badToken(v string) bool {
	if strings.TrimSpace(v) != v {
		return true
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// namesBank says whether v is the id or the location code of one of the
// site's banks.
func namesBank(s Site, v string) bool {
	if v == "" {
		return false
	}
	for _, b := range s.Banks {
		if v == b.ID || v == b.Location {
			return true
		}
	}
	return false
}

// TLSConfig loads the front door's certificate and key: nil when the
// front door is plain TCP.
func (f FrontDoor) TLSConfig() (*tls.Config, error) {
	if f.TLSCertFile == "" && f.TLSKeyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.TLSCertFile, f.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("config: sip2_front_door TLS: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// ConnOptions turns an account's charset, terminator and error detection
// into the SIP2 server's connection options. Error detection unset is
// sip2.ErrorDetectionAuto, which checks AZ on the requests that carry one
// and answers in kind, so that clients with and without error detection
// both work; true is sip2.ErrorDetectionOn (required); false is
// sip2.ErrorDetectionOff, for clients whose checksums are wrong. Location
// is left nil (local time).
func (a FrontDoorAccount) ConnOptions() (sip2.ConnOptions, error) {
	charset := a.Charset
	if charset == "" {
		charset = "utf-8"
	}
	cs, err := sip2.ParseCharset(charset)
	if err != nil {
		return sip2.ConnOptions{}, fmt.Errorf("config: account %s: %w", a.Login, err)
	}
	name := a.Terminator
	if name == "" {
		name = "cr"
	}
	term, ok := terminators[strings.ToLower(name)]
	if !ok {
		return sip2.ConnOptions{}, fmt.Errorf("config: account %s: unknown terminator %q", a.Login, a.Terminator)
	}
	o := sip2.ConnOptions{Charset: cs, Terminator: term, ErrorDetection: sip2.ErrorDetectionAuto}
	switch {
	case a.ErrorDetection == nil:
	case *a.ErrorDetection:
		o.ErrorDetection = sip2.ErrorDetectionOn
	default:
		o.ErrorDetection = sip2.ErrorDetectionOff
	}
	return o, nil
}
