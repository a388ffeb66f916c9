package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// exampleEnv holds the secrets testdata/example.yaml names.
var exampleEnv = map[string]string{
	"LOCKERGATE_PG_DSN": "postgres://gw:pg-pass-secret@db.example.org/lockergate",
	"LOCKERGATE_SECRET": "0123456789abcdef0123456789abcdef-secret",
	"KIOSK_TOKEN":       "kiosk-token-secret-0001",
	"STAFF_TOKEN":       "staff-token-secret-0002",
	"SIP2_PASSWORD":     "sip2-pass-secret",
	"NCIP_TOKEN":        "ncip-token-secret",
	"SMS_TOKEN":         "sms-token-secret",
	"SMTP_PASSWORD":     "smtp-pass-secret",
	// The front doors' secrets.
	"SELFCHECK1_PASSWORD": "selfcheck-pass-secret",
	"SORTER_PASSWORD":     "sorter-pass-secret",
	"RESHARE_NCIP_TOKEN":  "reshare-token-secret",
	"TIPASA_NCIP_TOKEN":   "tipasa-token-secret",
}

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// loadExample loads testdata/example.yaml with env. The example's TLS
// files for the SIP2 front door are /etc paths, as an administrator would
// write them; unless env overrides them, they are pointed at a key pair
// made for the test.
func loadExample(t *testing.T, env map[string]string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withTLS := map[string]string{}
	for k, v := range env {
		withTLS[k] = v
	}
	if _, ok := env["LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE"]; !ok {
		cert, key := writeKeyPair(t, t.TempDir(), "door")
		withTLS["LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE"] = cert
		withTLS["LOCKERGATE_SIP2_FRONT_DOOR_TLS_KEY_FILE"] = key
	}
	return Load(data, "example.yaml", lookupFrom(withTLS))
}

func TestExampleLoads(t *testing.T) {
	c, err := loadExample(t, exampleEnv)
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	if c.Store.Driver != "postgres" || c.Store.DataSource() != exampleEnv["LOCKERGATE_PG_DSN"] {
		t.Errorf("store %+v", c.Store)
	}
	if c.Log.Format != "json" || c.HTTP.Listen != "127.0.0.1:8080" || c.Secret.Reveal() != exampleEnv["LOCKERGATE_SECRET"] {
		t.Errorf("top level: %+v %+v", c.Log, c.HTTP)
	}
	if len(c.Tokens) != 2 || c.Tokens[1].Role != RoleStaff || c.Tokens[1].Token.Reveal() != exampleEnv["STAFF_TOKEN"] {
		t.Errorf("tokens %+v", c.Tokens)
	}
	s := c.ILS["main"].SIP2
	if s.Password.Reveal() != "sip2-pass-secret" || s.Charset != "cp850" || s.Timeout.D() != 10*time.Second ||
		s.KeepAlive.D() != 5*time.Minute || !*s.ErrorDetection || s.DateOrder != "dmy" {
		t.Errorf("sip2 %+v", s)
	}
	if len(c.Sites) != 2 {
		t.Fatalf("%d sites", len(c.Sites))
	}
	main, east := c.Sites[0], c.Sites[1]
	if main.Capacity["L"] != 5 || main.Lockout.Window.D() != 15*time.Minute || len(main.Banks) != 2 ||
		main.Banks[0].Equipment[1].Item != "I0040" || main.Banks[0].Returns[0] != "21-22" {
		t.Errorf("main site %+v", main)
	}
	// Defaults fill what the second site leaves out.
	if east.PickupDays != 7 || east.CodeLength != 6 || east.CheckoutAt != "load" || east.Language != "fr" {
		t.Errorf("east site defaults %+v", east)
	}
	if c.Notify.SMTP.Password.Reveal() != "smtp-pass-secret" || c.Notify.Webhook.Token.Reveal() != "sms-token-secret" ||
		c.Notify.SMTP.AlertTo[0] != "circulation@library.example.org" {
		t.Errorf("notify %+v %+v", c.Notify.SMTP, c.Notify.Webhook)
	}
	n := c.ILS["main"].NCIP
	if n.Token.Reveal() != "ncip-token-secret" || n.TokenHeader != "" || n.Circulation != CirculationSIP2 ||
		n.Timeout.D() != 20*time.Second || n.FromAgency != "LOCKERGW" {
		t.Errorf("ncip %+v", n)
	}
	fd := c.SIP2FrontDoor
	if fd.Listen != "0.0.0.0:6011" || len(fd.Accounts) != 2 {
		t.Fatalf("sip2 front door %+v", fd)
	}
	if a := fd.Accounts[0]; a.Login != "selfcheck1" || a.Password.Reveal() != "selfcheck-pass-secret" || a.Institution != "MAIN" ||
		strings.Join(a.Banks, ",") != "LOCKER1,LOCKER2" || a.ILS != "main" || a.Charset != "cp850" || !*a.ErrorDetection || !a.RequireTLS {
		t.Errorf("account 0 %+v", a)
	}
	// Defaults fill what the second account leaves out.
	if a := fd.Accounts[1]; a.Password.Reveal() != "sorter-pass-secret" || a.ILS != "main" || a.Charset != "utf-8" ||
		a.Terminator != "cr" || a.ErrorDetection != nil || a.RequireTLS || len(a.Banks) != 0 {
		t.Errorf("account 1 defaults %+v", a)
	}
	if tc, err := fd.TLSConfig(); err != nil || tc == nil || len(tc.Certificates) != 1 {
		t.Errorf("front door TLS %v %v", tc, err)
	}
	ps := c.NCIPFrontDoor.Partners
	if len(ps) != 2 {
		t.Fatalf("partners %+v", ps)
	}
	if p := ps[0]; p.Agency != "RESHARE" || p.Site != "main-lobby" || p.Auth != AuthHeader || p.Header != "Authorization" ||
		p.Token.Reveal() != "reshare-token-secret" || p.PickupLocations["CAR-PARK"] != "LOCKER2" || p.ItemID != ItemIDItem ||
		zoneOf(t, p) != "Europe/Paris" || p.StrictCheckIn || p.Values["RequestedActionType"]["Hold"] != "Hold For Pickup" {
		t.Errorf("partner 0 %+v", p)
	}
	if p := ps[1]; p.Auth != AuthMessage || p.Header != "" || p.Token.Reveal() != "tipasa-token-secret" || p.ItemID != ItemIDItem ||
		p.TimeZone != "UTC" || zoneOf(t, p) != "UTC" {
		t.Errorf("partner 1 defaults %+v", p)
	}
	ac, err := s.SIP2Config()
	if err != nil {
		t.Fatal(err)
	}
	if ac.Charset != sip2.CharsetCP850 || ac.TLS == nil || ac.TLS.ServerName != "ils.example.org" || ac.Password != "sip2-pass-secret" ||
		ac.TimeZone.String() != "Europe/Paris" || ac.PoolSize != 4 {
		t.Errorf("adapter config %v", ac)
	}
}

// TestExampleDocumentsEveryKey: every key of Config appears in the
// example, so the documentation cannot fall behind the code.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range allKeys() {
		if !strings.Contains(string(data), key+":") {
			t.Errorf("testdata/example.yaml does not document %q", key)
		}
	}
}

func TestBadFiles(t *testing.T) {
	const base = `
ils:
  main:
    sip2: {addr: "127.0.0.1:6001", institution: DEMO}
sites:
  - id: lobby
    ils: main
    banks:
      - id: B1
        driver: "sim:?compartments=24"
`
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want []string // each a substring of one problem
	}{
		{"syntax", "sites: [\n", nil, []string{"line"}},
		{"unknown top-level key", base + "colour: blue\n", nil, []string{`colour (line 11): unknown key "colour"; known keys here: data_dir, store`}},
		{"misspelt nested key", strings.Replace(base, "driver:", "drivr:", 1), nil,
			[]string{`sites[0].banks[0].drivr (line 10): unknown key "drivr"; known keys here: id, name, location, driver`}},
		{"unknown driver scheme", strings.Replace(base, "sim:?compartments=24", "foo://x", 1), nil,
			[]string{`sites[0].banks[0].driver (line 10): unknown locker driver scheme "foo"; known: http, https, kerong+serial`}},
		{"bad sim option", strings.Replace(base, "compartments=24", "compartmentz=24", 1), nil,
			[]string{`sites[0].banks[0].driver (line 10):`, "compartmentz"}},
		{"literal password", strings.Replace(base, "institution: DEMO", "institution: DEMO, password: hunter2-secret", 1), nil,
			[]string{`ils.main.sip2.password (line 4): secrets are not kept in the configuration file`, "password_env"}},
		{"literal token", base + "tokens: [{name: k, role: kiosk, token: abc-secret}]\n", nil,
			[]string{`tokens[0].token (line 11): secrets are not kept`}},
		{"unset env", strings.Replace(base, "institution: DEMO", "institution: DEMO, user: u, password_env: NOPE_PW", 1), nil,
			[]string{`ils.main.sip2.password_env (line 4): environment variable NOPE_PW is not set`}},
		{"bad duration", strings.Replace(base, "institution: DEMO", "institution: DEMO, timeout: 10 seconds", 1), nil,
			[]string{`ils.main.sip2.timeout (line 4): invalid duration "10 seconds"`}},
		{"bad int", base + "    pickup_days: a week\n", nil, []string{`sites[0].pickup_days (line 11): want a whole number, not "a week"`}},
		{"bad bool", strings.Replace(base, "institution: DEMO", "institution: DEMO, tls: maybe", 1), nil,
			[]string{`ils.main.sip2.tls (line 4): want true or false`}},
		{"list expected", base + "tokens: kiosk\n", nil, []string{`tokens (line 11): want a list`}},
		{"unknown ils", strings.Replace(base, "ils: main", "ils: mian", 1), nil,
			[]string{`sites[0].ils (line 7): no ILS named "mian" under ils:; known: main`}},
		{"duplicate site and bank ids", base + `  - id: lobby
    ils: main
    banks:
      - id: B1
        driver: "sim:"
`, nil, []string{`sites[1].id (line 11): site id "lobby" is used twice`, `sites[1].banks[0].id (line 14): bank id "B1" is used twice (also sites[0].banks[0])`}},
		{"compartment ranges", base + `        returns: ["21-22", "22", "30-31", "5-3"]
        equipment: [{item: L1, compartment: "21"}, {item: L1, compartment: "23"}, {item: L2, compartment: "23"}]
`, nil, []string{
			`sites[0].banks[0].returns[1] (line 11): compartment 22 is listed twice (also sites[0].banks[0].returns[0])`,
			`sites[0].banks[0].returns[2] (line 11): compartment "30" is not in this bank (the driver has 24)`,
			`sites[0].banks[0].returns[3] (line 11): range "5-3"`,
			`sites[0].banks[0].equipment[0].compartment (line 12): compartment 21 is also a returns compartment`,
			`sites[0].banks[0].equipment[1].item (line 12): item L1 is already configured`,
			`sites[0].banks[0].equipment[2].compartment (line 12): compartment 23 is already the home of sites[0].banks[0].equipment[1]`,
		}},
		{"policies", base + "    checkout_at: later\n    code_length: 4\n    language: English\n", nil, []string{
			`sites[0].checkout_at (line 11): want pickup or load, not "later"`,
			`sites[0].code_length (line 12): want 6 to 12 digits, not 4`,
			`sites[0].language (line 13): want an ISO 639-1 code`,
		}},
		{"no sites", "ils: {}\n", nil, []string{"sites: at least one site is required"}},
		{"store", base + "store: {driver: mysql, dsn: \"postgres://u:pw-secret@h/db\"}\n", nil, []string{
			`store.driver (line 11): unknown store driver "mysql"; known: sqlite, postgres`,
			`store.dsn (line 11): the DSN holds a password`,
		}},
		{"token rules", base + `tokens:
  - {name: a, role: root, token_env: TA}
  - {name: a, role: kiosk, token_env: TB}
`, map[string]string{"TA": "short", "TB": "short"}, []string{
			`tokens[0].role (line 12): unknown role "root"; known: kiosk, staff, admin`,
			`tokens[0].token_env (line 12): the token in TA is 5 characters; at least 16 are needed`,
			`tokens[1].name (line 13): token name "a" is used twice`,
			`tokens[1].token_env (line 13): tokens[0] and tokens[1] have the same token`,
		}},
		{"driver with a secret", strings.Replace(base, "sim:?compartments=24", "https://vendor.example/api?bank=B1&key=k-secret", 1), nil,
			[]string{`sites[0].banks[0].driver (line 10): option key of https://vendor.example/api?bank=B1&key=REDACTED is a secret`}},
		{"sip2 values", strings.Replace(base, "{addr: \"127.0.0.1:6001\", institution: DEMO}", "{addr: nohost, charset: ebcdic, terminator: nul, pool_size: 100}", 1), nil, []string{
			`ils.main.sip2.addr (line 4): "nohost" is not host:port`,
			`ils.main.sip2.institution (line 4): the institution id (AO) is required`,
			`ils.main.sip2.charset (line 4): unknown charset "ebcdic"`,
			`ils.main.sip2.terminator (line 4): unknown terminator "nul"`,
			`ils.main.sip2.pool_size (line 4): want 1 to 64 connections, not 100`,
		}},
		{"notify", base + "notify: {smtp: {addr: smtp.example.org, from: nobody}, webhook: {url: \"ftp://x\"}}\n", nil, []string{
			`notify.smtp.addr (line 11): "smtp.example.org" is not host:port`,
			`notify.smtp.from (line 11): "nobody" is not an e-mail address`,
			`notify.webhook.url (line 11): want an http:// or https:// URL`,
		}},
		{"key given twice", strings.Replace(base, "    ils: main\n", "    ils: main\n    ils: main\n", 1) +
			"http: {listen: \"127.0.0.1:1\"}\nhttp: {listen: \"127.0.0.1:2\"}\n", nil, []string{
			`sites[0].ils (line 8): "ils" is given twice in one mapping (first at line 7)`,
			`http (line 13): "http" is given twice in one mapping (first at line 12)`,
		}},
		{"ILS name given twice", strings.Replace(base, "sites:\n", "  main:\n    sip2: {addr: \"127.0.0.1:6002\", institution: DEMO}\nsites:\n", 1), nil, []string{
			`ils.main (line 5): "main" is given twice in one mapping (first at line 3)`,
		}},
		{"env override checked", base, map[string]string{"LOCKERGATE_HTTP_LISTEN": "everywhere", "LOCKERGATE_LOG_LEVEL": "loud"}, []string{
			`http.listen (environment LOCKERGATE_HTTP_LISTEN): "everywhere" is not host:port`,
			`log.level (environment LOCKERGATE_LOG_LEVEL): unknown log level "loud"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.yaml), "bad.yaml", lookupFrom(tt.env))
			if err == nil {
				t.Fatalf("loaded without error:\n%s", tt.yaml)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config bad.yaml: ") {
				t.Errorf("error does not name the file: %s", msg)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T, want *Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("missing %q in:\n%s", w, msg)
				}
			}
			if n := len(ce.Problems); n > len(tt.want)+1 {
				t.Errorf("%d problems for %d expected:\n%s", n, len(tt.want), msg)
			}
			for _, secret := range []string{"hunter2-secret", "abc-secret", "pw-secret", "k-secret", "short"} {
				if strings.Contains(msg, secret) && !strings.Contains(tt.yaml, "name: "+secret) {
					t.Errorf("error shows secret %q:\n%s", secret, msg)
				}
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	env := map[string]string{}
	for k, v := range exampleEnv {
		env[k] = v
	}
	env["LOCKERGATE_HTTP_LISTEN"] = "0.0.0.0:9090"
	env["LOCKERGATE_STORE_DRIVER"] = "sqlite"
	env["LOCKERGATE_STORE_DSN"] = "/var/lib/lockergate/gw.db"
	env["LOCKERGATE_STORE_DSN_ENV"] = ""
	env["LOCKERGATE_DATA_DIR"] = "/var/lib/lockergate"
	env["LOCKERGATE_LOG_FORMAT"] = "text"
	env["LOCKERGATE_LOG_LEVEL"] = "debug"
	c, err := loadExample(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "0.0.0.0:9090" || c.Store.Driver != "sqlite" || c.Store.DataSource() != "/var/lib/lockergate/gw.db" ||
		c.DataDir != "/var/lib/lockergate" || c.Log.Format != "text" || c.Log.Level != "debug" {
		t.Errorf("overrides not applied: %+v %+v %s %+v", c.HTTP, c.Store, c.DataDir, c.Log)
	}
	want := map[string]string{
		"LOCKERGATE_HTTP_LISTEN": "http.listen", "LOCKERGATE_STORE_DRIVER": "store.driver", "LOCKERGATE_STORE_DSN": "store.dsn",
		"LOCKERGATE_DATA_DIR": "data_dir", "LOCKERGATE_LOG_FORMAT": "log.format", "LOCKERGATE_LOG_LEVEL": "log.level",
		"LOCKERGATE_SIP2_FRONT_DOOR_LISTEN": "sip2_front_door.listen", "LOCKERGATE_NOTIFY_TEMPLATES_DIR": "notify.templates_dir",
	}
	got := EnvOverrides()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("EnvOverrides[%s] = %q, want %q", k, got[k], v)
		}
	}
	// A postgres DSN with a password is fine from the environment, and
	// hidden from String.
	env["LOCKERGATE_STORE_DRIVER"] = "postgres"
	env["LOCKERGATE_STORE_DSN"] = "postgres://gw:env-pass-secret@db/x"
	c, err = loadExample(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.DataSource() != env["LOCKERGATE_STORE_DSN"] || strings.Contains(c.String(), "env-pass-secret") {
		t.Errorf("DSN from the environment: %q; String shows it: %v", c.Store.DataSource(), strings.Contains(c.String(), "env-pass-secret"))
	}
}

// TestSecretsNeverPrinted renders the loaded example every way a log line
// might and looks for every secret value.
func TestSecretsNeverPrinted(t *testing.T) {
	c, err := loadExample(t, exampleEnv)
	if err != nil {
		t.Fatal(err)
	}
	// (Driver strings cannot hold a literal secret: TestBadFiles.)
	j, _ := json.Marshal(c)
	ac, _ := c.ILS["main"].SIP2.SIP2Config()
	outputs := []string{
		c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%#v", c), string(j),
		fmt.Sprintf("%v %+v", c.ILS["main"].SIP2, *c.ILS["main"].SIP2), fmt.Sprintf("%v", c.Tokens), fmt.Sprint(ac),
		fmt.Sprintf("%+v", c.Notify.SMTP), fmt.Sprintf("%+v", c.Store),
		fmt.Sprintf("%v %+v %#v", c.SIP2FrontDoor, c.SIP2FrontDoor.Accounts, c.SIP2FrontDoor.Accounts[0]),
		fmt.Sprintf("%v %+v %#v", c.NCIPFrontDoor, c.NCIPFrontDoor.Partners, c.NCIPFrontDoor.Partners[0]),
		fmt.Sprintf("%+v", *c.ILS["main"].NCIP),
	}
	var secrets []string
	for _, v := range exampleEnv {
		secrets = append(secrets, v)
	}
	for i, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("output %d shows %q:\n%s", i, s, out)
			}
		}
	}
	for _, name := range []string{"password_env: SIP2_PASSWORD", "password_env: SELFCHECK1_PASSWORD", "token_env: RESHARE_NCIP_TOKEN"} {
		if !strings.Contains(c.String(), name) {
			t.Errorf("String should show the variable name %s:\n%s", name, c.String())
		}
	}
	if !strings.Contains(c.String(), "password_env: SIP2_PASSWORD") {
		t.Errorf("String should show the variable names:\n%s", c.String())
	}
	if Secret("x").String() != "****" || Secret("").String() != "" || Secret("x").Reveal() != "x" {
		t.Error("Secret rendering")
	}
}

func TestDefault(t *testing.T) {
	c := Default(t.TempDir())
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "ils.sim.sip2.addr: the ILS's SIP2 address (host:port) is required") {
		t.Fatalf("Default without the simulator's address: %v", err)
	}
	c.ILS[DemoILS].SIP2.Addr = "127.0.0.1:45678"
	if err := c.Validate(); err != nil {
		t.Fatalf("Default: %v", err)
	}
	b := c.Sites[0].Banks[0]
	if b.Driver != DemoDriver || len(b.Equipment) != 2 || b.Returns[0] != "21-22" || c.Store.Driver != "sqlite" ||
		!strings.HasPrefix(c.Store.DataSource(), c.DataDir) {
		t.Errorf("Default: %+v", c)
	}
	ac, err := c.ILS[DemoILS].SIP2.SIP2Config()
	if err != nil || ac.Addr != "127.0.0.1:45678" || ac.Institution != "DEMO" || ac.Password == "" {
		t.Errorf("Default adapter config %v (%v)", ac, err)
	}
	// Round trip: the defaults written out load again.
	tmp := filepath.Join(t.TempDir(), "lockergate.yaml")
	os.WriteFile(tmp, []byte(c.String()), 0o600)
	if _, err := LoadFile(tmp); err != nil {
		t.Errorf("defaults written as YAML do not load: %v\n%s", err, c.String())
	}
}

func TestEmptyFileUsesDefaultsButNeedsSites(t *testing.T) {
	_, err := Load(nil, "empty.yaml", nil)
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Path != "sites" {
		t.Fatalf("empty file: %v", err)
	}
}

func TestExpandRange(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"7", "7", false}, {"A3", "A3", false}, {"21-24", "21,22,23,24", false}, {" 3 - 4 ", "3,4", false},
		{"", "", true}, {"4-3", "", true}, {"0-2", "", true}, {"1,2", "", true}, {"1-99999", "", true},
	}
	for _, tt := range tests {
		got, err := ExpandRange(tt.in)
		if (err != nil) != tt.err || strings.Join(got, ",") != tt.want {
			t.Errorf("ExpandRange(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"10s": 10 * time.Second, "7d": 7 * 24 * time.Hour, "1.5d": 36 * time.Hour, "1h30m": 90 * time.Minute} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || d.D() != want {
			t.Errorf("%s: %v %v", in, d, err)
		}
	}
	for _, in := range []string{"", "7", "d", "-1d", "soon"} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q parsed as %v", in, d)
		}
	}
}

// allKeys lists every YAML key name of Config and its sections.
func allKeys() []string {
	seen := map[string]bool{}
	var visit func(t reflectType)
	visit = func(t reflectType) {
		for _, f := range yamlFields(t) {
			seen[f.name] = true
			visit(elemStruct(f.typ))
		}
	}
	visit(configType())
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLoadStore(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Only the database's secret is set: the other *_env variables are
	// not needed to migrate.
	env := map[string]string{"LOCKERGATE_PG_DSN": exampleEnv["LOCKERGATE_PG_DSN"]}
	c, err := LoadStore(data, "example.yaml", lookupFrom(env))
	if err != nil {
		t.Fatalf("LoadStore: %v", err)
	}
	if c.Store.Driver != "postgres" || c.Store.DataSource() != env["LOCKERGATE_PG_DSN"] {
		t.Errorf("store %+v", c.Store)
	}
	if _, err := Load(data, "example.yaml", lookupFrom(env)); err == nil {
		t.Error("the full Load should need the other secrets")
	}
	_, err = LoadStore(data, "example.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "store.dsn_env (line 22): environment variable LOCKERGATE_PG_DSN is not set") {
		t.Errorf("unset DSN variable: %v", err)
	}
	_, err = LoadStore([]byte("store: {drivr: sqlite}\n"), "x.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), `store.drivr (line 1): unknown key`) {
		t.Errorf("typo: %v", err)
	}
	c, err = LoadStore(nil, "", lookupFrom(map[string]string{"LOCKERGATE_DATA_DIR": "/srv/lg"}))
	if err != nil || c.Store.Driver != "sqlite" || c.Store.DataSource() != filepath.Join("/srv/lg", "lockergate.db") {
		t.Errorf("defaults with LOCKERGATE_DATA_DIR: %+v %v", c, err)
	}
}

// FuzzLoad feeds arbitrary YAML to Load: it must answer with a config or
// an *Error, never panic, and never echo a secret from the environment.
func FuzzLoad(f *testing.F) {
	if data, err := os.ReadFile("testdata/example.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("sites: [{id: a, ils: x, banks: [{id: b, driver: 'sim:', returns: ['1-2']}]}]\nils: {x: {sip2: {addr: 'h:1', institution: I}}}\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("store: [1, 2]\ntokens: {a: b}\n"))
	f.Add([]byte("sites: [{id: a, ils: x, banks: [{id: b, location: L, driver: 'sim:'}]}]\nils: {x: {sip2: {addr: 'h:1', institution: I}, ncip: {url: 'http://h/ncip', circulation: ncip, timeout: 5s}}}\n" +
		"sip2_front_door: {listen: ':0', accounts: [{login: a, password_env: SIP2_PASSWORD, banks: [b], error_detection: false}]}\n" +
		"ncip_front_door: {partners: [{agency: A, token_env: NCIP_TOKEN, pickup_locations: {P: L}, time_zone: Europe/Paris, values: {RequestType: {h: Hold}}}]}\n"))
	f.Add([]byte("ncip_front_door: {partners: [{agency: A, auth: none, token_env: X, header: 'a b'}, {agency: a}]}\nsip2_front_door: {tls_cert_file: /nope, accounts: [{login: '|'}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Load(data, "fuzz.yaml", lookupFrom(exampleEnv))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			for _, v := range exampleEnv {
				if strings.Contains(err.Error(), v) && !strings.Contains(string(data), v) {
					t.Fatalf("error echoes a secret: %v", err)
				}
			}
			return
		}
		_ = c.String()
	})
}

func TestReturnCompartments(t *testing.T) {
	b := Bank{Returns: []string{"21-22", "A7"}}
	ids, err := b.ReturnCompartments()
	if err != nil || strings.Join(ids, ",") != "21,22,A7" {
		t.Errorf("%v %v", ids, err)
	}
	if _, err := (Bank{Returns: []string{"x,y"}}).ReturnCompartments(); err == nil {
		t.Error("bad entry accepted")
	}
}

func TestAliasBomb(t *testing.T) {
	// Type-correct at every level, so that a walk without a budget would
	// visit 1000 sites x 1000 banks x 1000 returns.
	rep := func(s string, n int) string { return strings.TrimSuffix(strings.Repeat(s+", ", n), ", ") }
	var b strings.Builder
	b.WriteString("r: &r [" + rep(`"1"`, 1000) + "]\n")
	b.WriteString("b: &b {id: B, driver: 'sim:', returns: *r}\n")
	b.WriteString("s: &s {id: S, ils: x, banks: [" + rep("*b", 1000) + "]}\n")
	b.WriteString("sites: [" + rep("*s", 1000) + "]\n")
	// No clock: the budget's message shows the walk stopped at maxNodes;
	// a walk without one would not finish within the test's timeout.
	_, err := Load([]byte(b.String()), "bomb.yaml", nil)
	if err == nil {
		t.Fatal("an alias bomb loaded")
	}
	if !strings.Contains(err.Error(), "aliases expand to more than") {
		t.Errorf("error %.300s", err)
	}
	var ce *Error
	if errors.As(err, &ce) && len(ce.Problems) > maxProblems+1 {
		t.Errorf("%d problems listed", len(ce.Problems))
	}
}
