package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// writeKeyPair writes a self-signed certificate and its key (PEM) into
// dir as name.crt and name.key.
func writeKeyPair(t testing.TB, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "lockergate test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// doorBase is one ILS and one site of two banks: single-site and
// single-ILS defaults apply. What a case appends starts at line 11.
const doorBase = `
ils:
  main:
    sip2: {addr: "127.0.0.1:6001", institution: DEMO}
sites:
  - id: lobby
    ils: main
    banks:
      - {id: B1, location: LOBBY, driver: "sim:?compartments=24"}
      - {id: B2, driver: "sim:"}
`

// doorMulti has two ILSs and two sites: nothing is filled in. What a case
// appends starts at line 8.
const doorMulti = `
ils:
  main: {sip2: {addr: "127.0.0.1:6001", institution: DEMO}}
  branch: {sip2: {addr: "127.0.0.1:6002", institution: BR}}
sites:
  - {id: lobby, ils: main, banks: [{id: B1, location: LOBBY, driver: "sim:"}]}
  - {id: east, ils: branch, banks: [{id: E1, location: EAST, driver: "sim:"}]}
`

// doorSecrets are values the bad cases put in the environment or the
// file; no error may show one.
var doorSecrets = []string{"t1-token-secret-api", "t1-token-secret\n", " t2-token-secret", "pa|ss-secret", "hunter2-secret", "t1-token-secret", "t2-token-secret", "t3-token-secret", "u:p-secret"}

func TestDoorsBad(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := writeKeyPair(t, dir, "a")
	_, keyB := writeKeyPair(t, dir, "b")
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello\n"), 0o600)
	missing := filepath.Join(dir, "missing.crt")
	door := func(tls string) string {
		return "sip2_front_door:\n  listen: \"127.0.0.1:6011\"\n" + tls + "  accounts: [{login: a, password_env: PA}]\n"
	}
	env := map[string]string{"PA": "pa-pass", "PB": "pb-pass", "T1": "t1-token-secret", "T2": "t2-token-secret", "T3": "t3-token-secret"}
	tests := []struct {
		name string
		yaml string
		env  map[string]string // added to env
		want []string          // each a substring of one problem
	}{
		{"listen without accounts", doorBase + "sip2_front_door: {listen: \"127.0.0.1:6011\"}\n", nil, []string{
			`sip2_front_door.listen (line 11): the front door has no accounts, so nothing could log in`,
		}},
		{"accounts without listen", doorBase + "sip2_front_door:\n  accounts: [{login: a, password_env: PA}]\n", nil, []string{
			`sip2_front_door.accounts (line 12): accounts need listen`,
		}},
		{"account rules", doorBase + `sip2_front_door:
  listen: "127.0.0.1:6011"
  accounts:
    - {login: sc, password_env: PA, banks: [B1, B9, B1], ils: nope, charset: ebcdic, terminator: nul, require_tls: true}
    - {login: sc, password_env: PB, institution: "M|X"}
    - {login: "a|b"}
    - {password_env: PB}
`, map[string]string{"PA": "pa|ss-secret"}, []string{
			`sip2_front_door.accounts[0].password_env (line 14): the password in PA holds '|', which separates SIP2 fields: no client could send it`,
			`sip2_front_door.accounts[0].banks[1] (line 14): no bank with id "B9" under sites; known: B1, B2`,
			`sip2_front_door.accounts[0].banks[2] (line 14): bank "B1" is listed twice (also banks[0])`,
			`sip2_front_door.accounts[0].ils (line 14): no ILS named "nope" under ils:; known: main`,
			`sip2_front_door.accounts[0].charset (line 14): unknown charset "ebcdic"; known: utf-8, cp850, iso-8859-1, ascii`,
			`sip2_front_door.accounts[0].terminator (line 14): unknown terminator "nul"; known: cr, crlf, lf`,
			`sip2_front_door.accounts[0].require_tls (line 14): require_tls needs the front door's tls_cert_file and tls_key_file`,
			`sip2_front_door.accounts[1].login (line 15): login "sc" is used twice (also accounts[0])`,
			`sip2_front_door.accounts[1].institution (line 15): institution "M|X" holds '|'`,
			`sip2_front_door.accounts[2].login (line 16): login "a|b" holds '|'`,
			`sip2_front_door.accounts[2].password_env (line 16): an account needs password_env`,
			`sip2_front_door.accounts[3].login (line 17): an account needs a login`,
		}},
		{"literal account password", doorBase + "sip2_front_door:\n  listen: \":6011\"\n  accounts:\n    - {login: b, password: hunter2-secret}\n", nil, []string{
			`sip2_front_door.accounts[0].password (line 14): secrets are not kept in the configuration file`,
		}},
		{"unset account password", strings.Replace(doorBase+door(""), "PA", "NOPE_PW", 1), nil, []string{
			`sip2_front_door.accounts[0].password_env (line 13): environment variable NOPE_PW is not set`,
		}},
		{"account ils needed with several", doorMulti + "sip2_front_door:\n  listen: \":6011\"\n  accounts: [{login: a, password_env: PA, banks: [E1, B2]}]\n", nil, []string{
			`sip2_front_door.accounts[0].ils (line 10): an account needs ils, the ILS its other messages pass through to, when there are several; known: branch, main`,
			`sip2_front_door.accounts[0].banks[1] (line 10): no bank with id "B2" under sites; known: B1, E1`,
		}},
		{"cert without key", doorBase + door("  tls_cert_file: "+certA+"\n"), nil, []string{
			`sip2_front_door.tls_cert_file (line 13): tls_cert_file is set but tls_key_file is not: give both`,
		}},
		{"key without cert", doorBase + door("  tls_key_file: "+keyA+"\n"), nil, []string{
			`sip2_front_door.tls_key_file (line 13): tls_key_file is set but tls_cert_file is not: give both`,
		}},
		{"unreadable cert", doorBase + door("  tls_cert_file: "+missing+"\n  tls_key_file: "+keyA+"\n"), nil, []string{
			`sip2_front_door.tls_cert_file (line 13): cannot read ` + missing + `: no such file or directory`,
		}},
		{"not a pair", doorBase + door("  tls_cert_file: "+certA+"\n  tls_key_file: "+keyB+"\n"), nil, []string{
			`sip2_front_door.tls_cert_file (line 13): ` + certA + ` and ` + keyB + ` are not a certificate and its private key: tls: private key does not match public key`,
		}},
		{"not PEM", doorBase + door("  tls_cert_file: "+notPEM+"\n  tls_key_file: "+keyA+"\n"), nil, []string{
			`sip2_front_door.tls_cert_file (line 13): ` + notPEM + ` and ` + keyA + ` are not a certificate and its private key: tls: failed to find any PEM data`,
		}},
		{"front door env overrides checked", doorBase + door(""), map[string]string{
			"LOCKERGATE_SIP2_FRONT_DOOR_LISTEN": "everywhere", "LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE": missing,
			"LOCKERGATE_SIP2_FRONT_DOOR_TLS_KEY_FILE": keyA,
		}, []string{
			`sip2_front_door.listen (environment LOCKERGATE_SIP2_FRONT_DOOR_LISTEN): "everywhere" is not host:port`,
			`sip2_front_door.tls_cert_file (environment LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE): cannot read`,
		}},
		{"partner rules", doorBase + `ncip_front_door:
  partners:
    - {agency: "", token_env: T1}
    - {agency: ILL, auth: magic}
    - {agency: ill, token_env: T2}
    - {agency: X, auth: none, token_env: T3, header: X-Key}
    - {agency: Y, auth: message}
    - {agency: Z, token_env: T1, header: "Bad Header", item_id: barcode, time_zone: Mars/Olympus}
    - {agency: " W", site: nowhere, auth: none}
    - {agency: V, auth: none, pickup_locations: {A: B1, B: LOBBY, C: B9}}
    - {agency: U, auth: none, values: {"Requested Action": {x: y}, RequestedActionType: {Hold: ""}}}
`, nil, []string{
			`ncip_front_door.partners[0].agency (line 13): a partner needs agency, the FromAgencyId its messages carry`,
			`ncip_front_door.partners[1].auth (line 14): unknown auth "magic"; known: header, message, none`,
			`ncip_front_door.partners[2].agency (line 15): agency "ill" is used twice (also partners[1]); agencies are compared ignoring case`,
			`ncip_front_door.partners[3].token_env (line 16): auth: none takes no token`,
			`ncip_front_door.partners[3].header (line 16): header is only used with auth: header, not none`,
			`ncip_front_door.partners[4].token_env (line 17): auth: message needs token_env`,
			`ncip_front_door.partners[5].header (line 18): "Bad Header" is not an HTTP header name`,
			`ncip_front_door.partners[5].item_id (line 18): want item or request, not "barcode"`,
			`ncip_front_door.partners[5].time_zone (line 18): unknown time zone "Mars/Olympus"`,
			`ncip_front_door.partners[5].token_env (line 18): partners[0] and partners[5] have the same token`,
			`ncip_front_door.partners[6].agency (line 19): agency " W" has leading or trailing spaces`,
			`ncip_front_door.partners[6].site (line 19): no site with id "nowhere"; known: lobby`,
			`ncip_front_door.partners[7].pickup_locations.C (line 20): "B9" is neither the id nor the location of a bank of site lobby; known: B1, LOBBY, B2`,
			`ncip_front_door.partners[8].values.Requested Action (line 21): "Requested Action" is not an NCIP element name`,
			`ncip_front_door.partners[8].values.RequestedActionType.Hold (line 21): want the standard value that "Hold" stands for`,
		}},
		// The front door reads the values of two elements only, matching
		// keys ignoring case: a vocabulary for any other element would be
		// ignored without a word, and keys that differ only in case but
		// stand for different values would be picked at random.
		{"partner vocabulary and pickup keys", doorBase + `ncip_front_door:
  partners:
    - agency: A
      auth: none
      values:
        RequestType: {Loan: Hold}
        RequestedActionTyp: {Hold: Hold For Pickup}
        requestedActionType: {Hold: Hold For Pickup, HOLD: Hold For Pickup, hold: Loan, "": Hold For Pickup}
        PickupLocation: {Main: B1}
      pickup_locations: {main: B1, MAIN: B2, Lobby: B1, LOBBY: B1, "": B1, " ": B2}
`, nil, []string{
			`ncip_front_door.partners[0].values.RequestType (line 16): the front door translates the values of RequestedActionType and PickupLocation only`,
			`ncip_front_door.partners[0].values.RequestedActionTyp (line 17): the front door translates the values of RequestedActionType and PickupLocation only`,
			`ncip_front_door.partners[0].values.requestedActionType (line 18): an empty value cannot be translated`,
			`ncip_front_door.partners[0].values.requestedActionType.hold (line 18): "HOLD" and "hold" differ only in case but stand for different values ("Hold For Pickup", "Loan"); the front door matches them ignoring case`,
			`ncip_front_door.partners[0].pickup_locations (line 20): an empty pickup location cannot be mapped`,
			`ncip_front_door.partners[0].pickup_locations.main (line 20): "MAIN" and "main" differ only in case but stand for different values ("B2", "B1"); the front door matches them ignoring case`,
		}},
		// A token read from a file often keeps its line break: the front
		// door trims what a partner sends in a header, so such a token
		// would lock the partner out; the ILS adapter refuses one at start.
		{"tokens with a line break or spaces", strings.Replace(doorBase, "    sip2: {addr", "    ncip: {url: \"https://ils.example/ncip\", token_env: T3}\n    sip2: {addr", 1) + `ncip_front_door:
  partners:
    - {agency: A, token_env: T1}
    - {agency: B, auth: message, token_env: T2}
`, map[string]string{"T1": "t1-token-secret\n", "T2": " t2-token-secret", "T3": "t3-token-secret\r\n"}, []string{
			`ils.main.ncip.token_env (line 4): the token in T3 has a control character or spaces at its ends: the library system could not read it as sent; remove them from the variable`,
			`ncip_front_door.partners[0].token_env (line 14): the token in T1 has a control character or spaces at its ends: the partner could not send it as it is; remove them from the variable`,
			`ncip_front_door.partners[1].token_env (line 15): the token in T2 has a control character or spaces at its ends`,
		}},
		// An ILL partner holding an API token could use the REST API
		// with that token's role.
		{"partner token is an API token", doorBase + `tokens:
  - {name: staff, role: staff, token_env: TAPI}
ncip_front_door:
  partners:
    - {agency: A, token_env: TAPI2}
`, map[string]string{"TAPI": "t1-token-secret-api", "TAPI2": "t1-token-secret-api"}, []string{
			`ncip_front_door.partners[0].token_env (line 15): the token in TAPI2 is also tokens[0]'s (staff), an API token: the partner could use the API with it; give the partner its own`,
		}},
		{"literal partner token", doorBase + "ncip_front_door: {partners: [{agency: A, token: hunter2-secret}]}\n", nil, []string{
			`ncip_front_door.partners[0].token (line 11): secrets are not kept in the configuration file`,
		}},
		{"misspelt partner key", doorBase + "ncip_front_door: {partners: [{agency: A, auth: none, pickup_location: {X: B1}}]}\n", nil, []string{
			`ncip_front_door.partners[0].pickup_location (line 11): unknown key "pickup_location"; known keys here: agency, site, auth, header, token_env, pickup_locations`,
		}},
		{"partner site needed with several", doorMulti + `ncip_front_door:
  partners:
    - {agency: A, auth: none}
    - {agency: B, auth: none, site: lobby, pickup_locations: {X: E1, Y: LOBBY}}
`, nil, []string{
			`ncip_front_door.partners[0].site (line 10): a partner needs site, the site whose banks and ILS its loans use, when there are several; known: lobby, east`,
			`ncip_front_door.partners[1].pickup_locations.X (line 11): "E1" is neither the id nor the location of a bank of site lobby; known: B1, LOBBY`,
		}},
		{"ils ncip values", strings.Replace(doorBase, "    sip2: {addr", "    ncip: {url: \"https://u:p-secret@x/ncip\", token_header: \"X Key\", circulation: z39, timeout: -1s, from_agency: GW}\n    sip2: {addr", 1), nil, []string{
			`ils.main.ncip.url (line 4): the URL holds credentials: use token_env`,
			`ils.main.ncip.token_header (line 4): "X Key" is not an HTTP header name`,
			`ils.main.ncip.token_header (line 4): token_header is set but token_env is not`,
			`ils.main.ncip.from_agency (line 4): from_agency and to_agency go together`,
			`ils.main.ncip.circulation (line 4): want sip2 or ncip (the protocol for ILL checkouts and checkins), not "z39"`,
			`ils.main.ncip.timeout (line 4): want a positive duration`,
		}},
		{"ncip alone", strings.Replace(doorBase, "    sip2: {addr: \"127.0.0.1:6001\", institution: DEMO}", "    ncip: {url: \"https://ils.example/ncip\"}", 1), nil, []string{
			`ils.main.sip2 (line 3): an ILS needs a sip2 section even with ncip: holds, loads and pickups go over SIP2`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			for k, v := range tt.env {
				e[k] = v
			}
			_, err := Load([]byte(tt.yaml), "bad.yaml", lookupFrom(e))
			if err == nil {
				t.Fatalf("loaded without error:\n%s", tt.yaml)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T, want *Error", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("missing %q in:\n%s", w, msg)
				}
			}
			if n := len(ce.Problems); n != len(tt.want) {
				t.Errorf("%d problems for %d expected:\n%s", n, len(tt.want), msg)
			}
			for _, s := range doorSecrets {
				if strings.Contains(msg, s) {
					t.Errorf("error shows secret %q:\n%s", s, msg)
				}
			}
		})
	}
}

// TestDoorsGood loads a small configuration with both front doors and
// checks what it says and what the defaults fill in.
func TestDoorsGood(t *testing.T) {
	cert, key := writeKeyPair(t, t.TempDir(), "door")
	yaml := doorBase + `sip2_front_door:
  listen: "127.0.0.1:0"
  tls_cert_file: ` + cert + `
  tls_key_file: ` + key + `
  accounts:
    - {login: kiosk, password_env: PA, banks: [B2], require_tls: true}
    - {login: sorter, password_env: PB, institution: DEMO, charset: iso-8859-1, terminator: crlf, error_detection: false}
    - {login: staff, password_env: PB, terminator: LF, error_detection: true}
ncip_front_door:
  partners:
    - {agency: RESHARE, token_env: T1, pickup_locations: {LOBBY-LOCKERS: B1, MAIN: LOBBY}, time_zone: America/Chicago,
       values: {RequestedActionType: {hold: Hold For Pickup}}}
    - {agency: TIPASA, auth: message, token_env: T2, item_id: request, strict_checkin: true}
    - {agency: LAN, auth: none}
`
	env := map[string]string{"PA": "pa-pass", "PB": "pb-pass", "T1": "t1-token-secret", "T2": "t2-token-secret"}
	c, err := Load([]byte(yaml), "good.yaml", lookupFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	f := c.SIP2FrontDoor
	kiosk, sorter, staff := f.Accounts[0], f.Accounts[1], f.Accounts[2]
	if kiosk.ILS != "main" || kiosk.Charset != "utf-8" || kiosk.Terminator != "cr" || kiosk.ErrorDetection != nil ||
		kiosk.Password.Reveal() != "pa-pass" || kiosk.Banks[0] != "B2" || !kiosk.RequireTLS {
		t.Errorf("kiosk %+v", kiosk)
	}
	tc, err := f.TLSConfig()
	if err != nil || tc == nil || len(tc.Certificates) != 1 || tc.MinVersion == 0 {
		t.Errorf("TLSConfig %+v %v", tc, err)
	}
	opts := []struct {
		a    FrontDoorAccount
		want sip2.ConnOptions
	}{
		{kiosk, sip2.ConnOptions{Charset: sip2.CharsetUTF8, Terminator: sip2.TerminatorCR, ErrorDetection: sip2.ErrorDetectionAuto}},
		{sorter, sip2.ConnOptions{Charset: sip2.CharsetISO88591, Terminator: sip2.TerminatorCRLF, ErrorDetection: sip2.ErrorDetectionOff}},
		{staff, sip2.ConnOptions{Charset: sip2.CharsetUTF8, Terminator: sip2.TerminatorLF, ErrorDetection: sip2.ErrorDetectionOn}},
		// Built in code with nothing set: the defaults.
		{FrontDoorAccount{Login: "x"}, sip2.ConnOptions{Charset: sip2.CharsetUTF8, Terminator: sip2.TerminatorCR, ErrorDetection: sip2.ErrorDetectionAuto}},
	}
	for _, o := range opts {
		got, err := o.a.ConnOptions()
		if err != nil || got.Charset != o.want.Charset || got.Terminator != o.want.Terminator || got.ErrorDetection != o.want.ErrorDetection {
			t.Errorf("%s ConnOptions = %+v, %v; want %+v", o.a.Login, got, err, o.want)
		}
	}
	if _, err := (FrontDoorAccount{Login: "x", Charset: "ebcdic"}).ConnOptions(); err == nil {
		t.Error("ConnOptions accepted charset ebcdic")
	}
	ps := c.NCIPFrontDoor.Partners
	reshare, tipasa, lan := ps[0], ps[1], ps[2]
	if reshare.Site != "lobby" || reshare.Auth != AuthHeader || reshare.Header != "Authorization" || reshare.ItemID != ItemIDItem ||
		reshare.Token.Reveal() != "t1-token-secret" || reshare.PickupLocations["MAIN"] != "LOBBY" ||
		reshare.Values["RequestedActionType"]["hold"] != "Hold For Pickup" || zoneOf(t, reshare) != "America/Chicago" {
		t.Errorf("reshare %+v", reshare)
	}
	if tipasa.Auth != AuthMessage || tipasa.Header != "" || tipasa.ItemID != ItemIDRequest || !tipasa.StrictCheckIn || zoneOf(t, tipasa) != "UTC" {
		t.Errorf("tipasa %+v", tipasa)
	}
	if lan.Auth != AuthNone || lan.Token != "" || lan.Site != "lobby" {
		t.Errorf("lan %+v", lan)
	}
	// A configuration with no front doors has none after defaults.
	c2, err := Load([]byte(doorBase), "plain.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c2.SIP2FrontDoor.Listen != "" || len(c2.SIP2FrontDoor.Accounts) != 0 || len(c2.NCIPFrontDoor.Partners) != 0 {
		t.Errorf("front doors without keys: %+v %+v", c2.SIP2FrontDoor, c2.NCIPFrontDoor)
	}
	if tc, err := c2.SIP2FrontDoor.TLSConfig(); tc != nil || err != nil {
		t.Errorf("TLSConfig without files: %v %v", tc, err)
	}
}

// TestDoorsInCode: a configuration built in code (as serve builds its
// zero-configuration one) is defaulted and validated the same way.
func TestDoorsInCode(t *testing.T) {
	c := Default(t.TempDir())
	c.ILS[DemoILS].SIP2.Addr = "127.0.0.1:45678"
	c.ILS[DemoILS].NCIP = &NCIP{URL: "http://127.0.0.1:45679/ncip"}
	c.SIP2FrontDoor = FrontDoor{Listen: "127.0.0.1:0", Accounts: []FrontDoorAccount{{Login: "sc", PasswordEnv: "X", Password: "pw"}}}
	c.NCIPFrontDoor.Partners = []Partner{{Agency: "ILL", Auth: AuthNone, TimeZone: "Asia/Tokyo", PickupLocations: map[string]string{"L": DemoBank}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if a := c.SIP2FrontDoor.Accounts[0]; a.ILS != DemoILS || a.Charset != "utf-8" || a.Terminator != "cr" || a.ErrorDetection != nil {
		t.Errorf("account defaults %+v", a)
	}
	if p := c.NCIPFrontDoor.Partners[0]; p.Site != DemoSite || p.ItemID != ItemIDItem || zoneOf(t, p) != "Asia/Tokyo" || p.loc == nil {
		t.Errorf("partner defaults %+v", p)
	}
	if n := c.ILS[DemoILS].NCIP; n.Circulation != CirculationSIP2 || n.Timeout.D() != DefaultNCIPTimeout {
		t.Errorf("ncip defaults %+v", n)
	}
	// Location without validation reads TimeZone, and names a zone that
	// does not load.
	for zone, want := range map[string]string{"Europe/Oslo": "Europe/Oslo", "": "UTC", "UTC": "UTC"} {
		if got := zoneOf(t, Partner{TimeZone: zone}); got != want {
			t.Errorf("Location(%q) = %s, want %s", zone, got, want)
		}
	}
	if loc, err := (Partner{Agency: "ILL", TimeZone: "Mars/Olympus"}).Location(); loc != nil || err == nil ||
		err.Error() != `config: partner ILL: unknown time zone "Mars/Olympus"` {
		t.Errorf("Location of an unknown zone: %v, %v", loc, err)
	}
}

// zoneOf is p.Location()'s name, failing the test on an error.
func zoneOf(t *testing.T, p Partner) string {
	t.Helper()
	loc, err := p.Location()
	if err != nil {
		t.Fatalf("partner %s: %v", p.Agency, err)
	}
	return loc.String()
}

func TestDoorEnvOverrides(t *testing.T) {
	got := EnvOverrides()
	for k, v := range map[string]string{
		"LOCKERGATE_SIP2_FRONT_DOOR_LISTEN":        "sip2_front_door.listen",
		"LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE": "sip2_front_door.tls_cert_file",
		"LOCKERGATE_SIP2_FRONT_DOOR_TLS_KEY_FILE":  "sip2_front_door.tls_key_file",
	} {
		if got[k] != v {
			t.Errorf("EnvOverrides[%s] = %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if strings.Contains(k, "ACCOUNTS") || strings.Contains(k, "PARTNERS") {
			t.Errorf("a list key has an override: %s", k)
		}
	}
	// The overrides win over the file.
	cert, key := writeKeyPair(t, t.TempDir(), "env")
	env := map[string]string{
		"PA": "pa-pass", "LOCKERGATE_SIP2_FRONT_DOOR_LISTEN": "0.0.0.0:7011",
		"LOCKERGATE_SIP2_FRONT_DOOR_TLS_CERT_FILE": cert, "LOCKERGATE_SIP2_FRONT_DOOR_TLS_KEY_FILE": key,
	}
	c, err := Load([]byte(doorBase+"sip2_front_door:\n  listen: \"127.0.0.1:6011\"\n  accounts: [{login: a, password_env: PA, require_tls: true}]\n"), "env.yaml", lookupFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	if f := c.SIP2FrontDoor; f.Listen != "0.0.0.0:7011" || f.TLSCertFile != cert || f.TLSKeyFile != key {
		t.Errorf("overrides not applied: %+v", f)
	}
}
