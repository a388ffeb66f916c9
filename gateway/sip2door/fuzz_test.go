package sip2door_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzSession sends random frames to a logged-in session, then a 99. The
// door must answer or close the connection, never hang, and never panic
// (the sip2 server recovers a panic and logs it, so the log is checked).
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"09N20250102    030405                  APLOCK-A|AODEMO|ABI0010|AC|",
		"09N20250102    030405                  APLOCKER2|AODEMO|ABI0010|AC|BIY|",
		"09Y20250102    030405                  APLOCK-A|AODEMO|ABI0006|AC|",
		"09N20250102    030405                  APMAIN|AODEMO|ABI0005|AC|ZZvendor|",
		"09N20250102    030405",
		"2300120250102    030405AODEMO|AAP0001|AC|AD1234|",
		"2300120250102    030405AOOTHER|AAP0001|",
		"6300120250102    030405Y         AODEMO|AAP0002|BP1|BQ5|",
		"11YN20250102    030405                  AODEMO|AAP0008|ABI0002|AC|",
		"1720250102    030405AODEMO|ABI0001|",
		"3520250102    030405AODEMO|AAP0001|",
		"3720250102    0304050100USDBV1.00|AODEMO|AAP0009|",
		"1920250102    030405AODEMO|ABI0003|CHnew props|",
		"2520250102    030405AODEMO|AAP0003|",
		"15+20250102    030405AODEMO|AAP0008|ABI0004|BSMAIN|",
		"29NN20250102    030405                  AODEMO|AAP0002|ABI0005|",
		"6520250102    030405AODEMO|AAP0002|",
		"01N20250102    030405AODEMO|ALlost card|AAP0006|AC|",
		"9300CNkiosk|COwrong|",
		"9300CNkiosk|COkiosk-pass-Qx7|",
		"97",
		"96",
		"98YYYYYY00000320250102    0304052.00AODEMO|BXYYYYYYYYYYYYYYYY|",
		"9900302.00AY1AZ0000",
		"XX|||",
		"09N20250102    030405                  APLOCK-A|AODEMO|AB" + strings.Repeat("x", 300) + "|",
		"23001\xff\xfe\x00|AA\x94|",
		"",
	} {
		f.Add([]byte(s))
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", e.door.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		r := &rawConn{tb: t, c: c}
		r.r = newReader(c)
		r.send("9300CN" + kioskLogin + "|CO" + kioskPass + "|")
		if got := r.mustRead(); got != "941" {
			t.Fatalf("login: %q", got)
		}
		// Write errors are fine: the door may have closed the connection
		// on an earlier line.
		c.Write(append(append([]byte(nil), data...), '\r'))
		c.Write([]byte("9900302.00\r"))
		for {
			line, err := r.read()
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("no answer and no close within 20s after %q", data)
				}
				if !errors.Is(err, io.EOF) && !isReset(err) {
					t.Fatalf("read: %v", err)
				}
				break
			}
			if strings.HasPrefix(line, "98") {
				break
			}
		}
		if logs := e.logs.String(); strings.Contains(logs, "panic") {
			t.Fatalf("the door panicked on %q:\n%s", data, logs)
		}
	})
}
