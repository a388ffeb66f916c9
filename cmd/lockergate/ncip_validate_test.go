package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const ncipExamples = "../../ncip/schema/testdata/examples"

func TestNCIPValidate(t *testing.T) {
	good := filepath.Join(ncipExamples, "xctoolkit_CheckOutItem_response.xml")
	bad := filepath.Join(ncipExamples, "modncip_CreateUserFiscalTransaction_request.xml")
	missing := filepath.Join(t.TempDir(), "nope.xml")
	badStdin := `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="2">
<CheckOutItem><UserId><UserIdentifierValue>S3cretPIN</UserIdentifierValue><UserIdentifierType>b</UserIdentifierType></UserId></CheckOutItem>
</NCIPMessage>`
	tests := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		stdout   []string // lines, in order
		noStdout string   // must not appear in stdout or stderr
	}{
		{name: "valid file", args: []string{good}, code: 0, stdout: []string{good + ": ok"}},
		{name: "invalid file", args: []string{bad}, code: 1, stdout: []string{
			bad + ": invalid: /NCIPMessage/CreateUserFiscalTransaction/FiscalTransactionInformation/Amount/MonetaryValue (line 20, column 17): unexpected element in Amount: expected CurrencyCode; found MonetaryValue"}},
		{name: "every file reported", args: []string{bad, good, missing}, code: 1, stdout: []string{
			bad + ": invalid: /NCIPMessage/CreateUserFiscalTransaction/",
			good + ": ok",
			missing + ": unreadable: no such file or directory"}},
		{name: "stdin valid", stdin: mustRead(t, good), args: []string{"-"}, code: 0, stdout: []string{"-: ok"}},
		{name: "stdin invalid, no secret echoed", stdin: badStdin, args: []string{"-"}, code: 1,
			stdout:   []string{"-: invalid: /NCIPMessage/CheckOutItem/UserId/UserIdentifierType (line 2, column 75): "},
			noStdout: "S3cretPIN"},
		{name: "stdin not XML", stdin: "hello", args: []string{"-"}, code: 1, stdout: []string{"-: invalid: / (line 1, column 1): not well-formed XML"}},
		{name: "no files", args: nil, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.stdin, append([]string{"ncip", "validate"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tt.code, out, errOut)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(tt.stdout) == 0 && out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if len(tt.stdout) > 0 && len(lines) != len(tt.stdout) {
				t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(tt.stdout), out)
			}
			for i, want := range tt.stdout {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d = %q\nwant prefix %q", i+1, lines[i], want)
				}
			}
			if tt.noStdout != "" && strings.Contains(out+errOut, tt.noStdout) {
				t.Errorf("output echoes %q:\n%s%s", tt.noStdout, out, errOut)
			}
			if tt.code == 2 && !strings.Contains(errOut, "no files given") {
				t.Errorf("stderr %q, want a usage message", errOut)
			}
		})
	}
}

// The command's verdicts over all examples agree with xmllint's recorded
// ones (the schema package checks the details; this checks the plumbing).
func TestNCIPValidateAllExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(ncipExamples, "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	_, out, _ := runCmd(t, "", append([]string{"ncip", "validate"}, files...)...)
	if n := strings.Count(out, ": ok\n"); n != 42 {
		t.Errorf("%d files ok, want 42 (as xmllint)", n)
	}
	if n := strings.Count(out, ": invalid: "); n != 13 {
		t.Errorf("%d files invalid, want 13 (as xmllint)", n)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
