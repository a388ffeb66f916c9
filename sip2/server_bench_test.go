package sip2_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/internal/loadgen"
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
		b.Run("item-information/conns="+strconv.Itoa(conns), func(b *testing.B) {
			benchServer(b, sip2mem.NewDemo(), login, req, conns)
		})
	}
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
		b.Run("item-information/conns="+strconv.Itoa(conns), func(b *testing.B) {
			benchAddr(b, addr, login, req, conns)
		})
	}
	// The aim is stated at a load (58,000 round trips a second at
	// 64 connections): the closed loop above saturates both cores at
	// nearly three times that, so its p99 is mostly the queue it builds.
	b.Run("item-information/conns=64/paced=58000", func(b *testing.B) {
		benchAddrPaced(b, addr, login, req, 64, 58000)
	})
}

// benchAddrPaced sends b.N requests over conns connections at rate round
// trips a second in all, with latency counted from when each request was
// due (internal/loadgen's paced mode), and reports the p99.
func benchAddrPaced(b *testing.B, addr, login string, reqs [][]byte, conns int, rate float64) {
	cs := make([]*benchConn, conns)
	for i := range cs {
		cs[i] = dialBench(b, addr, login)
		defer cs[i].c.Close()
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		Workers:  conns,
		Duration: time.Duration(float64(b.N) / rate * float64(time.Second)),
		Rate:     rate,
		Setup: func(ctx context.Context, i int) (loadgen.RequestFunc, func() error, error) {
			bc, n := cs[i], 0
			return func(ctx context.Context) error {
				if _, err := bc.c.Write(reqs[n%len(reqs)]); err != nil {
					return err
				}
				n++
				resp, err := bc.br.ReadSlice('\r')
				if err != nil {
					return err
				}
				if resp[0] == '9' && resp[1] == '6' {
					return fmt.Errorf("server asked for a resend: %q", resp)
				}
				return nil
			}, nil, nil
		},
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if res.Errors > 0 {
		b.Fatalf("%d errors: %v", res.Errors, res.ErrorKinds)
	}
	b.ReportMetric(float64(res.P99.Microseconds()), "p99-µs")
	b.ReportMetric(res.RPS(), "rt/s")
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
