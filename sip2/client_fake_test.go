package sip2_test

// A fake ACS written from the wire rules in docs/sip2.md §1, independent of
// the package's codec, so that client tests check the bytes on the wire
// rather than the codec agreeing with itself.

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawChecksum is the AZ value for data, which ends with "AZ": the two's
// complement of the 16-bit byte sum, 4 upper-case hex digits.
func rawChecksum(data string) string {
	var sum uint16
	for i := 0; i < len(data); i++ {
		sum += uint16(data[i])
	}
	return fmt.Sprintf("%04X", -sum)
}

// seal appends AY (if seq is a digit) and a correct AZ to body.
func seal(body string, seq string) string {
	if seq != "" {
		body += "AY" + seq
	}
	body += "AZ"
	return body + rawChecksum(body)
}

// reqSeq returns the AY digit of a raw request, or "" if it has none.
func reqSeq(req string) string {
	i := strings.LastIndex(req, "AY")
	if i < 0 || i+3 > len(req) || !strings.HasPrefix(req[i+3:], "AZ") {
		return ""
	}
	return req[i+2 : i+3]
}

// An action tells the fake what to do with one request.
type action struct {
	reply      string        // raw bytes to send (terminator included), if any
	hang       bool          // never answer, keep the connection open
	close      bool          // close the connection without answering
	closeAfter bool          // close the connection after sending reply
	delay      time.Duration // wait before replying
}

// answer seals body with the request's AY and terminates it with CR.
func answer(req, body string) action {
	return action{reply: seal(body, reqSeq(req)) + "\r"}
}

// fakeACS serves SIP2 on 127.0.0.1:0 and calls handle for every request
// (raw, without its terminator). It records every request it sees.
type fakeACS struct {
	t      testing.TB
	ln     net.Listener
	handle func(conn int, req string) action

	mu    sync.Mutex
	reqs  []string
	conns int
	open  []net.Conn
	wg    sync.WaitGroup
}

func newFakeACS(t testing.TB, handle func(conn int, req string) action) *fakeACS {
	t.Helper()
	return newFakeACSTLS(t, nil, handle)
}

// newFakeACSTLS is newFakeACS behind TLS when config is not nil.
func newFakeACSTLS(t testing.TB, config *tls.Config, handle func(conn int, req string) action) *fakeACS {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if config != nil {
		ln = tls.NewListener(ln, config)
	}
	f := &fakeACS{t: t, ln: ln, handle: handle}
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeACS) Addr() string { return f.ln.Addr().String() }

func (f *fakeACS) Close() {
	f.ln.Close()
	f.mu.Lock()
	for _, c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *fakeACS) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func (f *fakeACS) Conns() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

func (f *fakeACS) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns++
		n := f.conns
		f.open = append(f.open, c)
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer c.Close()
			serveFake(c, n, f.handle, func(req string) {
				f.mu.Lock()
				f.reqs = append(f.reqs, req)
				f.mu.Unlock()
			})
		}()
	}
}

// serveFake runs the request loop of one fake connection.
func serveFake(c net.Conn, n int, handle func(int, string) action, record func(string)) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\r')
		if err != nil {
			return
		}
		req := strings.TrimLeft(strings.TrimSuffix(line, "\r"), "\n")
		if record != nil {
			record(req)
		}
		a := handle(n, req)
		if a.delay > 0 {
			time.Sleep(a.delay)
		}
		switch {
		case a.close:
			return
		case a.hang:
			// Keep reading (and discarding) until the client goes away.
			continue
		case a.reply != "":
			if _, err := c.Write([]byte(a.reply)); err != nil {
				return
			}
			if a.closeAfter {
				return
			}
		}
	}
}

// Canned responses used by several tests.
const (
	fakeLoginOK    = "941"
	fakeLoginNo    = "940"
	fakeACSStatus  = "98YYYNYN60000320261126    2256412.00AOMAIN|AMMain Library|ANLOCKER1|AFHello|BXYYYYYYYYYYYYYYYY|"
	fakeCheckoutOK = "121NNY20261126    225649AOMAIN|AAP1|ABI1|AJA book|AH20261210    225649|"
	fakeCheckinOK  = "101YNN20261126    225649AOMAIN|ABI1|AQMAIN|AJA book|"
)

// standardACS answers the usual messages with canned replies: login is
// accepted only with password "pw", everything else gets a plausible reply.
func standardACS(_ int, req string) action {
	switch {
	case strings.HasPrefix(req, "93"):
		if strings.Contains(req, "|COpw|") {
			return answer(req, fakeLoginOK)
		}
		return answer(req, fakeLoginNo)
	case strings.HasPrefix(req, "99"):
		return answer(req, fakeACSStatus)
	case strings.HasPrefix(req, "11"):
		// Echo the item so concurrent callers can check they got their own answer.
		return answer(req, "121NNY20261126    225649AOMAIN|AA"+fieldOf(req, "AA")+"|AB"+fieldOf(req, "AB")+"|AJA book|AH20261210    225649|")
	case strings.HasPrefix(req, "09"):
		return answer(req, fakeCheckinOK)
	case strings.HasPrefix(req, "97"):
		return action{reply: "96AZFEF6\r"}
	}
	return action{reply: "96AZFEF6\r"}
}

// fieldOf returns the value of field id in a raw message, for fields that
// are not the first after the fixed part (those start right after a "|").
func fieldOf(raw, id string) string {
	for _, part := range strings.Split(raw, "|")[1:] {
		if strings.HasPrefix(part, id) {
			return part[2:]
		}
	}
	return ""
}

// corrupt changes the last checksum digit of a sealed message.
func corrupt(sealed string) string {
	last := sealed[len(sealed)-1]
	if last == '0' {
		return sealed[:len(sealed)-1] + "1"
	}
	return sealed[:len(sealed)-1] + "0"
}
