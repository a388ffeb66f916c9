package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lockergate/lockergate/gateway/ils"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// Names used by the zero-configuration demo setup.
const (
	DemoSite = "main-lobby"
	DemoILS  = "sim"
	DemoBank = "LOCKER1"
	// DemoDriver is a simulated bank of 24 compartments: 12 small, 8
	// medium, 4 large.
	DemoDriver = "sim:?compartments=24&sizes=S:12,M:8,L:4&name=LOCKER1"
)

// Default is the zero-configuration setup that "lockergate serve" runs
// without a file: SQLite under dataDir, the API on 127.0.0.1:8080, the
// simulated ILS (sip2mem's demo library, whose SIP2 address serve fills in
// as ILS[DemoILS].SIP2.Addr once it has started it), and one simulated
// bank of 24 compartments in three sizes, with compartments 21 and 22 for
// returns and two lendable laptops in 23 and 24. Call Validate after
// filling in the address.
func Default(dataDir string) *Config {
	if dataDir == "" {
		dataDir = DefaultDataDir
	}
	on := true
	c := &Config{
		DataDir: dataDir,
		Store:   Store{Driver: "sqlite", DSN: filepath.Join(dataDir, DefaultSQLiteFile)},
		HTTP:    HTTP{Listen: DefaultListen},
		Log:     Log{Format: "text", Level: "info"},
		ILS: map[string]*ILS{DemoILS: {SIP2: &SIP2{
			User:        sip2mem.DemoUser,
			Password:    Secret(sip2mem.DemoPassword), // the simulator's published demo login
			Institution: sip2mem.DemoInstitution,
			Location:    sip2mem.DemoBranch,
			Charset:     "utf-8", Terminator: "cr", ErrorDetection: &on,
			PoolSize: 4, Timeout: Duration(5 * time.Second), VerifyWith: "63",
		}}},
		Sites: []Site{{
			ID: DemoSite, Name: "Main library lobby", ILS: DemoILS,
			CheckoutAt: "pickup", PickupDays: DefaultPickupDays, Language: DefaultLanguage, CodeLength: DefaultCodeLength,
			Capacity: map[string]int{"S": 2, "M": 3, "L": 5},
			Lockout:  Lockout{MaxFailures: 5, Window: Duration(15 * time.Minute), Duration: Duration(15 * time.Minute)},
			Banks: []Bank{{
				ID: DemoBank, Name: "Lobby lockers", Location: sip2mem.DemoBranch,
				Driver:  DemoDriver,
				Returns: []string{"21-22"},
				Equipment: []Equipment{
					{Item: "I0039", Compartment: "23", Type: "laptop", Title: "Laptop 1"},
					{Item: "I0040", Compartment: "24", Type: "laptop", Title: "Laptop 2"},
				},
			}},
		}},
		where: map[string]string{},
		file:  "(built-in defaults)",
	}
	return c
}

// SIP2Config turns an ILS's sip2 section into the adapter's configuration
// (reading tls_ca_file). Logging and Debug are left for the caller.
func (s *SIP2) SIP2Config() (ils.SIP2Config, error) {
	cs, err := sip2.ParseCharset(s.Charset)
	if err != nil {
		return ils.SIP2Config{}, err
	}
	term, ok := terminators[strings.ToLower(s.Terminator)]
	if !ok {
		return ils.SIP2Config{}, fmt.Errorf("config: unknown terminator %q", s.Terminator)
	}
	out := ils.SIP2Config{
		Addr:             s.Addr,
		User:             s.User,
		Password:         s.Password.Reveal(),
		TerminalPassword: s.TerminalPassword.Reveal(),
		Institution:      s.Institution,
		Location:         s.Location,
		Charset:          cs,
		Terminator:       term,
		ErrorDetection:   s.ErrorDetection == nil || *s.ErrorDetection,
		PoolSize:         s.PoolSize,
		Timeout:          s.Timeout.D(),
		KeepAlive:        s.KeepAlive.D(),
		DateOrder:        s.DateOrder,
		VerifyWith:       s.VerifyWith,
	}
	if s.TimeZone != "" {
		loc, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return ils.SIP2Config{}, fmt.Errorf("config: time zone %q: %v", s.TimeZone, err)
		}
		out.TimeZone = loc
	}
	if s.TLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.TLSServerName}
		if tc.ServerName == "" {
			if host, _, err := net.SplitHostPort(s.Addr); err == nil {
				tc.ServerName = host
			}
		}
		if s.TLSCAFile != "" {
			pem, err := os.ReadFile(s.TLSCAFile)
			if err != nil {
				return ils.SIP2Config{}, fmt.Errorf("config: tls_ca_file: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return ils.SIP2Config{}, fmt.Errorf("config: tls_ca_file %s holds no PEM certificate", s.TLSCAFile)
			}
			tc.RootCAs = pool
		}
		out.TLS = tc
	}
	return out, nil
}

// String renders the configuration as YAML with every secret hidden:
// *_env keys show the variable's name only, and driver strings and DSNs
// are redacted. It is what "serve" may log at start-up.
func (c *Config) String() string {
	cp := *c
	cp.Store.DSN = redactDSN(cp.Store.DSN)
	cp.Sites = append([]Site(nil), c.Sites...)
	for i := range cp.Sites {
		cp.Sites[i].Banks = append([]Bank(nil), c.Sites[i].Banks...)
		for j := range cp.Sites[i].Banks {
			cp.Sites[i].Banks[j].Driver = lockers.Redact(cp.Sites[i].Banks[j].Driver)
		}
	}
	b, err := yaml.Marshal(&cp)
	if err != nil {
		return "config: " + err.Error()
	}
	return string(b)
}

// GoString is String, so that %#v hides secrets too.
func (c *Config) GoString() string { return c.String() }

// redactDSN hides a password in a postgres URL or key=value DSN.
func redactDSN(dsn string) string {
	if !dsnHasPassword(dsn) {
		return dsn
	}
	return "REDACTED (holds a password)"
}

// ReturnCompartments lists the bank's returns compartments with ranges
// expanded ("21-22" gives "21", "22").
func (b Bank) ReturnCompartments() ([]string, error) {
	var out []string
	for _, r := range b.Returns {
		ids, err := ExpandRange(r)
		if err != nil {
			return nil, fmt.Errorf("config: bank %s returns: %w", b.ID, err)
		}
		out = append(out, ids...)
	}
	return out, nil
}
