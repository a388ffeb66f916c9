package sip2server

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// The grammar tier follows the Evergreen SIPServer test harness
// (t/SIPtest.pm, sip2.md §8): for each response a pattern per fixed field
// and a spec per variable field {id, pattern, required}. It works on the
// raw bytes rather than on sip2.Frame, whose decoder is lenient by design
// (it reads a stray "|" or a missing one without complaint); the suite
// must see them.

// A fixedField is one positional field of a fixed part.
type fixedField struct {
	name  string
	n     int
	check func(string) string // "" when the value is well-formed, else what is wrong
}

// A fieldRule describes one variable field of a response.
type fieldRule struct {
	id       string
	required bool
	repeat   bool
	check    func(string) string // nil accepts any value
}

// A grammar is the shape of one response message.
type grammar struct {
	cmd    sip2.Command
	fixed  []fixedField
	fields []fieldRule
}

// fixedLen is the length of g's fixed part.
func (g *grammar) fixedLen() int {
	n := 0
	for _, f := range g.fixed {
		n += f.n
	}
	return n
}

// A parsed response, split the strict way.
type parsed struct {
	fixed  string
	fields []rawField
	strays []string // text between delimiters that is not a field
	hasAY  bool
	hasAZ  bool
}

type rawField struct {
	id, value string
}

var (
	idPattern  = regexp.MustCompile(`^[A-Z][A-Z0-9]$`)
	trailerPat = regexp.MustCompile(`(?:AY[0-9])?AZ[0-9A-Fa-f]{4}$`)
)

// split cuts raw (one message without terminator) into fixed part and
// fields for a fixed part of n characters. Problems in the framing of
// fields (a field without its "|", text between delimiters that is not a
// field) are returned, not fatal.
func split(raw string, n int) (parsed, []string) {
	var p parsed
	var problems []string
	body := raw
	// The AY/AZ trailer follows the fixed part or a field's "|".
	if loc := trailerPat.FindStringIndex(body); loc != nil && (loc[0] == 2+n || loc[0] > 2+n && body[loc[0]-1] == '|') {
		tr := body[loc[0]:]
		p.hasAZ = true
		p.hasAY = strings.HasPrefix(tr, "AY")
		body = body[:loc[0]]
	}
	if len(body) < 2+n {
		problems = append(problems, fmt.Sprintf("the fixed part is %d characters, not %d", max(len(body)-2, 0), n))
		if len(body) > 2 {
			p.fixed = body[2:]
		}
		return p, problems
	}
	p.fixed = body[2 : 2+n]
	rest := body[2+n:]
	if rest == "" {
		return p, problems
	}
	if !strings.HasSuffix(rest, "|") {
		problems = append(problems, "the last variable field does not end with the delimiter \"|\"")
		rest += "|"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(rest, "|"), "|") {
		if len(seg) < 2 || !idPattern.MatchString(seg[:2]) {
			p.strays = append(p.strays, seg)
			problems = append(problems, fmt.Sprintf("%q between delimiters is not a field (a \"|\" inside a value, or a fixed part of the wrong length)", clip(maskedSegment(seg), 24)))
			continue
		}
		p.fields = append(p.fields, rawField{id: seg[:2], value: seg[2:]})
	}
	return p, problems
}

// maskedSegment hides the value of a secret field in a failure message.
func maskedSegment(seg string) string {
	if len(seg) > 2 && sip2.IsSecretField(seg[:2]) {
		return seg[:2] + sip2.MaskedValue
	}
	return seg
}

// valueProblem reports what makes a value unfit for the wire: control
// characters, or more than 255 characters (runes for UTF-8, bytes for the
// single-byte charsets).
func valueProblem(v string, cs sip2.Charset) string {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7F {
			return fmt.Sprintf("holds the control character 0x%02X", v[i])
		}
	}
	n := len(v)
	if cs == sip2.CharsetUTF8 || cs == sip2.CharsetASCII {
		n = utf8.RuneCountInString(v)
	}
	if n > sip2.MaxValueLen {
		return fmt.Sprintf("is %d characters long (at most %d)", n, sip2.MaxValueLen)
	}
	return ""
}

// check returns what is wrong with raw against g, and notes on what is
// unusual but allowed (unknown vendor fields).
func (g *grammar) check(raw string, cs sip2.Charset) (problems, notes []string) {
	if !strings.HasPrefix(raw, string(g.cmd)) {
		return []string{fmt.Sprintf("the message is not a %s", name(g.cmd))}, nil
	}
	p, problems := split(raw, g.fixedLen())
	off := 0
	for _, f := range g.fixed {
		if off+f.n > len(p.fixed) {
			break
		}
		v := p.fixed[off : off+f.n]
		if why := f.check(v); why != "" {
			problems = append(problems, fmt.Sprintf("fixed field %q at offset %d is %q: %s", f.name, 2+off, v, why))
		}
		off += f.n
	}
	seen := map[string]int{}
	rules := map[string]*fieldRule{}
	for i := range g.fields {
		rules[g.fields[i].id] = &g.fields[i]
	}
	for _, f := range p.fields {
		seen[f.id]++
		if why := valueProblem(f.value, cs); why != "" {
			problems = append(problems, fmt.Sprintf("field %s %s", f.id, why))
			continue
		}
		r := rules[f.id]
		if r == nil {
			if sip2.FieldName(f.id) == "" {
				notes = append(notes, fmt.Sprintf("vendor field %s (not in SIP2 2.00)", f.id))
			} else {
				notes = append(notes, fmt.Sprintf("field %s (%s) is not defined for message %s", f.id, sip2.FieldName(f.id), name(g.cmd)))
			}
			continue
		}
		if r.check != nil {
			if why := r.check(f.value); why != "" {
				problems = append(problems, fmt.Sprintf("field %s (%s) is %q: %s", f.id, sip2.FieldName(f.id), clip(maskedSegment(f.id + f.value)[2:], 40), why))
			}
		}
	}
	for _, r := range g.fields {
		switch {
		case r.required && seen[r.id] == 0:
			problems = append(problems, fmt.Sprintf("required field %s (%s) is missing", r.id, sip2.FieldName(r.id)))
		case !r.repeat && seen[r.id] > 1:
			problems = append(problems, fmt.Sprintf("field %s (%s) appears %d times; it is not repeatable", r.id, sip2.FieldName(r.id), seen[r.id]))
		}
	}
	return problems, notes
}

// verify checks r against g and returns a *conformance.Failure listing
// every problem, recording the notes in t.
func (g *grammar) verify(t *conformance.T, r *reply, cs sip2.Charset) error {
	problems, notes := g.check(r.raw, cs)
	for _, n := range notes {
		t.Notef("%s", n)
	}
	if len(problems) > 0 {
		return &conformance.Failure{
			Expected: []string{fmt.Sprintf("a %s as SIP2 2.00 defines it", name(g.cmd))},
			Actual:   strings.Join(problems, "; "),
		}
	}
	return nil
}

// Value checks shared by the grammars.

func oneOf(chars string) func(string) string {
	return func(v string) string {
		for i := 0; i < len(v); i++ {
			if !strings.ContainsRune(chars, rune(v[i])) {
				return fmt.Sprintf("want one of %q per position", chars)
			}
		}
		return ""
	}
}

func digitsN(n int) func(string) string {
	return func(v string) string {
		if len(v) != n || strings.Trim(v, "0123456789") != "" {
			return fmt.Sprintf("want %d digits", n)
		}
		return ""
	}
}

// countOrBlank is a 64/66 count: 4 digits, or 4 spaces when unknown
// (Koha's add_count).
func countOrBlank(v string) string {
	if v == "    " {
		return ""
	}
	return digitsN(4)(v)
}

// sipDate checks an 18-character SIP2 date, YYYYMMDDZZZZHHMMSS: digits,
// a zone the spec or a known dialect uses (sip2.ParseTime's list), and a
// real calendar date and time.
func sipDate(v string) string {
	if len(v) != sip2.TimeLen {
		return fmt.Sprintf("want YYYYMMDDZZZZHHMMSS (18 characters), got %d characters", len(v))
	}
	if strings.Trim(v[:8], "0123456789") != "" || strings.Trim(v[12:], "0123456789") != "" {
		return "want YYYYMMDDZZZZHHMMSS: digits around a 4-character zone"
	}
	if _, err := sip2.ParseTime(v, nil); err != nil {
		return "not a valid date and time (YYYYMMDDZZZZHHMMSS)"
	}
	return ""
}

// optDate is a date field that may be blank (18 spaces).
func optDate(v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return sipDate(v)
}

var versionPattern = regexp.MustCompile(`^\d\.\d\d$`)

func protocolVersion(v string) string {
	if !versionPattern.MatchString(v) {
		return `want a version such as "2.00"`
	}
	return ""
}

func circulationStatus(v string) string {
	if why := digitsN(2)(v); why != "" {
		return why
	}
	if v < "01" || v > "13" {
		return "want a circulation status 01 to 13"
	}
	return ""
}

var (
	yn      = oneOf("YN")
	ok01    = oneOf("01")
	ynu     = oneOf("YNU")
	status  = oneOf("Y ")
	lang    = digitsN(3)
	flagFld = func(v string) string {
		if v != "Y" && v != "N" {
			return `want "Y" or "N"`
		}
		return ""
	}
)

// The response grammars, from the SIP2 2.00 message definitions as
// cross-checked in sip2.md §2.2 and §2.3.
var (
	g94 = &grammar{cmd: sip2.CmdLoginResponse, fixed: []fixedField{{"ok", 1, ok01}}}

	g98 = &grammar{cmd: sip2.CmdACSStatus,
		fixed: []fixedField{
			{"on-line status", 1, yn}, {"checkin ok", 1, yn}, {"checkout ok", 1, yn},
			{"ACS renewal policy", 1, yn}, {"status update ok", 1, yn}, {"off-line ok", 1, yn},
			{"timeout period", 3, digitsN(3)}, {"retries allowed", 3, digitsN(3)},
			{"date / time sync", 18, sipDate}, {"protocol version", 4, protocolVersion},
		},
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AM"}, {id: "BX", required: true, check: func(v string) string {
				if len(v) != 16 || oneOf("YN")(v) != "" {
					return "want 16 characters, each Y or N"
				}
				return ""
			}}, {id: "AN"}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	patronFixed = []fixedField{{"patron status", 14, status}, {"language", 3, lang}, {"transaction date", 18, sipDate}}

	g24 = &grammar{cmd: sip2.CmdPatronStatusResponse, fixed: patronFixed,
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AA", required: true}, {id: "AE", required: true},
			{id: "BL", check: flagFld}, {id: "CQ", check: flagFld}, {id: "BH"}, {id: "BV"},
			{id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g26 = &grammar{cmd: sip2.CmdPatronEnableResponse, fixed: patronFixed,
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AA", required: true}, {id: "AE", required: true},
			{id: "BL", check: flagFld}, {id: "CQ", check: flagFld},
			{id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g64 = &grammar{cmd: sip2.CmdPatronInformationResponse,
		fixed: append(append([]fixedField{}, patronFixed...),
			fixedField{"hold items count", 4, countOrBlank}, fixedField{"overdue items count", 4, countOrBlank},
			fixedField{"charged items count", 4, countOrBlank}, fixedField{"fine items count", 4, countOrBlank},
			fixedField{"recall items count", 4, countOrBlank}, fixedField{"unavailable holds count", 4, countOrBlank}),
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AA", required: true}, {id: "AE", required: true},
			{id: "BZ"}, {id: "CA"}, {id: "CB"}, // 4 digits per the spec; a Should case checks them
			{id: "BL", check: flagFld}, {id: "CQ", check: flagFld}, {id: "BH"}, {id: "BV"}, {id: "CC"},
			{id: "AS", repeat: true}, {id: "AT", repeat: true}, {id: "AU", repeat: true},
			{id: "AV", repeat: true}, {id: "BU", repeat: true}, {id: "CD", repeat: true},
			{id: "BD"}, {id: "BE"}, {id: "BF"}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	circFixed = []fixedField{{"ok", 1, ok01}, {"renewal ok", 1, yn}, {"magnetic media", 1, ynu}, {"desensitize", 1, ynu}, {"transaction date", 18, sipDate}}
	circRules = []fieldRule{
		{id: "AO", required: true}, {id: "AA", required: true}, {id: "AB", required: true},
		{id: "AJ", required: true}, {id: "AH", required: true}, // may be empty on a refusal; its format is a dialect
		{id: "BT", check: digitsN(2)}, {id: "CI", check: flagFld}, {id: "BH"}, {id: "BV"},
		{id: "CK", check: digitsN(3)}, {id: "CH"}, {id: "BK"}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
	}
	g12 = &grammar{cmd: sip2.CmdCheckoutResponse, fixed: circFixed, fields: circRules}
	g30 = &grammar{cmd: sip2.CmdRenewResponse, fixed: circFixed, fields: circRules}

	g10 = &grammar{cmd: sip2.CmdCheckinResponse,
		fixed: []fixedField{{"ok", 1, ok01}, {"resensitize", 1, yn}, {"magnetic media", 1, ynu}, {"alert", 1, yn}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AB", required: true}, {id: "AQ", required: true},
			{id: "AJ"}, {id: "CL"}, {id: "AA"}, {id: "CK", check: digitsN(3)}, {id: "CH"},
			// 3M extensions (sip2.md §3)
			{id: "CR"}, {id: "CS"}, {id: "CT"}, {id: "CV", check: digitsN(2)}, {id: "CY"}, {id: "DA"},
			{id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g18 = &grammar{cmd: sip2.CmdItemInformationResponse,
		fixed: []fixedField{{"circulation status", 2, circulationStatus}, {"security marker", 2, digitsN(2)}, {"fee type", 2, digitsN(2)}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "AB", required: true}, {id: "AJ", required: true},
			{id: "CF"}, {id: "AH"}, {id: "CJ", check: sipDate}, {id: "CM", check: sipDate},
			{id: "BG"}, {id: "BH"}, {id: "BV"}, {id: "CK", check: digitsN(3)}, {id: "AQ"}, {id: "AP"}, {id: "CH"},
			{id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g20 = &grammar{cmd: sip2.CmdItemStatusUpdateResponse,
		fixed: []fixedField{{"item properties ok", 1, ok01}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "AB", required: true}, {id: "AJ"}, {id: "CH"}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g16 = &grammar{cmd: sip2.CmdHoldResponse,
		fixed: []fixedField{{"ok", 1, ok01}, {"available", 1, yn}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "BW", check: sipDate}, {id: "BR"}, {id: "BS"}, {id: "AO", required: true}, {id: "AA", required: true},
			{id: "AB"}, {id: "AJ"}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g66 = &grammar{cmd: sip2.CmdRenewAllResponse,
		fixed: []fixedField{{"ok", 1, ok01}, {"renewed count", 4, digitsN(4)}, {"unrenewed count", 4, digitsN(4)}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "BM", repeat: true}, {id: "BN", repeat: true},
			{id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g36 = &grammar{cmd: sip2.CmdEndPatronSessionResponse,
		fixed: []fixedField{{"end session", 1, yn}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AA", required: true}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}

	g38 = &grammar{cmd: sip2.CmdFeePaidResponse,
		fixed: []fixedField{{"payment accepted", 1, yn}, {"transaction date", 18, sipDate}},
		fields: []fieldRule{
			{id: "AO", required: true}, {id: "AA", required: true}, {id: "BK"}, {id: "AF", repeat: true}, {id: "AG", repeat: true},
		}}
)

// grammarFor returns the grammar of response cmd, or nil.
func grammarFor(cmd sip2.Command) *grammar {
	for _, g := range []*grammar{g94, g98, g24, g26, g64, g12, g30, g10, g18, g20, g16, g66, g36, g38} {
		if g.cmd == cmd {
			return g
		}
	}
	return nil
}
