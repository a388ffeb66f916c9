// Package notify delivers gateway notifications: a JSON webhook (for SMS
// gateways and library systems' own messaging), e-mail over SMTP, and a
// fan-out of several. Each implements gateway.Notifier. Messages are
// rendered from text/template templates per site and language, with
// embedded defaults in English and French.
//
// A notification is delivered through the gateway's outbox, which retries a
// failed Notify with backoff; so a notifier makes exactly one attempt per
// call, and gives receivers a stable key (the Idempotency-Key header, the
// Message-ID) to drop duplicates by.
//
// The pickup code (Notification.Code) is a secret: it goes into the message
// body and nowhere else. No error or log line of this package contains it;
// text that comes back from a receiver (an HTTP error body, an SMTP reply)
// is scrubbed of it before it is put into an error.
package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

//go:embed defaults
var defaultFS embed.FS

// Kinds are the notification kinds templates exist for.
var Kinds = []string{gateway.NotifyReady, gateway.NotifyExpired, gateway.NotifyAlert}

// Message is a rendered notification.
type Message struct {
	Subject string
	Body    string
	// Language is the language of the template used, which may differ
	// from the one asked for when no template exists for it.
	Language string
	// Source names the template used: a file under the templates
	// directory, or "embedded:<lang>/<kind>".
	Source string
}

// Templates renders notifications. The zero value is not usable; use
// LoadTemplates. A *Templates is safe for concurrent use.
type Templates struct {
	loc  *time.Location
	tmpl map[string]*parsed // "site/lang/kind", "lang/kind", "embedded:lang/kind"
}

type parsed struct {
	source  string
	subject *template.Template
	body    *template.Template
}

var langRe = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// LoadTemplates parses the embedded default templates and, if dir is not
// empty, every template under dir:
//
//	dir/<lang>/<kind>.txt           for every site
//	dir/<site>/<lang>/<kind>.txt    for one site
//
// where kind is ready, expired or alert and lang an ISO 639-1 code ("en",
// "fr", "pt-BR"). A template file starts with a "Subject:" line, then a
// blank line, then the body; both are text/template templates over a
// gateway.Notification (BankName defaults to Bank), with the functions
// join (strings.Join), date (a time in loc, written the language's way)
// and upper/lower. A file elsewhere, of another kind, or that does not
// parse is an error naming it: a typo must not silently fall back to the
// default. loc is the zone dates are shown in; nil means time.Local.
func LoadTemplates(dir string, loc *time.Location) (*Templates, error) {
	if loc == nil {
		loc = time.Local
	}
	t := &Templates{loc: loc, tmpl: map[string]*parsed{}}
	err := fs.WalkDir(defaultFS, "defaults", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "defaults/")
		src, err := defaultFS.ReadFile(p)
		if err != nil {
			return err
		}
		pt, err := t.parse("embedded:"+strings.TrimSuffix(rel, ".txt"), string(src))
		if err != nil {
			return err
		}
		t.tmpl["embedded:"+strings.TrimSuffix(rel, ".txt")] = pt
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("notify: embedded templates: %w", err)
	}
	if dir == "" {
		return t, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("notify: templates directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("notify: templates directory %s is not a directory", dir)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		parts := strings.Split(rel, "/")
		kind := strings.TrimSuffix(parts[len(parts)-1], ".txt")
		switch {
		case !strings.HasSuffix(rel, ".txt"):
			return fmt.Errorf("notify: template %s: template files end in .txt", p)
		case len(parts) != 2 && len(parts) != 3:
			return fmt.Errorf("notify: template %s: want <lang>/<kind>.txt or <site>/<lang>/<kind>.txt", p)
		case !knownKind(kind):
			return fmt.Errorf("notify: template %s: unknown notification kind %q; known: %s", p, kind, strings.Join(Kinds, ", "))
		case !langRe.MatchString(parts[len(parts)-2]):
			return fmt.Errorf("notify: template %s: %q is not a language code such as en or pt-BR", p, parts[len(parts)-2])
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("notify: template %s: %w", p, err)
		}
		key := strings.ToLower(strings.Join(parts[:len(parts)-1], "/")) + "/" + kind
		if len(parts) == 3 {
			key = parts[0] + "/" + strings.ToLower(parts[1]) + "/" + kind
		}
		pt, err := t.parse(p, string(src))
		if err != nil {
			return err
		}
		t.tmpl[key] = pt
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func knownKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// parse reads a template file: "Subject: ..." line, blank line, body.
func (t *Templates) parse(source, src string) (*parsed, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	first, rest, _ := strings.Cut(src, "\n")
	subj, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return nil, fmt.Errorf("notify: template %s: the first line must be \"Subject: ...\"", source)
	}
	if rest != "" && !strings.HasPrefix(rest, "\n") {
		return nil, fmt.Errorf("notify: template %s: a blank line must follow the Subject line", source)
	}
	rest = strings.TrimPrefix(rest, "\n")
	st, err := template.New("subject").Funcs(t.funcs("")).Parse(strings.TrimSpace(subj))
	if err != nil {
		return nil, fmt.Errorf("notify: template %s, subject: %w", source, err)
	}
	bt, err := template.New("body").Funcs(t.funcs("")).Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("notify: template %s, body: %w", source, err)
	}
	return &parsed{source: source, subject: st, body: bt}, nil
}

func (t *Templates) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"join":  strings.Join,
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"date":  func(tm time.Time) string { return formatDate(tm.In(t.loc), lang) },
	}
}

// candidates lists the languages to try for lang: itself, its primary
// subtag, then English.
func candidates(lang string) []string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	var out []string
	add := func(l string) {
		for _, x := range out {
			if x == l {
				return
			}
		}
		if l != "" {
			out = append(out, l)
		}
	}
	add(lang)
	if p, _, ok := strings.Cut(lang, "-"); ok {
		add(p)
	}
	add("en")
	return out
}

// lookup returns the template used for a site, language and kind, trying
// in order, for the language then (if different) its primary subtag and
// then "en": dir/<site>/<lang>/<kind>.txt, dir/<lang>/<kind>.txt, the
// embedded default. It reports the source (see Message.Source) and the
// language found.
func (t *Templates) lookup(site, lang, kind string) (*parsed, string) {
	for _, l := range candidates(lang) {
		for _, key := range []string{site + "/" + l + "/" + kind, l + "/" + kind, "embedded:" + l + "/" + kind} {
			if p, ok := t.tmpl[key]; ok {
				return p, l
			}
		}
	}
	return nil, ""
}

// Render renders n with the template its site, language and kind select.
// Errors never contain the pickup code.
func (t *Templates) Render(n gateway.Notification) (*Message, error) {
	if !knownKind(n.Kind) {
		return nil, fmt.Errorf("notify: notification %s: unknown kind %q; known: %s", n.ID, n.Kind, strings.Join(Kinds, ", "))
	}
	p, lang := t.lookup(n.Site, n.Language, n.Kind)
	if p == nil {
		return nil, fmt.Errorf("notify: notification %s: no template for kind %q", n.ID, n.Kind)
	}
	if n.BankName == "" {
		n.BankName = n.Bank
	}
	var subj, body bytes.Buffer
	fm := t.funcs(lang)
	st, _ := p.subject.Clone()
	bt, _ := p.body.Clone()
	if err := st.Funcs(fm).Execute(&subj, n); err != nil {
		return nil, scrubErr(fmt.Errorf("notify: template %s, subject: %w", p.source, err), n.Code)
	}
	if err := bt.Funcs(fm).Execute(&body, n); err != nil {
		return nil, scrubErr(fmt.Errorf("notify: template %s, body: %w", p.source, err), n.Code)
	}
	s := strings.Join(strings.Fields(subj.String()), " ") // a header is one line
	return &Message{Subject: s, Body: tidy(body.String()), Language: lang, Source: p.source}, nil
}

// tidy collapses the runs of blank lines that template conditionals leave
// and ends the body with one newline.
func tidy(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := true // drop leading blank lines
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

// Sources lists the templates loaded, for a start-up log line.
func (t *Templates) Sources() []string {
	var out []string
	for k := range t.tmpl {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	frDays   = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	deDays   = []string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}
	deMonths = []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
)

// formatDate writes a date and time the way the language does.
func formatDate(t time.Time, lang string) string {
	switch lang {
	case "en":
		return t.Format("Monday 2 January 2006, 15:04")
	case "fr":
		return fmt.Sprintf("%s %d %s %d à %s", frDays[t.Weekday()], t.Day(), frMonths[t.Month()-1], t.Year(), t.Format("15:04"))
	case "de":
		return fmt.Sprintf("%s, %d. %s %d, %s Uhr", deDays[t.Weekday()], t.Day(), deMonths[t.Month()-1], t.Year(), t.Format("15:04"))
	}
	return t.Format("2006-01-02 15:04")
}

// scrub replaces the pickup code in text from outside (a receiver's error
// body, an SMTP reply, a template error) with a mask.
func scrub(s, code string) string {
	if code == "" {
		return s
	}
	return strings.ReplaceAll(s, code, "****")
}

// scrubErr returns err, or when its text holds the code, a plain error
// with the code masked. It does not unwrap to the original, whose text
// would give the code back.
func scrubErr(err error, code string) error {
	if err == nil || code == "" || !strings.Contains(err.Error(), code) {
		return err
	}
	return errors.New(scrub(err.Error(), code))
}

// clean keeps a receiver's reply short and on one line for an error.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
