package sip2_test

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// TestClientSecretsNeverLeak makes every kind of client error happen with
// secret values in CO (login password), AD (patron PIN) and AC (terminal
// password), then scans every error text, log line and debug trace.
func TestClientSecretsNeverLeak(t *testing.T) {
	const (
		loginPW = "CO-S3cr3t-login"
		pin     = "AD-P1n-9876"
		termPW  = "AC-T3rm-5555"
	)
	secrets := []string{loginPW, pin, termPW}

	var modeV atomic.Value
	modeV.Store("")
	acs := newFakeACS(t, func(conn int, req string) action {
		switch {
		case strings.HasPrefix(req, "93"):
			if strings.Contains(req, "|CO"+loginPW+"|") {
				return answer(req, fakeLoginOK)
			}
			return answer(req, fakeLoginNo)
		case req == "97AZFEF5", strings.HasPrefix(req, "63"):
			body := "64              00020261126    225649000000000000000000000000AOMAIN|AAP1|AEPat|BLY|CQN|AFWrong PIN|"
			switch modeV.Load().(string) {
			case "checksum":
				good := seal(body, reqSeq(req))
				return action{reply: corrupt(good) + "\r"}
			case "timeout":
				return action{hang: true}
			case "sequence":
				return action{reply: seal(body, "9") + "\r"}
			case "96":
				return action{reply: "96AZFEF6\r"}
			case "close":
				return action{close: true}
			case "garbage":
				return action{reply: "64 garbage\r"}
			}
			return answer(req, body)
		}
		return standardACS(conn, req)
	})

	var logs, trace bytes.Buffer
	var texts []string
	opts := func(pw string) *sip2.ClientOptions {
		return &sip2.ClientOptions{
			Codec:     edOpts,
			Timeout:   500 * time.Millisecond, // also bounds the logins: room for a loaded CI machine
			Login:     &sip2.LoginRequest{LoginUserID: "locker1", LoginPassword: pw},
			Reconnect: true, ReconnectAttempts: 2,
			Backoff: sip2.Backoff{Initial: time.Millisecond},
			Logger:  lineLogger{&logs},
			Debug:   &trace,
		}
	}
	ctx := context.Background()

	// Refused login, directly and through a pool.
	if _, err := sip2.Dial(ctx, acs.Addr(), opts("wrong-"+loginPW)); err == nil {
		t.Fatal("login with a wrong password succeeded")
	} else {
		texts = append(texts, err.Error())
	}
	p := sip2.NewPool(acs.Addr(), &sip2.PoolOptions{Size: 1, Client: *opts("x" + loginPW), Backoff: sip2.Backoff{Initial: time.Millisecond}})
	pctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if _, err := p.Get(pctx); err != nil {
		texts = append(texts, err.Error())
	}
	cancel()
	p.Close()

	c, err := sip2.Dial(ctx, acs.Addr(), opts(loginPW))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	req := &sip2.PatronInformationRequest{InstitutionID: "MAIN", PatronID: "P1", PatronPassword: pin, TerminalPassword: termPW}
	for _, m := range []string{"", "checksum", "timeout", "sequence", "96", "close", "garbage"} {
		modeV.Store(m)
		resp, err := c.PatronInformation(ctx, req)
		if m != "" && err == nil {
			t.Errorf("mode %q: no error", m)
		}
		if err != nil {
			texts = append(texts, err.Error())
		}
		if resp != nil {
			texts = append(texts, resp.String())
			if rerr := resp.Err(); rerr != nil {
				texts = append(texts, rerr.Error())
			}
		}
	}
	modeV.Store("")
	texts = append(texts, logs.String(), trace.String())

	for _, s := range texts {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q leaked in: %s", secret, s)
			}
		}
	}
	if !strings.Contains(trace.String(), "CO"+sip2.MaskedValue) || !strings.Contains(trace.String(), "AD"+sip2.MaskedValue) {
		t.Errorf("debug trace does not show masked CO/AD fields:\n%s", trace.String())
	}
	if len(texts) < 10 {
		t.Errorf("only %d texts collected; the scenarios did not all fail as planned", len(texts))
	}
}
