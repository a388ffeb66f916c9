package sip2server

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2"
)

// vectors reads testdata/responses.txt: verdict, [problem,] message.
func vectors(tb testing.TB) [][3]string {
	tb.Helper()
	f, err := os.Open("testdata/responses.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][3]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		switch {
		case parts[0] == "ok" && len(parts) == 2:
			out = append(out, [3]string{"ok", "", parts[1]})
		case parts[0] == "bad" && len(parts) == 3:
			out = append(out, [3]string{"bad", parts[1], parts[2]})
		default:
			tb.Fatalf("testdata/responses.txt:%d: want ok<TAB>message or bad<TAB>problem<TAB>message", n)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestGrammarPublicVectors(t *testing.T) {
	vs := vectors(t)
	if len(vs) < 25 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		msg := v[2]
		g := grammarFor(sip2.Command(msg[:2]))
		if g == nil {
			t.Fatalf("no grammar for %q", msg)
		}
		problems, _ := g.check(msg, sip2.CharsetUTF8)
		switch v[0] {
		case "ok":
			if len(problems) > 0 {
				t.Errorf("%s: %v", clip(msg, 40), problems)
			}
		case "bad":
			if !strings.Contains(strings.Join(problems, "; "), v[1]) {
				t.Errorf("%s: problems %v, want one mentioning %s", clip(msg, 40), problems, v[1])
			}
		}
	}
}

// TestGrammarProblems covers each kind of problem the grammar reports,
// each from a well-formed message spoiled in one place.
func TestGrammarProblems(t *testing.T) {
	const good24 = "24              00120261126    225641AOUWOLS|AAP1|AEName|BLY|CQN|AY2AZE7EF"
	if p, _ := g24.check(good24, sip2.CharsetUTF8); len(p) > 0 {
		t.Fatalf("the base message has problems: %v", p)
	}
	tests := []struct {
		name string
		g    *grammar
		msg  string
		want string
	}{
		{"wrong command", g24, "64" + good24[2:], "not a 24 (Patron Status Response)"},
		{"fixed part cut short", g24, "24   0012026", "fixed part is 10 characters, not 35"},
		{"status not Y or blank", g24, strings.Replace(good24, "24 ", "24N", 1), `"patron status" at offset 2`},
		{"language not digits", g24, strings.Replace(good24, "001", "EN ", 1), `"language" at offset 16`},
		{"bad date", g24, strings.Replace(good24, "20261126    225641", "2026-11-26 22:56:4", 1), `"transaction date" at offset 19`},
		{"impossible date", g24, strings.Replace(good24, "20261126", "20261326", 1), "not a valid date"},
		{"unknown zone", g24, strings.Replace(good24, "20261126    225641", "20261126 CET225641", 1), "not a valid date"},
		{"missing required", g24, strings.Replace(good24, "AEName|", "", 1), "required field AE (personal name) is missing"},
		{"flag not Y/N", g24, strings.Replace(good24, "BLY", "BLy", 1), "field BL (valid patron)"},
		{"repeated single field", g24, strings.Replace(good24, "AEName|", "AEName|AEOther|", 1), "AE (personal name) appears 2 times"},
		{"pipe in a value", g24, strings.Replace(good24, "AEName|", "AEName|with pipe|", 1), `"with pipe" between delimiters is not a field`},
		{"empty field", g24, strings.Replace(good24, "AEName|", "AEName||", 1), `"" between delimiters`},
		{"no final delimiter", g24, "24              00120261126    225641AOUWOLS|AAP1|AEName", "does not end with the delimiter"},
		{"control character", g24, strings.Replace(good24, "AEName", "AENa\x01me", 1), "control character 0x01"},
		{"value over 255", g24, strings.Replace(good24, "AEName", "AE"+strings.Repeat("é", 256), 1), "256 characters long"},
		{"BX too short", g98, "98YYYYYN10000320261127    0135362.00AODEMO|BXYYYYYYYYYYYYYYY|AY1AZE34B", "want 16 characters"},
		{"BX missing", g98, "98YYYYYN10000320261127    0135362.00AODEMO|AY1AZE34B", "required field BX"},
		{"timeout not digits", g98, "98YYYYYN1 000320261127    0135362.00AODEMO|BXYYYYYYYYYYYYYYYY|", `"timeout period"`},
		{"version", g98, "98YYYYYN10000320261127    013536v2.0AODEMO|BXYYYYYYYYYYYYYYYY|", `"protocol version"`},
		{"count not 4 digits", g64, "64              00120261127    0135361   000000000000000000000AOX|AAP|AEN|", `"hold items count"`},
		{"circulation status 14", g18, "1814010120261127    013641ABI1|AJT|", "circulation status 01 to 13"},
		{"media type", g12, "121NNY20261126    225649AOX|AAP|ABI|AJT|AH|CKbook|", "field CK (media type)"},
		{"alert type", g10, "101YNY20261126    225649AOX|ABI|AQM|CVA|", "field CV"},
		{"ok not 0/1", g12, "12YNNY20261126    225649AOX|AAP|ABI|AJT|AH|", `"ok" at offset 2`},
		{"ternary", g12, "121NXY20261126    225649AOX|AAP|ABI|AJT|AH|", `"magnetic media"`},
		{"checkout without AH", g12, "121NNY20261126    225649AOX|AAP|ABI|AJT|", "required field AH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, _ := tt.g.check(tt.msg, sip2.CharsetUTF8)
			if !strings.Contains(strings.Join(problems, "; "), tt.want) {
				t.Errorf("problems %q, want one containing %q", problems, tt.want)
			}
		})
	}
}

func TestGrammarNotes(t *testing.T) {
	_, notes := g10.check("101YNY20160822    153450AO|ABi|AQ|ZPkreps|BLY|", sip2.CharsetUTF8)
	got := strings.Join(notes, "; ")
	for _, want := range []string{"vendor field ZP", "field BL (valid patron) is not defined for message 10 (Checkin Response)"} {
		if !strings.Contains(got, want) {
			t.Errorf("notes %q lack %q", got, want)
		}
	}
}

// TestValueLengthPerCharset: 255 is a count of characters; in a
// single-byte charset bytes are characters.
func TestValueLengthPerCharset(t *testing.T) {
	v := strings.Repeat("é", 200) // 400 bytes of UTF-8
	if p := valueProblem(v, sip2.CharsetUTF8); p != "" {
		t.Errorf("UTF-8: %s", p)
	}
	if p := valueProblem(v, sip2.CharsetCP850); p == "" {
		t.Errorf("CP850: 400 bytes accepted")
	}
}

func TestGrammarSecretsNotQuoted(t *testing.T) {
	// A response that (wrongly) carries a PIN in a stray piece and in a
	// field with a checked format: the problem text masks it.
	problems, _ := g24.check("24              00120261126    225641AOX|AAP|AEN|BL864209|ADsecret-pin|xx|", sip2.CharsetUTF8)
	joined := strings.Join(problems, "; ")
	if strings.Contains(joined, "secret-pin") {
		t.Errorf("problems quote an AD value: %s", joined)
	}
	_, _ = split("24|AC-terminal-secret|", 0)
	p, _ := split("24"+strings.Repeat(" ", 35)+"AO|ACterminal-secret|", 35)
	if len(p.fields) != 2 || p.fields[1].id != "AC" {
		t.Fatalf("split: %+v", p)
	}
	if s := maskedSegment("ACterminal-secret"); strings.Contains(s, "secret") {
		t.Errorf("maskedSegment = %q", s)
	}
}

func FuzzGrammar(f *testing.F) {
	for _, v := range vectors(f) {
		f.Add(v[2])
	}
	f.Add("24")
	f.Add("")
	f.Add("98|||AZ")
	f.Fuzz(func(t *testing.T, msg string) {
		for _, g := range []*grammar{g94, g98, g24, g26, g64, g12, g30, g10, g18, g20, g16, g66, g36, g38} {
			problems, _ := g.check(msg, sip2.CharsetUTF8)
			// Whatever the input, the fields split out have valid IDs,
			// and a message with no problems starts with the command and
			// is at least as long as its fixed part.
			p, _ := split(msg, g.fixedLen())
			for _, fl := range p.fields {
				if !idPattern.MatchString(fl.id) {
					t.Fatalf("field ID %q from %q", fl.id, msg)
				}
			}
			if len(problems) == 0 && (!strings.HasPrefix(msg, string(g.cmd)) || len(msg) < 2+g.fixedLen()) {
				t.Fatalf("%s accepted %q", g.cmd, msg)
			}
		}
	})
}
