package sip2mem_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

type sc struct {
	t   *testing.T
	c   net.Conn
	br  *bufio.Reader
	seq int
}

func dial(t *testing.T, addr string) *sc {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &sc{t: t, c: c, br: bufio.NewReader(c)}
}

// do sends body with AY/AZ and returns the response, checked for AY echo
// and checksum, without its trailer.
func (s *sc) do(body string) string {
	s.t.Helper()
	seq := string(rune('0' + s.seq%10))
	s.seq++
	msg := body + "AY" + seq + "AZ"
	msg += sip2.Checksum([]byte(msg))
	s.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.c.Write([]byte(msg + "\r")); err != nil {
		s.t.Fatal(err)
	}
	resp, err := s.br.ReadString('\r')
	if err != nil {
		s.t.Fatalf("%s: read: %v", body[:2], err)
	}
	resp = strings.TrimSuffix(resp, "\r")
	if err := sip2.VerifyChecksum([]byte(resp)); err != nil {
		s.t.Errorf("response %q: %v", resp, err)
	}
	i := strings.LastIndex(resp, "AY")
	if i < 0 || resp[i+2:i+3] != seq {
		s.t.Fatalf("response %q does not echo AY%s", resp, seq)
	}
	return resp[:i]
}

func login(t *testing.T, addr string) *sc {
	s := dial(t, addr)
	if got := s.do("9300CN" + sip2mem.DemoUser + "|CO" + sip2mem.DemoPassword + "|CPMAIN|"); got != "941" {
		t.Fatalf("login → %q", got)
	}
	return s
}

const date = "20260329    203000"

func TestSessionOverTheWire(t *testing.T) {
	tests := []struct {
		name    string
		req     string
		prefix  string   // response must start with this
		fields  []string // and contain each of these fields
		without []string // and none of these
	}{
		{"bad login", "9300CNlocker1|COwrong|", "940", nil, nil},
		{"status", "9900302.00", "98YYYYYN10000", []string{"AODEMO|", "BXYYYYYYYYYYYYYYYY|", "ANMAIN|"}, nil},
		{"patron status good PIN", "23001" + date + "AODEMO|AAP0001|AC|AD1234|", "24              001", []string{"AEAda Lovelace|", "BLY|", "CQY|"}, nil},
		{"patron status bad PIN", "23001" + date + "AODEMO|AAP0001|AC|AD0000|", "24", []string{"CQN|"}, nil},
		{"patron status no PIN sent", "23001" + date + "AODEMO|AAP0001|AC|AD|", "24", []string{"BLY|"}, []string{"CQ"}},
		{"patron status unknown", "23001" + date + "AODEMO|AANOBODY|AC|AD|", "24YYYYYYYYYYYYYY", []string{"BLN|"}, nil},
		{"patron status blocked", "23001" + date + "AODEMO|AAP0003|AC|AD|", "24Y", []string{"AFBorrowing suspended, please contact the library|"}, nil},
		{"patron information holds ready", "63001" + date + "Y         AODEMO|AAP0001|AC|AD1234|", "64              001" + date[:0], []string{"ASI0010|", "CQY|", "BEpatron1@example.org|"}, nil},
		{"patron information counts", "63001" + date + "          AODEMO|AAP0004|AC|AD|", "64", []string{"AEKatherine Johnson|"}, nil},
		{"patron information charged", "63001" + date + "  Y       AODEMO|AAP0002|AC|AD|", "64", []string{"AUI0005|", "AUI0006|"}, nil},
		{"checkout ok", "11YN" + date + "                  AODEMO|AAP0001|ABI0001|AC|AD1234|", "121NUY", []string{"AJThe Art of Computer Programming|", "CK001|", "AH"}, nil},
		{"checkout blocked patron", "11YN" + date + "                  AODEMO|AAP0003|ABI0002|AC|", "120NUN", []string{"AFBorrowing suspended, please contact the library|"}, nil},
		{"checkout on loan to another", "11YN" + date + "                  AODEMO|AAP0001|ABI0005|AC|", "120", []string{"AFItem is checked out to another patron|"}, nil},
		{"checkout wrong PIN", "11YN" + date + "                  AODEMO|AAP0001|ABI0003|AC|AD9999|", "120", []string{"AFInvalid PIN|"}, nil},
		{"checkin traps hold", "09N" + date + date + "APMAIN|AODEMO|ABI0012|AC|", "101YUY", []string{"CV01|", "CYP0007|", "DADonald Knuth|", "CTMAIN|", "AQMAIN|"}, nil},
		{"checkin in transit", "09N" + date + date + "APEAST|AODEMO|ABI0002|AC|", "101YUY", []string{"CV04|", "CTMAIN|"}, []string{"CY"}},
		{"checkin unknown", "09N" + date + date + "APMAIN|AODEMO|ABNOPE|AC|", "100NUN", []string{"AFUnknown item|"}, nil},
		{"item information", "17" + date + "AODEMO|ABI0010|", "180801", []string{"AJ", "CF1|", "CM"}, nil},
		{"item information unknown", "17" + date + "AODEMO|ABNOPE|", "181301", nil, nil},
		{"renew", "29NN" + date + "                  AODEMO|AAP0002|ABI0006|", "301Y", []string{"AH"}, nil},
		{"renew all", "65" + date + "AODEMO|AAP0002|", "661", []string{"BMI0006|", "BNI0005|"}, nil},
		{"hold place", "15+" + date + "AODEMO|AAP0008|ABI0001|BSEAST|", "161", []string{"BR1|", "BSEAST|"}, nil},
		{"hold cancel missing", "15-" + date + "AODEMO|AAP0008|ABI0002|", "160", []string{"AFNo such hold|"}, nil},
		{"fee paid", "37" + date + "0100USDBV5.00|AODEMO|AAP0009|", "38Y", []string{"AFPayment accepted; still owed 7.50 USD|"}, nil},
		{"fee paid too much", "37" + date + "0100USDBV50.00|AODEMO|AAP0009|", "38N", nil, nil},
		{"item status update", "19" + date + "AODEMO|ABI0003|CHkit: 3 cables|", "201", []string{"CHkit: 3 cables|"}, nil},
		{"block patron", "01N" + date + "AODEMO|ALcard left in the locker|AAP0011|AC|", "24YYYY", []string{"AFcard left in the locker|"}, nil},
		{"patron enable", "25" + date + "AODEMO|AAP0003|", "26              001", []string{"AFPatron enabled|"}, nil},
		{"end session", "35" + date + "AODEMO|AAP0001|AC|AD|", "36Y", []string{"AFThank you|"}, nil},
	}
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	s := login(t, srv.Addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			got := s.do(tt.req)
			if !strings.HasPrefix(got, tt.prefix) {
				t.Errorf("%q\n→ %q\nwant prefix %q", tt.req, got, tt.prefix)
			}
			for _, f := range tt.fields {
				if !strings.Contains(got, f) {
					t.Errorf("%q\n→ %q\nlacks %q", tt.req, got, f)
				}
			}
			for _, f := range tt.without {
				if strings.Contains(got, "|"+f) {
					t.Errorf("%q\n→ %q\nhas %q", tt.req, got, f)
				}
			}
		})
	}
	if c := lib.Counts("I0001"); c.Checkouts != 1 {
		t.Errorf("I0001 counts = %+v, want one checkout", c)
	}
	if c := lib.Counts("I0012"); c.Checkins != 1 {
		t.Errorf("I0012 counts = %+v, want one checkin", c)
	}
}

func TestRetriedCheckoutCountsOnce(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	s := login(t, srv.Addr)
	msg := "11YN" + date + "                  AODEMO|AAP0001|ABI0001|AC|AD1234|AY5AZ"
	msg += sip2.Checksum([]byte(msg))
	var resps []string
	for i := 0; i < 3; i++ {
		s.c.Write([]byte(msg + "\r"))
		r, err := s.br.ReadString('\r')
		if err != nil {
			t.Fatal(err)
		}
		resps = append(resps, r)
	}
	if resps[0] != resps[1] || resps[1] != resps[2] || !strings.HasPrefix(resps[0], "121") {
		t.Errorf("responses differ or failed: %q", resps)
	}
	if got := lib.Counts("I0001").Checkouts; got != 1 {
		t.Errorf("checkouts of I0001 = %d after 3 identical retries, want 1", got)
	}
}

func TestAccountOptions(t *testing.T) {
	lib := sip2mem.NewDemo()
	lib.AddAccount(sip2mem.Account{User: "kiosk", Password: "k", Institution: "DEMO", Location: "MAIN",
		Options: &sip2.ConnOptions{Terminator: sip2.TerminatorCRLF}})
	srv := sip2test.NewServer(t, lib)
	s := dial(t, srv.Addr)
	s.c.Write([]byte("9300CNkiosk|COk|\r"))
	s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := s.br.ReadString('\n')
	if err != nil || got != "941\r\n" {
		t.Errorf("login with a CRLF account → %q, %v; want \"941\\r\\n\"", got, err)
	}
}

func TestDownModes(t *testing.T) {
	t.Run("refuse", func(t *testing.T) {
		lib := sip2mem.NewDemo()
		lib.SetDown(sip2mem.Refuse)
		srv := sip2test.NewServer(t, lib)
		s := dial(t, srv.Addr)
		s.c.Write([]byte("9300CNlocker1|COlocker1-secret|\r"))
		s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := s.br.ReadByte(); err == nil {
			t.Error("a down library answered")
		}
	})
	t.Run("refuse drops an open session, executing nothing", func(t *testing.T) {
		lib := sip2mem.NewDemo()
		srv := sip2test.NewServer(t, lib)
		s := login(t, srv.Addr)
		lib.SetDown(sip2mem.Refuse)
		s.c.Write([]byte("11YN20261126    12000020261126    120000AODEMO|AAP0001|ABI0001|AC|\r"))
		s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := s.br.ReadString('\r'); err == nil {
			t.Fatalf("a down library answered %q", got)
		}
		if c := lib.Counts("I0001"); c.Checkouts != 0 {
			t.Errorf("the refused checkout was executed: %+v", c)
		}
		lib.SetDown(sip2mem.Up)
		s2 := login(t, srv.Addr)
		s2.c.Write([]byte("9900302.00\r"))
		s2.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := s2.br.ReadString('\r'); err != nil || !strings.HasPrefix(got, "98") {
			t.Errorf("a new session after coming back up: %q, %v", got, err)
		}
	})
	t.Run("silent, then back up", func(t *testing.T) {
		lib := sip2mem.NewDemo()
		srv := sip2test.NewServer(t, lib)
		s := login(t, srv.Addr)
		lib.SetDown(sip2mem.Silent)
		s.c.Write([]byte("9900302.00\r"))
		s.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := s.br.ReadByte(); err == nil {
			t.Fatal("a silent library answered")
		}
		lib.SetDown(sip2mem.Up)
		s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, err := s.br.ReadString('\r')
		if err != nil || !strings.HasPrefix(got, "98") {
			t.Errorf("after coming back up: %q, %v", got, err)
		}
	})
}
