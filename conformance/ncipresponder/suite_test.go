package ncipresponder

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
	"github.com/lockergate/lockergate/ncip/schema"
)

// run executes the whole suite against the responder at url and returns
// the report.
func run(t *testing.T, cfg Config) *conformance.Report {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	r := &conformance.Runner{Timeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return r.Execute(ctx, New(cfg), cfg.URL)
}

func demoConfig(url string) Config {
	return Config{URL: url, User: "U1", Item: "I1", ToAgency: "LOCKERGATE", InputUser: "U1", InputPassword: "1234", RequestPrefix: "T"}
}

func verdicts(rep *conformance.Report) map[string]conformance.Result {
	m := map[string]conformance.Result{}
	for _, r := range rep.Results {
		m[r.Case.ID] = r
	}
	return m
}

// TestReferencePasses runs the suite against the project's reference
// responder (nciptest's Memory behind ncip.Handler): every case passes,
// Should and Profile cases included, and the suite leaves no loan, request
// or temporary item behind.
func TestReferencePasses(t *testing.T) {
	mem := nciptest.NewDemo()
	srv := nciptest.NewServer(t, mem)
	rep := run(t, demoConfig(srv.URL))
	if len(rep.Results) != len(New(Config{}).Cases()) {
		t.Fatalf("%d results for %d cases", len(rep.Results), len(New(Config{}).Cases()))
	}
	for _, r := range rep.Results {
		if r.Verdict != conformance.Pass {
			t.Errorf("%s (%s): %s: %s", r.Case.ID, r.Case.Level, r.Verdict, r.Message)
		}
	}
	if !rep.Passed() {
		t.Error("the report does not pass")
	}
	if l, ok := mem.Loan("I1"); ok {
		t.Errorf("I1 is still on loan after the run: %+v", l)
	}
	for n := 1; n <= 400; n++ {
		for _, id := range []string{fmt.Sprintf("T-REQ%d", n), fmt.Sprintf("T-ITEM%d", n)} {
			if _, ok := mem.Item(id); ok {
				t.Errorf("temporary item %s left behind", id)
			}
			if _, ok := mem.Request(id); ok {
				t.Errorf("request %s left behind", id)
			}
		}
	}
}

// TestEveryCaseRecordsEvidence checks that a case's verdict can be judged
// from its report: every case that ran an exchange recorded both
// directions, with the HTTP status.
func TestEveryCaseRecordsEvidence(t *testing.T) {
	srv := nciptest.NewServer(t, nciptest.NewDemo())
	rep := run(t, demoConfig(srv.URL))
	for _, r := range rep.Results {
		var sent, received bool
		for _, e := range r.Evidence {
			switch e.Dir {
			case conformance.Sent:
				sent = sent || strings.HasPrefix(e.Data, "POST ")
			case conformance.Received:
				received = received || strings.HasPrefix(e.Data, "HTTP ")
			}
		}
		if !sent || !received {
			t.Errorf("%s: evidence sent %v, received %v", r.Case.ID, sent, received)
		}
	}
}

// A brokenResponder is a deliberately wrong NCIP responder: the reference
// one with a backend or an HTTP layer that misbehaves in one way.
type brokenResponder struct {
	name string
	// backend wraps the demo Memory, if set.
	backend func(m *nciptest.Memory) ncip.Backend
	// wrap wraps the HTTP handler, if set.
	wrap func(next http.Handler) http.Handler
	// fails are the cases that must fail.
	fails []string
	// passes is set when the report must still pass (only Should and
	// Profile cases fail).
	passes bool
}

var brokenResponders = []brokenResponder{
	{
		name: "schema-invalid LookupUserResponse (an element the schema does not have)",
		wrap: rewriteBody(func(req, body string) string {
			return strings.Replace(body, "<LookupUserResponse>", "<LookupUserResponse><Foo>bar</Foo>", 1)
		}),
		fails: []string{"lookup-user/1"},
	},
	{
		name: "CheckOutItemResponse without DateDue",
		wrap: rewriteBody(func(req, body string) string {
			if strings.Contains(body, "<CheckOutItemResponse>") {
				return dateDue.ReplaceAllString(body, "")
			}
			return body
		}),
		fails: []string{"check-out-item/1"},
	},
	{
		name:  "Problem without Scheme",
		wrap:  rewriteBody(func(req, body string) string { return scheme.ReplaceAllString(body, "") }),
		fails: []string{"problem/1"},
	},
	{
		name:  "Problem without ProblemDetail and ProblemElement",
		wrap:  rewriteBody(func(req, body string) string { return detailElement.ReplaceAllString(body, "") }),
		fails: []string{"problem/2"}, passes: true,
	},
	{
		name: "HTTP 500 for a business error",
		wrap: whenAnswer("<Problem>", func(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.WriteHeader(http.StatusInternalServerError)
			w.Write(rec.Body.Bytes())
		}),
		fails: []string{"http/2"},
	},
	{
		name:  "wrong Content-Type (text/html)",
		wrap:  setContentType("text/html; charset=utf-8"),
		fails: []string{"http/1", "http/3"},
	},
	{
		name:  "Content-Type text/xml (allowed, but not what the profile names)",
		wrap:  setContentType("text/xml"),
		fails: []string{"http/3"}, passes: true,
	},
	{
		name:    "Unknown User answered as success",
		backend: func(m *nciptest.Memory) ncip.Backend { return anyUser{m} },
		fails:   []string{"lookup-user/2"},
	},
	{
		name:    "AcceptItem not idempotent",
		backend: func(m *nciptest.Memory) ncip.Backend { return &acceptOnce{Memory: m, seen: map[string]bool{}} },
		fails:   []string{"accept-item/2"}, passes: true,
	},
	{
		name: "version not echoed (always 2.02)",
		wrap: rewriteBody(func(req, body string) string {
			return version.ReplaceAllString(body, `ncip:version="`+ncip.Version202+`"`)
		}),
		fails: []string{"version/2"},
	},
	{
		name:    "CheckInItem of an item already checked in fails",
		backend: func(m *nciptest.Memory) ncip.Backend { return strictCheckIn{m} },
		fails:   []string{"check-in-item/2"}, passes: true,
	},
	{
		name: "missing response element (an empty NCIPMessage)",
		wrap: rewriteBody(func(req, body string) string {
			if strings.Contains(req, "<LookupUser>") {
				return emptyMessage.ReplaceAllString(body, "$1$3")
			}
			return body
		}),
		fails: []string{"lookup-user/1"},
	},
	{
		name: "unsupported service answered with HTTP 404",
		wrap: whenAnswer("Unsupported Service", func(w http.ResponseWriter, _ *httptest.ResponseRecorder) {
			http.Error(w, "404 page not found", http.StatusNotFound)
		}),
		fails: []string{"unsupported/1"},
	},
	{
		name: "malformed XML answered with an HTML error page and HTTP 500",
		wrap: whenAnswer("Invalid Message Syntax Error", func(w http.ResponseWriter, _ *httptest.ResponseRecorder) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("<html><body>java.lang.NullPointerException</body></html>"))
		}),
		fails: []string{"problem/5"},
	},
	{
		name: "missing data answered with Temporary Processing Failure",
		wrap: rewriteBody(func(req, body string) string {
			return strings.ReplaceAll(body, "Needed Data Missing", "Temporary Processing Failure")
		}),
		fails: []string{"problem/4"},
	},
	{
		name:    "CheckInItem answers success but does not end the loan",
		backend: func(m *nciptest.Memory) ncip.Backend { return lazyCheckIn{m} },
		fails:   []string{"ill-lifecycle/1", "ill-lifecycle/2"},
	},
	{
		name:    "DeleteItem answers success but keeps the item",
		backend: func(m *nciptest.Memory) ncip.Backend { return lazyDelete{m} },
		fails:   []string{"ill-lifecycle/3"}, passes: true,
	},
	{
		name: "strict about the version attribute (refuses a bare version)",
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := readBody(r)
				if !strings.Contains(body, ":version=") {
					w.Header().Set("Content-Type", "application/xml; charset=utf-8")
					fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><NCIPMessage xmlns="%s" xmlns:ncip="%[1]s" ncip:version="%s"><Problem><ProblemType ncip:Scheme="%s">Missing Version</ProblemType><ProblemDetail>no ncip:version</ProblemDetail><ProblemElement>NCIPMessage</ProblemElement></Problem></NCIPMessage>`, ncip.Namespace, ncip.Version202, ncip.SchemeMessagingError)
					return
				}
				next.ServeHTTP(w, r)
			})
		},
		fails: []string{"lenient/1", "lenient/2", "lenient/8"}, passes: true,
	},
	{
		name: "refuses text/xml with 415",
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
					http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
					return
				}
				next.ServeHTTP(w, r)
			})
		},
		fails: []string{"lenient/5"}, passes: true,
	},
}

// TestBrokenRespondersAreCaught runs the suite against each broken
// responder: the named cases fail, and the report passes only when the
// broken behaviour is a recommendation or a profile difference.
func TestBrokenRespondersAreCaught(t *testing.T) {
	if len(brokenResponders) < 8 {
		t.Fatalf("only %d broken responders; issue 7 asks for at least 8", len(brokenResponders))
	}
	for _, b := range brokenResponders {
		t.Run(b.name, func(t *testing.T) {
			mem := nciptest.NewDemo()
			var be ncip.Backend = mem
			if b.backend != nil {
				be = b.backend(mem)
			}
			var h http.Handler = &ncip.Handler{Backend: be}
			if b.wrap != nil {
				h = b.wrap(h)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			rep := run(t, demoConfig(srv.URL))
			got := verdicts(rep)
			for _, id := range b.fails {
				r, ok := got[id]
				if !ok {
					t.Errorf("case %s did not run", id)
					continue
				}
				if r.Verdict != conformance.Fail {
					t.Errorf("case %s: verdict %s (%s), want fail", id, r.Verdict, r.Message)
				}
			}
			if rep.Passed() != b.passes {
				var failing []string
				for _, r := range rep.Results {
					if r.Verdict != conformance.Pass {
						failing = append(failing, fmt.Sprintf("%s(%s,%s)", r.Case.ID, r.Case.Level, r.Verdict))
					}
				}
				t.Errorf("report passed %v, want %v; not passing: %s", rep.Passed(), b.passes, strings.Join(failing, " "))
			}
		})
	}
}

// TestSecretsNeverInReport runs the suite with a token, basic credentials,
// a patron PIN and an API key in the URL, against a responder that echoes
// credentials in its Problems, and checks that none of them appears
// anywhere in the report while the requests did carry them.
func TestSecretsNeverInReport(t *testing.T) {
	const (
		token = "tok-SECRET-123"
		pin   = "S3cr3tPIN"
		key   = "KEY-999-apikey"
	)
	mem := nciptest.NewDemo()
	mem.AddUser(nciptest.User{ID: "U1", Name: "Ada Lovelace", PIN: pin})
	var sawToken, sawPIN bool
	h := echoCredentials(&ncip.Handler{Backend: mem})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+token {
			sawToken = true
		}
		if r.URL.Query().Get("apikey") != key {
			t.Errorf("the API key did not reach the responder")
		}
		body := readBody(r)
		sawPIN = sawPIN || strings.Contains(body, pin)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := demoConfig(srv.URL + "/ncip?apikey=" + key)
	cfg.Token, cfg.InputPassword = token, pin
	rep := run(t, cfg)
	if !sawToken || !sawPIN {
		t.Fatalf("the responder saw the token %v, the PIN %v: the test does not exercise masking", sawToken, sawPIN)
	}
	if r := verdicts(rep)["lookup-user/4"]; r.Verdict != conformance.Fail || !strings.Contains(r.Message, "****") {
		t.Errorf("lookup-user/4 should fail with the echoed PIN masked; got %s: %s", r.Verdict, r.Message)
	}
	masked := 0
	for _, r := range rep.Results {
		texts := []string{r.Message, r.Actual, strings.Join(r.Expected, " ")}
		for _, e := range r.Evidence {
			texts = append(texts, e.Data)
			if strings.Contains(e.Data, "****") {
				masked++
			}
		}
		for _, text := range texts {
			for _, secret := range []string{token, pin, key} {
				if strings.Contains(text, secret) {
					t.Errorf("%s: report contains the secret %q: %s", r.Case.ID, secret, text)
				}
			}
		}
	}
	if masked == 0 {
		t.Error("no evidence was masked")
	}
}

// TestBasicAuthMasked checks that basic credentials reach the responder
// and never the report.
func TestBasicAuthMasked(t *testing.T) {
	const user, pass = "ncipuser", "basic-PW-4711"
	encoded := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	h := &ncip.Handler{Backend: nciptest.NewDemo()}
	saw := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		saw = saw || (ok && u == user && p == pass)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := demoConfig(srv.URL)
	cfg.BasicUser, cfg.BasicPassword = user, pass
	rep := run(t, cfg)
	if !saw {
		t.Fatal("basic credentials did not reach the responder")
	}
	for _, r := range rep.Results {
		for _, e := range r.Evidence {
			if strings.Contains(e.Data, pass) || strings.Contains(e.Data, encoded) {
				t.Errorf("%s: evidence shows the basic credentials", r.Case.ID)
			}
		}
	}
	if !rep.Passed() {
		t.Error("the reference does not pass with basic authentication")
	}
}

// TestUnreachableIsError checks that a responder that cannot be reached
// gives Error verdicts (the suite could not run), not failures or passes.
func TestUnreachableIsError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	cfg := demoConfig(url)
	cfg.Timeout = 500 * time.Millisecond
	rep := run(t, cfg)
	for _, r := range rep.Results {
		if r.Verdict != conformance.Error {
			t.Errorf("%s: verdict %s (%s), want error", r.Case.ID, r.Verdict, r.Message)
		}
	}
	if rep.Passed() {
		t.Error("an unreachable responder passes")
	}
}

// TestProbeDocumentsAreValid checks that the hand-built requests the suite
// sends (the unsupported-service probes and the lenient forms' canonical
// base) validate against the schema, so that a responder's refusal is
// about the service or the form, not about a bad request.
func TestProbeDocumentsAreValid(t *testing.T) {
	s := newSuite(demoConfig("http://127.0.0.1:1/"))
	base, err := ncip.Marshal(&ncip.Message{Version: s.cfg.Version, DeleteItem: &ncip.DeleteItem{InitiationHeader: s.initiationHeader(), ItemID: *itemID("X")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range probeServices {
		doc := strings.Replace(strings.Replace(string(base), "<DeleteItem>", "<"+svc+">", 1), "</DeleteItem>", "</"+svc+">", 1)
		if err := schema.NCIP().ValidateBytes([]byte(doc)); err != nil {
			t.Errorf("%s probe: %v", svc, err)
		}
	}
	if err := schema.NCIP().ValidateBytes([]byte(s.canonicalLookupUser())); err != nil {
		t.Errorf("canonical LookupUser: %v", err)
	}
	for _, f := range lenientForms {
		doc := f.doc(s)
		if _, err := ncip.Unmarshal(doc); err != nil {
			t.Errorf("%s: the lenient form does not decode: %v", f.key, err)
		}
		// Each form breaks one rule on purpose, never XML itself.
		d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(doc, []byte("\uFEFF"))))
		d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		depth, roots := 0, 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: not well-formed: %v", f.key, err)
				break
			}
			switch tok.(type) {
			case xml.StartElement:
				if depth == 0 {
					roots++
				}
				depth++
			case xml.EndElement:
				depth--
			}
		}
		if roots != 1 || depth != 0 {
			t.Errorf("%s: %d root elements, depth %d at the end", f.key, roots, depth)
		}
	}
	// The prefixed form is the canonical message in other clothes: XML
	// makes it equivalent, so the schema accepts it.
	if err := schema.NCIP().ValidateBytes(lenientForms[2].doc(s)); err != nil {
		t.Errorf("lenient/3: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/ncip":                              "http://127.0.0.1:8080/ncip",
		"https://u:pw@ils.example/ncip?apikey=S3CRET&tenant=diku": "https://ils.example/ncip?apikey=****&tenant=****",
		"https://ils.example/ncip?x%20y=1&flag#frag":              "https://ils.example/ncip?x+y=****&flag=****#frag",
		"http://[::1/": "(unparsable URL)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConfigStringHidesSecrets: %v, %+v, %#v and String of a Config show
// which credentials are set but not their values, nor an API key in the
// URL.
func TestConfigStringHidesSecrets(t *testing.T) {
	cfg := Config{URL: "https://ils.example/ncip?apikey=Key-S3cret-1&x=1", Token: "Tok-S3cret-2",
		BasicUser: "u", BasicPassword: "Basic-S3cret-3", InputUser: "P1", InputPassword: "Pin-S3cret-4", User: "P1", Item: "I1"}
	all := cfg.String() + fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, &cfg)
	for _, s := range []string{"Key-S3cret-1", "Tok-S3cret-2", "Basic-S3cret-3", "Pin-S3cret-4"} {
		if strings.Contains(all, s) {
			t.Errorf("%s appears in %s", s, all)
		}
	}
	for _, want := range []string{"Token:****", "BasicPassword:****", "InputPassword:****", `BasicUser:"u"`, "apikey=****", `Item:"I1"`} {
		if !strings.Contains(cfg.String(), want) {
			t.Errorf("String() = %s, want it to show %s", cfg, want)
		}
	}
	if got := (Config{}).String(); !strings.Contains(got, `Token:""`) {
		t.Errorf("an unset token reads as set: %s", got)
	}
}
