// Package config reads lockergate's configuration: one YAML file plus
// environment overrides, validated before anything starts, so that a
// mistake stops start-up with a message naming the key, the line and the
// problem:
//
//	config lockergate.yaml: sites[0].banks[1].driver (line 23): unknown locker driver scheme "foo"; known: http, https, kerong+serial, ...
//
// testdata/example.yaml documents every key. Secrets never live in the
// file: a key ending in _env names the environment variable that holds
// the secret (password_env, token_env, dsn_env, secret_env), and a literal
// password: or token: is refused. Resolved secrets are kept in Secret
// values, which print as "****".
//
// # Front doors
//
// Two sections configure the gateway's protocol front doors. sip2_front_door
// is a SIP2 server (an ACS) for self-checks, sorters and kiosks: listen,
// optional TLS files, and the accounts that may log in, each with its
// password, allowed banks, the ILS its other messages pass through to and
// its wire settings. ncip_front_door lists the interlibrary-loan partners
// served at /ncip on the HTTP listener, each selected by the FromAgencyId
// of its messages, with its authentication, pickup locations, vocabulary
// and time zone. Everything they name (banks, sites, ILSs, files, zones)
// is checked at load, and what a single site or ILS implies is filled in,
// so that the code serving them has no defaults of its own to guess.
//
// # Environment overrides
//
// Every scalar key outside lists and maps can be overridden by an
// environment variable named LOCKERGATE_ followed by its path, upper-cased,
// with dots as underscores: LOCKERGATE_HTTP_LISTEN, LOCKERGATE_STORE_DRIVER,
// LOCKERGATE_STORE_DSN, LOCKERGATE_DATA_DIR, LOCKERGATE_LOG_FORMAT,
// LOCKERGATE_LOG_LEVEL, LOCKERGATE_SIP2_FRONT_DOOR_LISTEN,
// LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE, LOCKERGATE_NOTIFY_TEMPLATES_DIR
// ... An override wins over the file; errors about an overridden value
// name the variable instead of a line. Lists (tokens, sites, accounts,
// partners) and maps (ils) have no overrides.
package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	// DataDir holds the SQLite database and the generated secret.
	DataDir string `yaml:"data_dir"`
	Store   Store  `yaml:"store"`
	HTTP    HTTP   `yaml:"http"`
	// SIP2FrontDoor is the gateway's SIP2 server (an ACS) for software
	// that already speaks SIP2: self-checks, sorters, a vendor's kiosk.
	SIP2FrontDoor FrontDoor `yaml:"sip2_front_door"`
	// NCIPFrontDoor is the gateway's NCIP responder for interlibrary-loan
	// systems.
	NCIPFrontDoor NCIPFrontDoor `yaml:"ncip_front_door"`
	Log           Log           `yaml:"log"`
	// SecretEnv names the variable holding the key for pickup-code
	// hashes (at least 32 bytes). Without it, serve generates one into
	// DataDir/secret (mode 0600) on first start.
	SecretEnv string `yaml:"secret_env"`
	// Secret is the value of SecretEnv, empty when not configured.
	Secret Secret `yaml:"-"`
	// Tokens are the API's bearer tokens.
	Tokens []Token `yaml:"tokens"`
	// ILS holds the library systems by name; sites refer to them.
	ILS    map[string]*ILS `yaml:"ils"`
	Sites  []Site          `yaml:"sites"`
	Notify Notify          `yaml:"notify"`

	// where records, for error messages, the line (or environment
	// variable) each key path came from.
	where map[string]string
	// file is the configuration file's name, for errors.
	file string
}

// Store selects the database.
type Store struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string `yaml:"driver"`
	// DSN is the data source: a file path for SQLite (default
	// DataDir/lockergate.db), a postgres:// URL or key=value string for
	// PostgreSQL. A DSN holding a password must come from DSNEnv.
	DSN string `yaml:"dsn"`
	// DSNEnv names a variable holding the DSN instead.
	DSNEnv string `yaml:"dsn_env"`
	// DSNSecret is the value of DSNEnv.
	DSNSecret Secret `yaml:"-"`
}

// DataSource returns the DSN to open: DSNEnv's value when set, else DSN.
func (s Store) DataSource() string {
	if s.DSNSecret != "" {
		return s.DSNSecret.Reveal()
	}
	return s.DSN
}

// HTTP configures the REST API server.
type HTTP struct {
	// Listen is the host:port to serve on (default 127.0.0.1:8080).
	Listen string `yaml:"listen"`
}

// FrontDoor configures the SIP2 front door: the gateway answering SIP2
// as an ACS, loading lockers on a checkin (09) at a bank's location and
// passing every other message through to the ILS.
type FrontDoor struct {
	// Listen is the host:port, empty for none. It needs Accounts: a
	// listener nobody can log in to is a mistake, not a feature.
	Listen string `yaml:"listen"`
	// TLSCertFile and TLSKeyFile (PEM, given together) make the listener
	// speak TLS; without them it is plain TCP.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// Accounts are the clients that may log in (93).
	Accounts []FrontDoorAccount `yaml:"accounts"`
}

// FrontDoorAccount is one SIP2 client of the front door.
type FrontDoorAccount struct {
	// Login is the 93 login user id (CN), unique.
	Login string `yaml:"login"`
	// PasswordEnv names the variable holding the login password (CO).
	PasswordEnv string `yaml:"password_env"`
	// Password is PasswordEnv's value.
	Password Secret `yaml:"-"`
	// Institution, when set, must match the client's institution id (AO).
	Institution string `yaml:"institution"`
	// Banks lists the bank ids this client may load; empty: every bank.
	Banks []string `yaml:"banks"`
	// ILS names the entry of Config.ILS that the client's other messages
	// pass through to; filled in when there is only one ILS.
	ILS string `yaml:"ils"`
	// Charset: utf-8 (default), cp850, iso-8859-1, ascii.
	Charset string `yaml:"charset"`
	// Terminator: cr (default), crlf, lf.
	Terminator string `yaml:"terminator"`
	// ErrorDetection: unset (the default) checks AY/AZ on the requests
	// that carry them and answers in kind; true requires them on every
	// request and always sends them; false ignores them (clients with
	// broken checksums). See ConnOptions.
	ErrorDetection *bool `yaml:"error_detection"`
	// RequireTLS refuses this login on a plain connection; it needs the
	// front door's TLS files.
	RequireTLS bool `yaml:"require_tls"`
}

// NCIPFrontDoor configures the gateway's NCIP responder, served at /ncip
// on the HTTP listener when Partners are set.
type NCIPFrontDoor struct {
	// Partners are the ILL systems allowed to send, one profile each.
	Partners []Partner `yaml:"partners"`
}

// Partner is one ILL system's profile, selected by the FromAgencyId of
// its messages: real partners differ in authentication, vocabulary and
// dates, so each gets its own settings.
type Partner struct {
	// Agency is the FromAgencyId the partner sends; required, unique
	// (compared ignoring case, as NCIP values are).
	Agency string `yaml:"agency"`
	// Site is the site whose banks and ILS the partner's loans use;
	// filled in when there is only one site.
	Site string `yaml:"site"`
	// Auth is how the partner proves itself: header (default: a token
	// in an HTTP header), message (the token in the message's
	// authentication elements) or none (a private network).
	Auth string `yaml:"auth"`
	// Header is the HTTP header for auth: header (default
	// Authorization, where "Bearer <token>" and the bare token both
	// pass).
	Header string `yaml:"header"`
	// TokenEnv names the variable holding the partner's token; required
	// unless Auth is none.
	TokenEnv string `yaml:"token_env"`
	// Token is TokenEnv's value.
	Token Secret `yaml:"-"`
	// PickupLocations maps the partner's PickupLocation values to a bank
	// id or an ILS location code of a bank of Site.
	PickupLocations map[string]string `yaml:"pickup_locations"`
	// ItemID is the barcode the gateway knows the item by: item
	// (default: AcceptItem's ItemId, else the request id) or request
	// (always the request id).
	ItemID string `yaml:"item_id"`
	// TimeZone reads the partner's dates that carry no zone (IANA name;
	// default UTC).
	TimeZone string `yaml:"time_zone"`
	// StrictCheckIn answers a CheckInItem of an item that was never
	// checked out with the Problem "Item Not Checked Out" instead of
	// success.
	StrictCheckIn bool `yaml:"strict_checkin"`
	// Values maps the partner's vocabulary to the standard's: element
	// name → partner value → standard value, for the two elements the
	// front door reads, RequestedActionType and PickupLocation (before
	// PickupLocations); keys are matched exactly, then ignoring case.
	Values map[string]map[string]string `yaml:"values"`

	// loc is TimeZone loaded by validation.
	loc *time.Location
}

// Location returns the partner's time zone: the one validation loaded,
// else TimeZone loaded now (UTC when empty). The error, for a Partner
// built in code and not validated, names a zone that does not load; a
// loaded configuration never has one.
func (p Partner) Location() (*time.Location, error) {
	if p.loc != nil {
		return p.loc, nil
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("config: partner %s: unknown time zone %q", p.Agency, p.TimeZone)
	}
	return loc, nil
}

// Partner authentication methods.
const (
	AuthHeader  = "header"
	AuthMessage = "message"
	AuthNone    = "none"
)

// Partner item id choices.
const (
	ItemIDItem    = "item"
	ItemIDRequest = "request"
)

// NCIP circulation choices: which protocol carries ILL checkouts and
// checkins.
const (
	CirculationSIP2 = "sip2"
	CirculationNCIP = "ncip"
)

// Log configures logging.
type Log struct {
	// Format is "text" (default) or "json".
	Format string `yaml:"format"`
	// Level is a logrus level: trace, debug, info (default), warn, error.
	Level string `yaml:"level"`
}

// Token is one API bearer token.
type Token struct {
	// Name identifies the token in logs and the audit trail.
	Name string `yaml:"name"`
	// Role is kiosk, staff or admin.
	Role string `yaml:"role"`
	// TokenEnv names the variable holding the token (at least 16
	// characters).
	TokenEnv string `yaml:"token_env"`
	// Token is TokenEnv's value.
	Token Secret `yaml:"-"`
}

// Token roles.
const (
	RoleKiosk = "kiosk"
	RoleStaff = "staff"
	RoleAdmin = "admin"
)

// ILS is one library system. SIP2 is required: holds, loads and
// pickups go over it. NCIP is for interlibrary loans.
type ILS struct {
	SIP2 *SIP2 `yaml:"sip2"`
	NCIP *NCIP `yaml:"ncip"`
}

// SIP2 is an ILS's SIP2 service (see ils.SIP2Config).
type SIP2 struct {
	Addr string `yaml:"addr"`
	// TLS connects with TLS; TLSCAFile adds a CA to trust (PEM),
	// TLSServerName overrides the name checked in the certificate.
	TLS           bool   `yaml:"tls"`
	TLSCAFile     string `yaml:"tls_ca_file"`
	TLSServerName string `yaml:"tls_server_name"`
	User          string `yaml:"user"`
	PasswordEnv   string `yaml:"password_env"`
	// Password is PasswordEnv's value.
	Password            Secret `yaml:"-"`
	TerminalPasswordEnv string `yaml:"terminal_password_env"`
	// TerminalPassword is TerminalPasswordEnv's value.
	TerminalPassword Secret `yaml:"-"`
	Institution      string `yaml:"institution"`
	Location         string `yaml:"location"`
	// Charset: utf-8 (default), cp850, iso-8859-1, ascii.
	Charset string `yaml:"charset"`
	// Terminator: cr (default), crlf, lf.
	Terminator string `yaml:"terminator"`
	// ErrorDetection sends and checks AY/AZ (default true).
	ErrorDetection *bool    `yaml:"error_detection"`
	PoolSize       int      `yaml:"pool_size"`
	Timeout        Duration `yaml:"timeout"`
	KeepAlive      Duration `yaml:"keep_alive"`
	// TimeZone of the ILS's dates (an IANA name; default: local).
	TimeZone string `yaml:"time_zone"`
	// DateOrder reads ambiguous numeric due dates: mdy or dmy.
	DateOrder string `yaml:"date_order"`
	// VerifyWith is the PIN check message: "63" (default) or "23".
	VerifyWith string `yaml:"verify_with"`
}

// NCIP is an ILS's NCIP responder (interlibrary loans).
type NCIP struct {
	URL        string `yaml:"url"`
	TokenEnv   string `yaml:"token_env"`
	Token      Secret `yaml:"-"`
	FromAgency string `yaml:"from_agency"`
	ToAgency   string `yaml:"to_agency"`
	// TokenHeader is the header the token goes in; empty: Authorization:
	// Bearer <token>.
	TokenHeader string `yaml:"token_header"`
	// Circulation is the protocol for ILL checkouts and checkins: sip2
	// (default) or ncip.
	Circulation string `yaml:"circulation"`
	// Timeout is per NCIP call (default 20s).
	Timeout Duration `yaml:"timeout"`
}

// Site is one library location with its policies and banks.
type Site struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// ILS names an entry of Config.ILS.
	ILS string `yaml:"ils"`
	// CheckoutAt is "pickup" (default) or "load".
	CheckoutAt string `yaml:"checkout_at"`
	// PickupDays is how long loaded items wait (default 7).
	PickupDays int `yaml:"pickup_days"`
	// Language of notifications, ISO 639-1 (default en).
	Language string `yaml:"language"`
	// CodeLength is the digits of pickup codes (default 6, 6 to 12).
	CodeLength int `yaml:"code_length"`
	// Capacity is items per compartment per size class (default 3).
	Capacity map[string]int `yaml:"capacity"`
	Lockout  Lockout        `yaml:"lockout"`
	Banks    []Bank         `yaml:"banks"`
}

// Lockout limits failed PIN and code attempts.
type Lockout struct {
	MaxFailures     int      `yaml:"max_failures"`
	Window          Duration `yaml:"window"`
	Duration        Duration `yaml:"duration"`
	BankMaxFailures int      `yaml:"bank_max_failures"`
}

// Bank is one locker bank.
type Bank struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Location is the ILS location code of the bank (checkins, pickup
	// location of holds).
	Location string `yaml:"location"`
	// Driver is the lockers.Open configuration string.
	Driver string `yaml:"driver"`
	// Returns lists compartments for returns: ids or numeric ranges
	// ("21-22").
	Returns []string `yaml:"returns"`
	// Equipment lists lendable items in their home compartments.
	Equipment []Equipment `yaml:"equipment"`
	// SizeRanks orders the bank's size classes, smallest first (default
	// S=1, M=2, L=3, XL=4).
	SizeRanks map[string]int `yaml:"size_ranks"`
}

// Equipment is one lendable item.
type Equipment struct {
	Item        string `yaml:"item"`
	Compartment string `yaml:"compartment"`
	Type        string `yaml:"type"`
	Title       string `yaml:"title"`
}

// Notify configures notifications.
type Notify struct {
	Webhook *Webhook `yaml:"webhook"`
	SMTP    *SMTP    `yaml:"smtp"`
	// TemplatesDir overrides the embedded message templates
	// (templates/<site>/<lang>/<kind>.txt, templates/<lang>/<kind>.txt).
	TemplatesDir string `yaml:"templates_dir"`
	// TimeZone dates are shown in (IANA name; default local).
	TimeZone string `yaml:"time_zone"`
}

// Webhook configures the webhook notifier.
type Webhook struct {
	URL      string   `yaml:"url"`
	TokenEnv string   `yaml:"token_env"`
	Token    Secret   `yaml:"-"`
	Timeout  Duration `yaml:"timeout"`
}

// SMTP configures the e-mail notifier.
type SMTP struct {
	Addr        string   `yaml:"addr"`
	From        string   `yaml:"from"`
	FromName    string   `yaml:"from_name"`
	User        string   `yaml:"user"`
	PasswordEnv string   `yaml:"password_env"`
	Password    Secret   `yaml:"-"`
	ImplicitTLS bool     `yaml:"implicit_tls"`
	RequireTLS  bool     `yaml:"require_tls"`
	AlertTo     []string `yaml:"alert_to"`
	Timeout     Duration `yaml:"timeout"`
}

// Secret is a value that must not be shown: it prints as "****" with %v,
// %s, %#v and in YAML and JSON. Reveal returns it.
type Secret string

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "****"
}

// GoString masks the secret.
func (s Secret) GoString() string { return s.String() }

// MarshalText masks the secret in JSON and YAML output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself, for the code that uses it.
func (s Secret) Reveal() string { return string(s) }

// Duration is a time.Duration written as Go writes durations ("10s",
// "15m", "1h30m"), or in days ("7d").
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes the duration as Go does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "10s", "1h30m" or "7d".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" && !strings.ContainsAny(n, "hmsuµn") {
		var days float64
		if _, err := fmt.Sscanf(n, "%g", &days); err != nil || days < 0 {
			return 0, fmt.Errorf("invalid duration %q: want a number of days such as 7d", s)
		}
		return time.Duration(days * 24 * float64(time.Hour)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want e.g. 10s, 15m, 2h or 7d", s)
	}
	return v, nil
}

// Problem is one thing wrong with a configuration.
type Problem struct {
	// Path is the key path ("sites[0].banks[1].driver").
	Path string
	// Where is "line 23", "environment LOCKERGATE_HTTP_LISTEN", or "".
	Where string
	Msg   string
}

// String gives "path (where): message", the form every configuration error
// takes, leaving out what is unknown.
func (p Problem) String() string {
	s := p.Path
	if p.Where != "" {
		s += " (" + p.Where + ")"
	}
	if s == "" {
		return p.Msg
	}
	return s + ": " + p.Msg
}

// Error lists every problem found in a configuration.
type Error struct {
	File     string
	Problems []Problem
}

// Error names the file and every problem, one a line when there are
// several.
func (e *Error) Error() string {
	name := "config"
	if e.File != "" {
		name += " " + e.File
	}
	if len(e.Problems) == 1 {
		return name + ": " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems:", name, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// problems collects problems with their locations.
type problems struct {
	where  map[string]string
	list   []Problem
	budget int // nodes decode may still visit
	more   int // problems beyond maxProblems, counted only
}

// maxProblems is how many problems an Error lists; a file that is wrong
// everywhere gets the first ones and a count.
const maxProblems = 50

func (ps *problems) add(path, format string, args ...any) {
	if len(ps.list) >= maxProblems {
		ps.more++
		return
	}
	ps.list = append(ps.list, Problem{Path: path, Where: ps.locate(path), Msg: fmt.Sprintf(format, args...)})
}

// locate finds where path (or its nearest parent present in the file) was
// written.
func (ps *problems) locate(path string) string {
	for p := path; p != ""; p = parent(p) {
		if w, ok := ps.where[p]; ok {
			return w
		}
	}
	return ""
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	list := ps.list
	if ps.more > 0 {
		list = append(list, Problem{Msg: fmt.Sprintf("... and %d more problems", ps.more)})
	}
	return &Error{File: file, Problems: list}
}

// LoadFile reads and checks the configuration file at path, with
// environment overrides and secrets from the process environment.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Load(data, path, os.LookupEnv)
}

// Load reads and checks a configuration. name is the file name for
// errors; lookup reads the environment (os.LookupEnv), for overrides and
// for the secrets that *_env keys name. Every problem found is reported in
// one *Error.
func Load(data []byte, name string, lookup func(string) (string, bool)) (*Config, error) {
	c, ps, err := decodeWithEnv(data, name, &lookup)
	if err != nil {
		return nil, err
	}
	c.resolveSecrets(lookup, ps)
	c.validate(ps)
	if err := ps.err(name); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadStore reads only what "lockergate migrate" needs from a
// configuration: data_dir and store, with their environment overrides and
// store.dsn_env. The whole file's shape is still checked (a misspelt key
// anywhere is reported), but the rest is not validated and no other
// secret is read, so that migrating needs only the database's credentials.
func LoadStore(data []byte, name string, lookup func(string) (string, bool)) (*Config, error) {
	c, ps, err := decodeWithEnv(data, name, &lookup)
	if err != nil {
		return nil, err
	}
	only := &Config{Store: Store{DSNEnv: c.Store.DSNEnv}}
	only.resolveSecrets(lookup, ps)
	c.Store.DSNSecret = only.Store.DSNSecret
	c.validateStore(ps)
	if err := ps.err(name); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeWithEnv is the first half of Load and LoadStore: decode and check
// the file's shape, apply the environment overrides, fill in defaults. A
// nil *lookup becomes an empty environment.
func decodeWithEnv(data []byte, name string, lookup *func(string) (string, bool)) (*Config, *problems, error) {
	if *lookup == nil {
		*lookup = func(string) (string, bool) { return "", false }
	}
	c, err := decode(data, name)
	if err != nil {
		return nil, nil, err
	}
	ps := &problems{where: c.where}
	applyEnv(c, *lookup, ps)
	if err := ps.err(name); err != nil {
		return nil, nil, err
	}
	c.defaults()
	return c, ps, nil
}

// Validate checks a configuration built in code (Default, after serve has
// filled in the simulator's address). Secrets must already be set.
func (c *Config) Validate() error {
	c.defaults()
	ps := &problems{where: c.where}
	c.validate(ps)
	return ps.err(c.file)
}

// knownRoles lists the token roles, for messages.
var knownRoles = []string{RoleKiosk, RoleStaff, RoleAdmin}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var errNoValue = errors.New("no value")
