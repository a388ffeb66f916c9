package msggen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// generate runs Generate over a directory holding src as msg_x.go.
func generate(t *testing.T, src string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "msg_x.go"), []byte("package sip2\n\n"+src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := Generate(dir)
	return string(out), err
}

func msg(fields string) string {
	return "// X is a test message.\n//\n//sip2:message CmdX\ntype X struct {\n" + fields + "\n\tExtra []Field\n\twire\n}\n"
}

func TestGenerateMethods(t *testing.T) {
	out, err := generate(t, msg(
		"\tOK bool `sip2:\"fixed,ok,name=ok\"`\n"+
			"\tLang string `sip2:\"fixed,str,len=3,default=000,name=language\"`\n"+
			"\tStatus PatronStatus `sip2:\"fixed,flags,len=14,name=patron status\"`\n"+
			"\tN int `sip2:\"fixed,count,len=4,name=hold items count\"`\n"+
			"\tAO string `sip2:\"AO\"`\n"+
			"\tCH string `sip2:\"CH,opt\"`\n"+
			"\tAF []string `sip2:\"AF,repeat\"`\n"+
			"\tBO Flag `sip2:\"BO,opt,flag\"`\n"+
			"\tBW Time `sip2:\"BW,opt,time\"`\n"+
			"\tBX SupportedMessages `sip2:\"BX,flags,len=16\"`"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, Header+"\n") {
		t.Errorf("output does not start with %q", Header)
	}
	for _, want := range []string{
		"case CmdX:\n\t\treturn new(X)",
		`case "AF":` + "\n\t\treturn true",
		"func (*X) Command() Command { return CmdX }",
		`m.OK = r.flag("ok")`,
		`w.ok(m.OK)`,
		`m.Lang = r.str("language", 3)`,
		`w.str("language", m.Lang, 3, "000")`,
		`m.Status = PatronStatus(r.flags("patron status", 14))`,
		`w.flags(uint32(m.Status), 14)`,
		`m.N = r.count("hold items count", 4)`,
		`w.count("hold items count", m.N, 4)`,
		`w.add("AO", m.AO)`,
		`w.opt("CH", m.CH)`,
		`m.AF = append(m.AF, v)`,
		`w.list("AF", m.AF)`,
		`m.BO = r.flag(id, v)`,
		`w.flag("BO", m.BO)`,
		`m.BW = r.time(id, v)`,
		`w.time("BW", m.BW)`,
		`m.BX = SupportedMessages(parseFlags(v))`,
		`w.flags("BX", uint32(m.BX), 16)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no tag", msg("\tA string"), "has no sip2 tag"},
		{"unknown fixed kind", msg("\tA string `sip2:\"fixed,word,name=a\"`"), `unknown fixed kind "word"`},
		{"fixed type mismatch", msg("\tA string `sip2:\"fixed,flag,name=a\"`"), "fixed flag needs type bool"},
		{"fixed without name", msg("\tA bool `sip2:\"fixed,flag\"`"), "needs name=NAME"},
		{"str without len", msg("\tA string `sip2:\"fixed,str,name=a\"`"), "needs len=N"},
		{"default of wrong length", msg("\tA string `sip2:\"fixed,str,len=2,default=0,name=a\"`"), `default "0" is not 2 characters`},
		{"fixed after variable", msg("\tA string `sip2:\"AO\"`\n\tB bool `sip2:\"fixed,flag,name=b\"`"), "fixed fields must come before"},
		{"bad ID", msg("\tA string `sip2:\"ao\"`"), `field ID "ao"`},
		{"duplicate ID", msg("\tA string `sip2:\"AO\"`\n\tB string `sip2:\"AO,opt\"`"), "AO appears twice"},
		{"repeat not a slice", msg("\tA string `sip2:\"AF,repeat\"`"), "repeat needs type []string"},
		{"flag without opt", msg("\tA Flag `sip2:\"BO,flag\"`"), "flag needs type Flag and opt"},
		{"slice without repeat", msg("\tA []string `sip2:\"AF\"`"), "a plain field needs type string"},
		{"unknown option", msg("\tA string `sip2:\"AO,required\"`"), `unknown option "required"`},
		{"no Extra", "// X.\n//\n//sip2:message CmdX\ntype X struct {\n\twire\n}\n", "must have an Extra []Field field and embed wire"},
		{"command twice", msg("") + "\n// Y.\n//\n//sip2:message CmdX\ntype Y struct {\n\tExtra []Field\n\twire\n}\n", "both claim CmdX"},
		{"repeat in one message only", msg("\tA []string `sip2:\"AF,repeat\"`") + "\n// Y.\n//\n//sip2:message CmdY\ntype Y struct {\n\tA string `sip2:\"AF\"`\n\tExtra []Field\n\twire\n}\n", "AF is repeat in X but not in Y"},
		{"no messages", "type X struct{}\n", "no \"//sip2:message\" structs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
