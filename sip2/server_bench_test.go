package sip2_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// benchConn is the simplest possible SC: raw writes, reads up to CR.
type benchConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialBench(b *testing.B, addr, login string) *benchConn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	bc := &benchConn{c: c, br: bufio.NewReaderSize(c, 4096)}
	if resp := bc.roundTrip(b, []byte(login+"\r")); len(resp) < 3 || resp[2] != '1' {
		b.Fatalf("login failed: %q", resp)
	}
	return bc
}

func (bc *benchConn) roundTrip(b *testing.B, req []byte) []byte {
	if _, err := bc.c.Write(req); err != nil {
		b.Fatal(err)
	}
	resp, err := bc.br.ReadSlice('\r')
	if err != nil {
		b.Fatal(err)
	}
	return resp
}

// benchServer measures request/response round trips through the server
// over loopback with conns concurrent connections, each sending req in a
// closed loop. It reports round trips per second and the p99 latency.
func benchServer(b *testing.B, be sip2.Backend, login string, reqs [][]byte, conns int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &sip2.Server{Backend: be, ErrorLog: &logBuffer{}}
	go srv.Serve(l)
	defer srv.Close()
	benchAddr(b, l.Addr().String(), login, reqs, conns)
}

// benchAddr runs the closed loop against a server at addr.
func benchAddr(b *testing.B, addr, login string, reqs [][]byte, conns int) {
	cs := make([]*benchConn, conns)
	for i := range cs {
		cs[i] = dialBench(b, addr, login)
		defer cs[i].c.Close()
	}
	var next atomic.Int64
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range cs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			bc := cs[i]
			mine := make([]time.Duration, 0, b.N/conns+1)
			for n := 0; next.Add(1) <= int64(b.N); n++ {
				t0 := time.Now()
				resp := bc.roundTrip(b, reqs[n%len(reqs)])
				mine = append(mine, time.Since(t0))
				if resp[0] == '9' && resp[1] == '6' {
					b.Errorf("server asked for a resend: %q", resp)
					return
				}
			}
			lat[i] = mine
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "rt/s")
	}
}

var benchLogin = ed("9300CNuser|COpass|CPMAIN|AY0AZ")

func BenchmarkServerRoundTrip(b *testing.B) {
	// Each connection alternates two sequence numbers: repeating one
	// request with one AY would be answered by duplicate replay and
	// measure nothing.
	patronStatus := [][]byte{
		[]byte(ed("2300120060101    084235AOUWOLS|AAdjfiander|ACterminal password|AD6789|AY2AZ") + "\r"),
		[]byte(ed("2300120060101    084235AOUWOLS|AAdjfiander|ACterminal password|AD6789|AY3AZ") + "\r"),
	}
	checkout := [][]byte{[]byte(checkoutMsg("I0001", 3) + "\r"), []byte(checkoutMsg("I0001", 4) + "\r")}
	for _, tc := range []struct {
		name  string
		req   [][]byte
		conns int
	}{
		{"patron-status/conns=1", patronStatus, 1},
		{"patron-status/conns=64", patronStatus, 64},
		{"checkout/conns=1", checkout, 1},
		{"checkout/conns=64", checkout, 64},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchServer(b, newTestBackend(), benchLogin, tc.req, tc.conns)
		})
	}
}

// BenchmarkServerSip2mem goes through the in-memory ILS (a shared mutex
// and real item lookups) with item information requests.
func BenchmarkServerSip2mem(b *testing.B) {
	req := [][]byte{
		[]byte(ed("1720260814    083455AODEMO|ABI0012|AY1AZ") + "\r"),
		[]byte(ed("1720260814    083455AODEMO|ABI0012|AY2AZ") + "\r"),
	}
	login := ed("9300CN" + sip2mem.DemoUser + "|CO" + sip2mem.DemoPassword + "|AY0AZ")
	for _, conns := range []int{1, 64} {
		b.Run("item-information/conns="+itoa(conns), func(b *testing.B) {
			benchServer(b, sip2mem.NewDemo(), login, req, conns)
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// The load generator and the server share one Go runtime in the
// benchmarks above, so its scheduler sees 128 goroutines and the p99 there
// mostly measures the generator waiting for its turn. This one runs the
// server in a child process (the test binary re-executed, as os/exec's
// TestHelperProcess does), which is how a real deployment runs.
func BenchmarkServerSubprocess(b *testing.B) {
	req := [][]byte{
		[]byte(ed("1720260814    083455AODEMO|ABI0012|AY1AZ") + "\r"),
		[]byte(ed("1720260814    083455AODEMO|ABI0012|AY2AZ") + "\r"),
	}
	login := ed("9300CN" + sip2mem.DemoUser + "|CO" + sip2mem.DemoPassword + "|AY0AZ")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBenchServer$")
	cmd.Env = append(os.Environ(), "SIP2_BENCH_SERVER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("helper server: %v", err)
	}
	addr = strings.TrimSpace(addr)
	for _, conns := range []int{1, 64} {
		b.Run("item-information/conns="+itoa(conns), func(b *testing.B) {
			benchAddr(b, addr, login, req, conns)
		})
	}
}

// TestHelperBenchServer is not a test: it is the child process of
// BenchmarkServerSubprocess, serving sip2mem's demo library until killed.
// Without SIP2_BENCH_SERVER it returns at once.
func TestHelperBenchServer(t *testing.T) {
	if os.Getenv("SIP2_BENCH_SERVER") != "1" {
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(l.Addr().String())
	srv := &sip2.Server{Backend: sip2mem.NewDemo(), ErrorLog: &logBuffer{}}
	srv.Serve(l)
}
