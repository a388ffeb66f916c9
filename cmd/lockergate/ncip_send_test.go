package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip/nciptest"
)

func runNCIPCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestNCIPSend(t *testing.T) {
	srv := nciptest.NewServer(t, nciptest.NewDemo())
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.xml")
	os.WriteFile(ok, []byte(`<NCIPMessage version="v2"><LookupUser><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><UserElementType>Name Information</UserElementType></LookupUser></NCIPMessage>`), 0o644)
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(`<NCIPMessage version="v2"><LookupUser><UserId><UserIdentifierValue>nobody</UserIdentifierValue></UserId></LookupUser></NCIPMessage>`), 0o644)
	t.Setenv("NCIP_TEST_TOKEN", "tok-xyz")

	code, out, errs := runNCIPCmd(t, "ncip", "send", "--url", srv.URL, "--token-env", "NCIP_TEST_TOKEN", ok)
	if code != 0 || !strings.Contains(out, "<UnstructuredPersonalUserName>Ada Lovelace</UnstructuredPersonalUserName>") || !strings.Contains(out, "\n  <LookupUserResponse>") {
		t.Errorf("send ok: exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	code, out, _ = runNCIPCmd(t, "ncip", "send", "--url", srv.URL, bad)
	if code != 1 || !strings.Contains(out, "Problem: Unknown User") || !strings.Contains(out, "element: UserIdentifierValue") {
		t.Errorf("send problem: exit %d\n%s", code, out)
	}
	code, _, errs = runNCIPCmd(t, "ncip", "send", "--url", srv.URL+"/x", "--raw", filepath.Join(dir, "missing.xml"))
	if code != 1 || !strings.Contains(errs, "missing.xml") {
		t.Errorf("missing file: exit %d, stderr %s", code, errs)
	}
	code, _, errs = runNCIPCmd(t, "ncip", "send", ok)
	if code != 2 || !strings.Contains(errs, "--url") {
		t.Errorf("no url: exit %d, stderr %s", code, errs)
	}
	// A transport error (nothing listens) exits 1 and does not show the token.
	code, _, errs = runNCIPCmd(t, "ncip", "send", "--url", "http://127.0.0.1:1/ncip", "--token", "tok-SECRET", "--timeout", "2s", ok)
	if code != 1 || strings.Contains(errs, "tok-SECRET") || errs == "" {
		t.Errorf("transport error: exit %d, stderr %s", code, errs)
	}
}
