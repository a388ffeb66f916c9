package notify

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const testCode = "480913"

func sample(kind, lang string) gateway.Notification {
	return gateway.Notification{
		ID:           "ntf-42",
		Kind:         kind,
		Site:         "main-lobby",
		Language:     lang,
		Patron:       gateway.Patron{ID: "P0001", Name: "Ada Lovelace", Email: "ada@example.org", Phone: "+15550100"},
		Bank:         "LOCKER1",
		BankName:     "Lobby lockers",
		Compartments: []string{"7", "12"},
		Items:        []gateway.NotifiedItem{{ID: "I0010", Title: "Le Piège de Bogotá"}, {ID: "I0011"}},
		Code:         testCode,
		Expires:      time.Date(2027, 1, 15, 18, 0, 0, 0, time.UTC),
		Message:      "Door 7 was forced open",
	}
}

// TestEmbeddedGolden renders every embedded template and compares it with
// testdata/golden/<lang>_<kind>.txt (go test -update rewrites them).
func TestEmbeddedGolden(t *testing.T) {
	tm, err := LoadTemplates("", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "fr"} {
		for _, kind := range Kinds {
			n := sample(kind, lang)
			m, err := tm.Render(n)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, kind, err)
			}
			if m.Language != lang || m.Source != "embedded:"+lang+"/"+kind {
				t.Errorf("%s/%s: language %q source %q", lang, kind, m.Language, m.Source)
			}
			got := "Subject: " + m.Subject + "\n\n" + m.Body
			golden := filepath.Join("testdata", "golden", lang+"_"+kind+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s/%s differs from %s:\n--- got\n%s\n--- want\n%s", lang, kind, golden, got, want)
			}
			hasCode := strings.Contains(m.Body, testCode)
			if hasCode != (kind == gateway.NotifyReady) {
				t.Errorf("%s/%s: code in body = %v", lang, kind, hasCode)
			}
			if strings.Contains(m.Subject, testCode) {
				t.Errorf("%s/%s: the code is in the subject", lang, kind)
			}
		}
	}
}

func writeTemplate(t *testing.T, dir, rel, subject string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("Subject: "+subject+"\n\nBody from "+rel+" for {{.Patron.Name}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateFallbackOrder(t *testing.T) {
	dir := t.TempDir()
	writeTemplate(t, dir, "main-lobby/de/ready.txt", "site de")
	writeTemplate(t, dir, "de/ready.txt", "global de")
	writeTemplate(t, dir, "de/expired.txt", "global de expired")
	writeTemplate(t, dir, "main-lobby/en/alert.txt", "site en alert")
	writeTemplate(t, dir, "pt-BR/ready.txt", "global pt-BR")
	tm, err := LoadTemplates(dir, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		site, lang, kind string
		wantSubject      string
		wantSource       string
		wantLang         string
	}{
		{"main-lobby", "de", "ready", "site de", "main-lobby/de/ready.txt", "de"},
		{"east", "de", "ready", "global de", "de/ready.txt", "de"},
		{"main-lobby", "de", "expired", "global de expired", "de/expired.txt", "de"},
		// No German alert anywhere: English, the site's own first.
		{"main-lobby", "de", "alert", "site en alert", "main-lobby/en/alert.txt", "en"},
		{"east", "de", "alert", "Locker alert at Lobby lockers (compartment 7, 12)", "embedded:en/alert", "en"},
		// French has no files but an embedded default.
		{"main-lobby", "fr", "ready", "Vos documents vous attendent à Lobby lockers", "embedded:fr/ready", "fr"},
		// A regional variant falls back to its language.
		{"east", "fr-CA", "ready", "Vos documents vous attendent à Lobby lockers", "embedded:fr/ready", "fr"},
		{"east", "pt-BR", "ready", "global pt-BR", "pt-BR/ready.txt", "pt-br"},
		{"east", "pt", "ready", "Your items are ready to collect at Lobby lockers", "embedded:en/ready", "en"},
		{"east", "", "ready", "Your items are ready to collect at Lobby lockers", "embedded:en/ready", "en"},
	}
	for _, tt := range tests {
		n := sample(tt.kind, tt.lang)
		n.Site = tt.site
		m, err := tm.Render(n)
		if err != nil {
			t.Fatalf("%+v: %v", tt, err)
		}
		if m.Subject != tt.wantSubject || !strings.HasSuffix(m.Source, tt.wantSource) || m.Language != tt.wantLang {
			t.Errorf("%s %s %s: got subject %q source %q lang %q; want %q %q %q",
				tt.site, tt.lang, tt.kind, m.Subject, m.Source, m.Language, tt.wantSubject, tt.wantSource, tt.wantLang)
		}
	}
}

func TestBadTemplates(t *testing.T) {
	tests := []struct {
		rel, content, want string
	}{
		{"en/redy.txt", "Subject: x\n\nbody", `unknown notification kind "redy"`},
		{"en/ready.md", "Subject: x\n\nbody", "end in .txt"},
		{"ready.txt", "Subject: x\n\nbody", "want <lang>/<kind>.txt"},
		{"a/b/c/ready.txt", "Subject: x\n\nbody", "want <lang>/<kind>.txt"},
		{"English/ready.txt", "Subject: x\n\nbody", "not a language code"},
		{"en/ready.txt", "Hello\n\nbody", `first line must be "Subject: ..."`},
		{"en/ready.txt", "Subject: x\nbody", "blank line must follow"},
		{"en/ready.txt", "Subject: x\n\n{{.Code", "body"},
		{"en/ready.txt", "Subject: {{if}}\n\nbody", "subject"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		p := filepath.Join(dir, filepath.FromSlash(tt.rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(tt.content), 0o644)
		_, err := LoadTemplates(dir, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: error %v, want %q", tt.rel, tt.content, err, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), filepath.Base(tt.rel)) {
			t.Errorf("%s: error does not name the file: %v", tt.rel, err)
		}
	}
	if _, err := LoadTemplates(filepath.Join(t.TempDir(), "missing"), nil); err == nil {
		t.Error("a missing templates directory loaded")
	}
}

func TestRenderErrorsHideCode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "en", "ready.txt")
	os.MkdirAll(filepath.Dir(p), 0o755)
	// An execution error in a template that uses the code.
	os.WriteFile(p, []byte("Subject: {{.Code}}\n\n{{index .Code 99}}\n"), 0o644)
	tm, err := LoadTemplates(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tm.Render(sample("ready", "en"))
	if err == nil {
		t.Fatal("render of a broken template succeeded")
	}
	if strings.Contains(err.Error(), testCode) {
		t.Errorf("code in error: %v", err)
	}
	_, err = tm.Render(sample("welcome", "en"))
	if err == nil || !strings.Contains(err.Error(), `unknown kind "welcome"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestScrubErr(t *testing.T) {
	err := scrubErr(errors.New("receiver said: bad code 480913 for ntf-42"), testCode)
	if strings.Contains(err.Error(), testCode) || !strings.Contains(err.Error(), "bad code **** for ntf-42") {
		t.Errorf("scrubbed: %v", err)
	}
	if errors.Unwrap(err) != nil {
		t.Error("a scrubbed error must not unwrap to the text holding the code")
	}
	orig := errors.New("nothing secret")
	if scrubErr(orig, testCode) != orig || scrubErr(orig, "") != orig || scrubErr(nil, testCode) != nil {
		t.Error("scrubErr changed an error without the code")
	}
}

// TestRenderConcurrent renders from many goroutines at once (run with
// -race): a Templates is shared by every notifier.
func TestRenderConcurrent(t *testing.T) {
	tm, err := LoadTemplates("", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				lang := []string{"en", "fr"}[(i+j)%2]
				m, err := tm.Render(sample(Kinds[j%3], lang))
				if err != nil || m.Language != lang {
					errs <- fmt.Errorf("render %s: %v", lang, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzTemplate feeds arbitrary template files (a templates directory is
// edited by hand): parsing answers a template or an error naming the file;
// rendering a parsed one answers a message or an error, never a panic, and
// an error never holds the pickup code.
func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		"Subject: Ready at {{.BankName}}\n\nCode {{.Code}} until {{date .Expires}}\n",
		"Subject: x\n\n{{range .Items}}{{.Title}}{{end}}{{join .Compartments \", \"}}",
		"Subject: {{.Code | printf \"%d\"}}\n\n{{template \"body\"}}",
		"Subject: {{.Nope}}\n\n", "Subject:\n", "no subject", "Subject: {{\n\n",
		"Subject: x\n\n{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}",
	} {
		f.Add(seed)
	}
	tmpl, err := LoadTemplates("", time.UTC)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := tmpl.parse("fuzz/en/ready.txt", src)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz/en/ready.txt") {
				t.Errorf("parse error does not name the file: %v", err)
			}
			return
		}
		one := &Templates{loc: time.UTC, tmpl: map[string]*parsed{"en/ready": p}}
		_, err = one.Render(sample(gateway.NotifyReady, "en"))
		if err != nil && strings.Contains(err.Error(), testCode) {
			t.Errorf("render error holds the code: %v", err)
		}
	})
}
