package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/all" // every driver scheme, for validation
	"github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/sip2"
)

// Defaults for keys left out.
const (
	DefaultDataDir    = "./data"
	DefaultListen     = "127.0.0.1:8080"
	DefaultPickupDays = 7
	DefaultCodeLength = 6
	DefaultLanguage   = "en"
	DefaultSQLiteFile = "lockergate.db"
)

// defaults fills in what the file left out.
func (c *Config) defaults() {
	if c.where == nil {
		c.where = map[string]string{}
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Store.Driver == "" {
		c.Store.Driver = "sqlite"
	}
	if c.Store.Driver == "sqlite" && c.Store.DSN == "" && c.Store.DSNEnv == "" && c.Store.DSNSecret == "" {
		c.Store.DSN = filepath.Join(c.DataDir, DefaultSQLiteFile)
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = DefaultListen
	}
	if c.Log.Format == "" {
		c.Log.Format = "text"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	for _, l := range c.ILS {
		if l == nil || l.SIP2 == nil {
			continue
		}
		s := l.SIP2
		if s.Charset == "" {
			s.Charset = "utf-8"
		}
		if s.Terminator == "" {
			s.Terminator = "cr"
		}
		if s.ErrorDetection == nil {
			on := true
			s.ErrorDetection = &on
		}
		if s.PoolSize == 0 {
			s.PoolSize = 4
		}
		if s.Timeout == 0 {
			s.Timeout = Duration(10 * time.Second)
		}
		if s.VerifyWith == "" {
			s.VerifyWith = "63"
		}
	}
	c.doorDefaults()
	for i := range c.Sites {
		s := &c.Sites[i]
		if s.CheckoutAt == "" {
			s.CheckoutAt = "pickup"
		}
		if s.PickupDays == 0 {
			s.PickupDays = DefaultPickupDays
		}
		if s.Language == "" {
			s.Language = DefaultLanguage
		}
		if s.CodeLength == 0 {
			s.CodeLength = DefaultCodeLength
		}
	}
}

// resolveSecrets reads every *_env key's variable. An unset variable is
// an error naming the variable, never showing a value.
func (c *Config) resolveSecrets(lookup func(string) (string, bool), ps *problems) {
	get := func(path, name string, dst *Secret) {
		if name == "" {
			return
		}
		if !envNameRe.MatchString(name) {
			ps.add(path, "%q is not an environment variable name (letters, digits and _; not starting with a digit)", name)
			return
		}
		v, ok := lookup(name)
		if !ok {
			ps.add(path, "environment variable %s is not set", name)
			return
		}
		if v == "" {
			ps.add(path, "environment variable %s is empty", name)
			return
		}
		*dst = Secret(v)
	}
	get("store.dsn_env", c.Store.DSNEnv, &c.Store.DSNSecret)
	get("secret_env", c.SecretEnv, &c.Secret)
	for i := range c.Tokens {
		get(fmt.Sprintf("tokens[%d].token_env", i), c.Tokens[i].TokenEnv, &c.Tokens[i].Token)
	}
	for _, name := range sortedKeys(c.ILS) {
		l := c.ILS[name]
		if l == nil {
			continue
		}
		if l.SIP2 != nil {
			get("ils."+name+".sip2.password_env", l.SIP2.PasswordEnv, &l.SIP2.Password)
			get("ils."+name+".sip2.terminal_password_env", l.SIP2.TerminalPasswordEnv, &l.SIP2.TerminalPassword)
		}
		if l.NCIP != nil {
			get("ils."+name+".ncip.token_env", l.NCIP.TokenEnv, &l.NCIP.Token)
		}
	}
	c.resolveDoorSecrets(get)
	if w := c.Notify.Webhook; w != nil {
		get("notify.webhook.token_env", w.TokenEnv, &w.Token)
	}
	if s := c.Notify.SMTP; s != nil {
		get("notify.smtp.password_env", s.PasswordEnv, &s.Password)
	}
}

var (
	envNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	idRe       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	langRe     = regexp.MustCompile(`^[a-z]{2}$`)
	sizeRe     = regexp.MustCompile(`^[A-Za-z0-9]{1,8}$`)
	rangeRe    = regexp.MustCompile(`^(\d+)\s*-\s*(\d+)$`)
	logLevels  = []string{"trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"}
	logFormats = []string{"text", "json"}
)

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func checkHostPort(ps *problems, path, v string) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		ps.add(path, "%q is not host:port", v)
		return
	}
	_ = host
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		ps.add(path, "%q: port must be a number from 0 to 65535", v)
	}
}

// validate checks the decoded configuration.
func (c *Config) validate(ps *problems) {
	c.validateStore(ps)
	checkHostPort(ps, "http.listen", c.HTTP.Listen)
	if !oneOf(c.Log.Format, logFormats) {
		ps.add("log.format", "unknown log format %q; known: %s", c.Log.Format, strings.Join(logFormats, ", "))
	}
	if !oneOf(strings.ToLower(c.Log.Level), logLevels) {
		ps.add("log.level", "unknown log level %q; known: %s", c.Log.Level, strings.Join(logLevels, ", "))
	}
	if c.SecretEnv != "" && c.Secret != "" && len(c.Secret) < 32 {
		ps.add("secret_env", "the secret in %s is %d bytes; at least 32 are needed", c.SecretEnv, len(c.Secret))
	}
	c.validateTokens(ps)
	c.validateILS(ps)
	c.validateSites(ps)
	c.validateNotify(ps)
	c.validateSIP2FrontDoor(ps)
	c.validateNCIPFrontDoor(ps)
}

func (c *Config) validateStore(ps *problems) {
	switch c.Store.Driver {
	case "sqlite":
	case "postgres":
		if c.Store.DSN == "" && c.Store.DSNEnv == "" && c.Store.DSNSecret == "" {
			ps.add("store.dsn", "the postgres store needs a dsn or dsn_env")
		}
	default:
		ps.add("store.driver", "unknown store driver %q; known: sqlite, postgres", c.Store.Driver)
	}
	if c.Store.DSN != "" && c.Store.DSNEnv != "" {
		ps.add("store.dsn_env", "give dsn or dsn_env, not both")
	}
	if dsnHasPassword(c.Store.DSN) {
		ps.add("store.dsn", "the DSN holds a password: put the whole DSN in an environment variable and name it with dsn_env")
	}
}

func dsnHasPassword(dsn string) bool { return len(DSNPasswords(dsn)) > 0 }

func (c *Config) validateTokens(ps *problems) {
	names := map[string]int{}
	for i, t := range c.Tokens {
		p := fmt.Sprintf("tokens[%d]", i)
		switch {
		case t.Name == "":
			ps.add(p+".name", "a token needs a name")
		case names[t.Name] > 0:
			ps.add(p+".name", "token name %q is used twice (also tokens[%d])", t.Name, names[t.Name]-1)
		default:
			names[t.Name] = i + 1
		}
		if !oneOf(t.Role, knownRoles) {
			ps.add(p+".role", "unknown role %q; known: %s", t.Role, strings.Join(knownRoles, ", "))
		}
		if t.TokenEnv == "" {
			ps.add(p+".token_env", "a token needs token_env, the environment variable holding it")
		}
		if t.Token != "" && len(t.Token) < 16 {
			ps.add(p+".token_env", "the token in %s is %d characters; at least 16 are needed", t.TokenEnv, len(t.Token))
		}
		for j := 0; j < i; j++ {
			if t.Token != "" && c.Tokens[j].Token == t.Token {
				ps.add(p+".token_env", "tokens[%d] and tokens[%d] have the same token; each needs its own", j, i)
			}
		}
	}
}

func (c *Config) validateILS(ps *problems) {
	for _, name := range sortedKeys(c.ILS) {
		l := c.ILS[name]
		p := "ils." + name
		if !idRe.MatchString(name) {
			ps.add(p, "ILS name %q: use letters, digits, '.', '_' and '-'", name)
		}
		if l == nil || (l.SIP2 == nil && l.NCIP == nil) {
			ps.add(p, "an ILS needs a sip2 section")
			continue
		}
		if l.SIP2 == nil {
			ps.add(p+".sip2", "an ILS needs a sip2 section even with ncip: holds, loads and pickups go over SIP2")
		} else {
			validateSIP2(ps, p+".sip2", l.SIP2)
		}
		if l.NCIP != nil {
			c.validateNCIP(ps, p+".ncip", l.NCIP)
		}
	}
}

func validateSIP2(ps *problems, p string, s *SIP2) {
	if s.Addr == "" {
		ps.add(p+".addr", "the ILS's SIP2 address (host:port) is required")
	} else {
		checkHostPort(ps, p+".addr", s.Addr)
	}
	if s.Institution == "" {
		ps.add(p+".institution", "the institution id (AO) is required")
	}
	if s.PasswordEnv != "" && s.User == "" {
		ps.add(p+".user", "password_env is set but user is not")
	}
	checkCharset(ps, p+".charset", s.Charset)
	checkTerminator(ps, p+".terminator", s.Terminator)
	if s.PoolSize < 1 || s.PoolSize > 64 {
		ps.add(p+".pool_size", "want 1 to 64 connections, not %d", s.PoolSize)
	}
	if s.Timeout.D() <= 0 {
		ps.add(p+".timeout", "want a positive duration")
	}
	if s.KeepAlive.D() < 0 {
		ps.add(p+".keep_alive", "must not be negative")
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			ps.add(p+".time_zone", "unknown time zone %q (want an IANA name such as Europe/Paris)", s.TimeZone)
		}
	}
	if !oneOf(s.DateOrder, []string{"", "mdy", "dmy"}) {
		ps.add(p+".date_order", "want mdy or dmy, not %q", s.DateOrder)
	}
	if !oneOf(s.VerifyWith, []string{"63", "23"}) {
		ps.add(p+".verify_with", "want 63 or 23, not %q", s.VerifyWith)
	}
	if !s.TLS && (s.TLSCAFile != "" || s.TLSServerName != "") {
		ps.add(p+".tls", "tls_ca_file and tls_server_name need tls: true")
	}
	if s.TLSCAFile != "" {
		if _, err := os.Stat(s.TLSCAFile); err != nil {
			ps.add(p+".tls_ca_file", "cannot read %s: %v", s.TLSCAFile, unwrapPathError(err))
		}
	}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

var terminators = map[string]sip2.Terminator{"cr": sip2.TerminatorCR, "crlf": sip2.TerminatorCRLF, "lf": sip2.TerminatorLF}

func (c *Config) validateSites(ps *problems) {
	if len(c.Sites) == 0 {
		ps.add("sites", "at least one site is required")
	}
	siteIDs := map[string]int{}
	bankIDs := map[string]string{}
	items := map[string]string{}
	for i := range c.Sites {
		s := &c.Sites[i]
		p := fmt.Sprintf("sites[%d]", i)
		switch {
		case !idRe.MatchString(s.ID):
			ps.add(p+".id", "site id %q: want 1 to 64 letters, digits, '.', '_' or '-'", s.ID)
		case siteIDs[s.ID] > 0:
			ps.add(p+".id", "site id %q is used twice (also sites[%d])", s.ID, siteIDs[s.ID]-1)
		default:
			siteIDs[s.ID] = i + 1
		}
		if s.ILS == "" {
			ps.add(p+".ils", "a site needs an ils (one of the names under ils:)")
		} else if _, ok := c.ILS[s.ILS]; !ok {
			ps.add(p+".ils", "no ILS named %q under ils:; known: %s", s.ILS, strings.Join(sortedKeys(c.ILS), ", "))
		}
		if !oneOf(s.CheckoutAt, []string{"pickup", "load"}) {
			ps.add(p+".checkout_at", "want pickup or load, not %q", s.CheckoutAt)
		}
		if s.PickupDays < 1 || s.PickupDays > 365 {
			ps.add(p+".pickup_days", "want 1 to 365 days, not %d", s.PickupDays)
		}
		if !langRe.MatchString(s.Language) {
			ps.add(p+".language", "want an ISO 639-1 code such as en or fr, not %q", s.Language)
		}
		if s.CodeLength < 6 || s.CodeLength > 12 {
			ps.add(p+".code_length", "want 6 to 12 digits, not %d", s.CodeLength)
		}
		for _, k := range sortedKeys(s.Capacity) {
			if !sizeRe.MatchString(k) {
				ps.add(p+".capacity."+k, "size class %q: want letters and digits, such as S, M, L, XL", k)
			}
			if s.Capacity[k] < 1 {
				ps.add(p+".capacity."+k, "want at least 1 item, not %d", s.Capacity[k])
			}
		}
		lo := s.Lockout
		if lo.MaxFailures < 0 || lo.BankMaxFailures < 0 {
			ps.add(p+".lockout", "failure counts must not be negative")
		}
		if lo.Window.D() < 0 {
			ps.add(p+".lockout.window", "must not be negative")
		}
		if lo.Duration.D() < 0 {
			ps.add(p+".lockout.duration", "must not be negative")
		}
		if lo.BankMaxFailures > 0 && lo.MaxFailures > 0 && lo.BankMaxFailures < lo.MaxFailures {
			ps.add(p+".lockout.bank_max_failures", "%d is below max_failures (%d): one patron's mistakes would lock the whole bank", lo.BankMaxFailures, lo.MaxFailures)
		}
		if len(s.Banks) == 0 {
			ps.add(p+".banks", "a site needs at least one bank")
		}
		for j := range s.Banks {
			validateBank(ps, fmt.Sprintf("%s.banks[%d]", p, j), &s.Banks[j], bankIDs, items)
		}
	}
}

func validateBank(ps *problems, p string, b *Bank, bankIDs, items map[string]string) {
	if !idRe.MatchString(b.ID) {
		ps.add(p+".id", "bank id %q: want 1 to 64 letters, digits, '.', '_' or '-'", b.ID)
	} else if other, dup := bankIDs[b.ID]; dup {
		ps.add(p+".id", "bank id %q is used twice (also %s); bank ids are unique across sites", b.ID, other)
	} else {
		bankIDs[b.ID] = p
	}
	ids := checkDriver(ps, p+".driver", b.Driver)
	inBank := func(path, id string) {
		if ids != nil && !ids.has(id) {
			ps.add(path, "compartment %q is not in this bank (the driver has %d)", id, ids.n)
		}
	}
	returns := map[string]string{}
	for k, r := range b.Returns {
		rp := fmt.Sprintf("%s.returns[%d]", p, k)
		list, err := ExpandRange(r)
		if err != nil {
			ps.add(rp, "%v", err)
			continue
		}
		for _, id := range list {
			if prev, dup := returns[id]; dup {
				ps.add(rp, "compartment %s is listed twice (also %s)", id, prev)
				continue
			}
			returns[id] = rp
			inBank(rp, id)
		}
	}
	homes := map[string]string{}
	for k, e := range b.Equipment {
		ep := fmt.Sprintf("%s.equipment[%d]", p, k)
		if strings.TrimSpace(e.Item) == "" {
			ps.add(ep+".item", "an equipment entry needs the item's barcode")
		} else if prev, dup := items[e.Item]; dup {
			ps.add(ep+".item", "item %s is already configured at %s", e.Item, prev)
		} else {
			items[e.Item] = ep
		}
		if e.Compartment == "" {
			ps.add(ep+".compartment", "an equipment entry needs its home compartment")
			continue
		}
		if r, clash := returns[e.Compartment]; clash {
			ps.add(ep+".compartment", "compartment %s is also a returns compartment (%s)", e.Compartment, r)
		}
		if prev, dup := homes[e.Compartment]; dup {
			ps.add(ep+".compartment", "compartment %s is already the home of %s", e.Compartment, prev)
		} else {
			homes[e.Compartment] = ep
		}
		inBank(ep+".compartment", e.Compartment)
	}
	for _, k := range sortedKeys(b.SizeRanks) {
		if !sizeRe.MatchString(k) {
			ps.add(p+".size_ranks."+k, "size class %q: want letters and digits", k)
		}
		if b.SizeRanks[k] < 1 {
			ps.add(p+".size_ranks."+k, "want a rank of 1 or more")
		}
	}
}

// checkDriver checks a driver string without opening hardware: it parses,
// its scheme is registered, it holds no literal secret, and for the
// simulator its options are valid. It returns the simulator's compartment
// ids (nil for other drivers, whose compartments are only known once
// opened).
func checkDriver(ps *problems, p, driver string) *bankIDs {
	if driver == "" {
		ps.add(p, "a bank needs a driver, such as \"sim:?compartments=24\" or \"kerong+tcp://10.0.0.5:4001\"")
		return nil
	}
	u, err := lockers.ParseConfig(driver)
	if err != nil {
		ps.add(p, "%v", err)
		return nil
	}
	known := lockers.Schemes()
	if !oneOf(u.Scheme, known) {
		ps.add(p, "unknown locker driver scheme %q; known: %s", u.Scheme, strings.Join(known, ", "))
		return nil
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			ps.add(p, "the driver string %s holds a password: use the driver's *_env option", lockers.Redact(driver))
		}
	}
	for k := range u.Query() {
		if lockers.IsSecretKey(k) && !strings.HasSuffix(strings.ToLower(k), "_env") {
			ps.add(p, "option %s of %s is a secret: give it through an environment variable (%s_env)", k, lockers.Redact(driver), k)
		}
	}
	if u.Scheme != "sim" {
		return nil
	}
	sc, err := sim.ParseConfig(u)
	if err != nil {
		ps.add(p, "%v", err)
		return nil
	}
	if len(sc.Compartments) > 0 {
		ids := map[string]bool{}
		for _, c := range sc.Compartments {
			ids[string(c.ID)] = true
		}
		return &bankIDs{ids: ids, n: len(ids)}
	}
	n := sc.Count
	if n == 0 {
		n = 16
	}
	return &bankIDs{n: n}
}

// bankIDs are a simulated bank's compartment ids: an explicit set, or
// "1".."n" (checked arithmetically: a bank may be configured with very
// many compartments).
type bankIDs struct {
	ids map[string]bool
	n   int
}

func (b *bankIDs) has(id string) bool {
	if b.ids != nil {
		return b.ids[id]
	}
	v, err := strconv.Atoi(id)
	return err == nil && v >= 1 && v <= b.n && strconv.Itoa(v) == id
}

// ExpandRange reads one returns entry: a compartment id ("7", "A3") or a
// numeric range ("21-24"), and lists the ids.
func ExpandRange(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty compartment")
	}
	if m := rangeRe.FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		if a < 1 || b < a {
			return nil, fmt.Errorf("range %q: want FIRST-LAST with 1 <= FIRST <= LAST", s)
		}
		if b-a >= 10000 {
			return nil, fmt.Errorf("range %q is too large", s)
		}
		var out []string
		for i := a; i <= b; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return out, nil
	}
	if strings.ContainsAny(s, ", ") || strings.Count(s, "-") > 0 && !idRe.MatchString(s) {
		return nil, fmt.Errorf("compartment %q: want one id or a range FIRST-LAST per entry", s)
	}
	if !idRe.MatchString(s) {
		return nil, fmt.Errorf("compartment %q: want letters, digits, '.', '_' or '-'", s)
	}
	return []string{s}, nil
}

func (c *Config) validateNotify(ps *problems) {
	n := c.Notify
	if w := n.Webhook; w != nil {
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add("notify.webhook.url", "want an http:// or https:// URL")
		} else if u.User != nil {
			ps.add("notify.webhook.url", "the URL holds credentials: use token_env")
		} else {
			for k := range u.Query() {
				if lockers.IsSecretKey(k) {
					ps.add("notify.webhook.url", "the URL's %s option is a secret: use token_env", k)
				}
			}
		}
		if w.Timeout.D() < 0 {
			ps.add("notify.webhook.timeout", "must not be negative")
		}
	}
	if s := n.SMTP; s != nil {
		if s.Addr == "" {
			ps.add("notify.smtp.addr", "the mail server's host:port is required")
		} else {
			checkHostPort(ps, "notify.smtp.addr", s.Addr)
		}
		if _, err := mail.ParseAddress(s.From); err != nil {
			ps.add("notify.smtp.from", "%q is not an e-mail address", s.From)
		}
		for i, a := range s.AlertTo {
			if _, err := mail.ParseAddress(a); err != nil {
				ps.add(fmt.Sprintf("notify.smtp.alert_to[%d]", i), "%q is not an e-mail address", a)
			}
		}
		if s.PasswordEnv != "" && s.User == "" {
			ps.add("notify.smtp.user", "password_env is set but user is not")
		}
		if s.Timeout.D() < 0 {
			ps.add("notify.smtp.timeout", "must not be negative")
		}
	}
	if n.TemplatesDir != "" {
		if st, err := os.Stat(n.TemplatesDir); err != nil || !st.IsDir() {
			ps.add("notify.templates_dir", "%s is not a readable directory", n.TemplatesDir)
		}
	}
	if n.TimeZone != "" {
		if _, err := time.LoadLocation(n.TimeZone); err != nil {
			ps.add("notify.time_zone", "unknown time zone %q", n.TimeZone)
		}
	}
}
