package sip2server

import (
	"bufio"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// A relay is a deliberately broken ACS: it sits in front of the reference
// server (sip2mem behind sip2.Server) and spoils what passes through in
// one way, so that each broken implementation stays a few lines long.
type relay struct {
	// request sees each request (without terminator) before it goes
	// upstream. It returns what to forward, or a reply to send the SC
	// instead (forwarding nothing); both empty swallows the request.
	request func(c *relayConn, msg string) (forward, reply string)
	// response turns the upstream's response to req (both without
	// terminator) into the bytes to send, terminator included.
	response func(c *relayConn, req, resp string) string
	// swap answers requests that arrived together in reverse order.
	swap bool
}

// relayConn is the per-connection state a broken relay may keep.
type relayConn struct {
	prev      string    // the previous request, as received
	lastAY    int       // the previous request's AY, -1 if none
	restoreAY int       // AY to put back on the response, -1 if none
	last      time.Time // when the previous request arrived
	closeNow  bool      // set by a hook to drop the connection
}

// start serves r on a loopback port in front of upstream and returns its
// address; everything is closed when the test ends.
func (r relay) start(t *testing.T, upstream string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			track(c)
			track(up)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				defer up.Close()
				r.serve(c, up)
			}()
		}
	}()
	return ln.Addr().String()
}

func (r relay) serve(client, up net.Conn) {
	st := &relayConn{lastAY: -1, restoreAY: -1, last: time.Now()}
	cr, ur := bufio.NewReader(client), bufio.NewReader(up)
	for {
		msg, err := readLine(cr)
		if err != nil {
			return
		}
		batch := []string{msg}
		for r.swap && cr.Buffered() > 0 {
			m, err := readLine(cr)
			if err != nil {
				return
			}
			batch = append(batch, m)
		}
		var outs []string
		for _, m := range batch {
			fwd, reply := m, ""
			if r.request != nil {
				fwd, reply = r.request(st, m)
			}
			st.last = time.Now()
			if st.closeNow {
				return
			}
			if reply != "" {
				outs = append(outs, reply)
				continue
			}
			if fwd == "" {
				continue
			}
			if _, err := up.Write([]byte(fwd + "\r")); err != nil {
				return
			}
			resp, err := readLine(ur)
			if err != nil {
				return
			}
			out := resp + "\r"
			if r.response != nil {
				out = r.response(st, m, resp)
			}
			outs = append(outs, out)
		}
		if r.swap {
			slices.Reverse(outs)
		}
		if _, err := client.Write([]byte(strings.Join(outs, ""))); err != nil {
			return
		}
	}
}

// readLine reads one message ended by CR or LF, skipping empty lines.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\r' || c == '\n' {
			if len(b) == 0 {
				continue
			}
			return string(b), nil
		}
		b = append(b, c)
	}
}

var ayAZ = regexp.MustCompile(`AY([0-9])AZ[0-9A-Fa-f]{4}$`)

// reseal recomputes the checksum of a message that ends in AZxxxx.
func reseal(msg string) string {
	if len(msg) < 6 || msg[len(msg)-6:len(msg)-4] != "AZ" {
		return msg
	}
	head := msg[:len(msg)-4]
	return head + sip2.Checksum([]byte(head))
}

// seqOf returns a message's AY digit, or -1.
func seqOf(msg string) int {
	m := ayAZ.FindStringSubmatch(msg)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// withSeq sets a message's AY digit and recomputes its checksum.
func withSeq(msg string, n int) string {
	loc := ayAZ.FindStringSubmatchIndex(msg)
	if loc == nil {
		return msg
	}
	return reseal(msg[:loc[2]] + strconv.Itoa(n) + msg[loc[3]:])
}

// fieldOf returns the value of field id in msg.
func fieldOf(msg, id string) (string, bool) {
	for _, seg := range strings.Split(msg, "|") {
		if strings.HasPrefix(seg, id) {
			return seg[2:], true
		}
	}
	return "", false
}
