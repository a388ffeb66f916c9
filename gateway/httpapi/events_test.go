package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// bus is a Subscribe double that records its subscribers.
type bus struct {
	mu   sync.Mutex
	subs []chan gateway.Event
	gone int
}

func (b *bus) Subscribe(buffer int) (<-chan gateway.Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan gateway.Event, buffer)
	b.subs = append(b.subs, ch)
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			b.gone++
			b.mu.Unlock()
		})
	}
}

func (b *bus) publish(e gateway.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		ch <- e
	}
}

func (b *bus) counts() (subs, gone int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs), b.gone
}

// startServer serves s on 127.0.0.1:0 and returns its base URL.
func startServer(t testing.TB, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return "http://" + l.Addr().String()
}

// sseReader reads frames (blocks separated by a blank line) from a stream.
type sseReader struct {
	r      *bufio.Reader
	frames chan []string
	err    chan error
}

func newSSEReader(body io.Reader) *sseReader {
	s := &sseReader{r: bufio.NewReader(body), frames: make(chan []string, 16), err: make(chan error, 1)}
	go func() {
		var frame []string
		for {
			line, err := s.r.ReadString('\n')
			if err != nil {
				s.err <- err
				close(s.frames)
				return
			}
			line = strings.TrimRight(line, "\n")
			if line == "" {
				s.frames <- frame
				frame = nil
				continue
			}
			frame = append(frame, line)
		}
	}()
	return s
}

// next returns the next frame that is not only comments, or fails after d.
func (s *sseReader) next(t *testing.T, d time.Duration, skipComments bool) []string {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				t.Fatalf("stream ended: %v", <-s.err)
			}
			if skipComments && allComments(f) {
				continue
			}
			return f
		case <-deadline:
			t.Fatalf("no frame within %v", d)
		}
	}
}

func allComments(f []string) bool {
	for _, l := range f {
		if !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "retry:") {
			return false
		}
	}
	return true
}

func openStream(t *testing.T, url, secret string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestEventStream reads the stream with a real HTTP client: framing, the
// bank filter, heartbeats, and the end of the stream at Shutdown.
func TestEventStream(t *testing.T) {
	b := &bus{}
	svc := &mockService{SubscribeFn: b.Subscribe}
	s, _ := newTestServer(t, svc, func(c *Config) { c.Heartbeat = 100 * time.Millisecond })
	base := startServer(t, s)

	resp := openStream(t, base+"/api/v1/events?bank=B1", staffSecret)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sse := newSSEReader(resp.Body)
	if f := sse.next(t, 5*time.Second, false); !allComments(f) {
		t.Fatalf("first frame %q, want the opening comment", f)
	}
	waitFor(t, func() bool { n, _ := b.counts(); return n == 1 })

	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	b.publish(gateway.Event{Type: "loaded", At: at, Bank: "B2", Item: "I9"}) // filtered out
	b.publish(gateway.Event{Type: "pickup", At: at, Bank: "B1", Compartment: "3", Reservation: "R7", Patron: "h:ab12", Duration: 1500 * time.Millisecond, Outcome: "ok"})
	f := sse.next(t, 5*time.Second, true)
	if len(f) != 3 || f[0] != "id: 1" || f[1] != "event: pickup" || !strings.HasPrefix(f[2], "data: ") {
		t.Fatalf("frame = %q", f)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(f[2], "data: ")), &ev); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "pickup", "at": "2026-03-02T10:00:00Z", "bank": "B1", "compartment": "3", "reservation": "R7", "patron": "h:ab12", "duration_seconds": 1.5, "outcome": "ok"}
	for k, v := range want {
		if ev[k] != v {
			t.Errorf("event %s = %v, want %v", k, ev[k], v)
		}
	}

	// A heartbeat comes while nothing happens.
	hb := sse.next(t, 5*time.Second, false)
	if len(hb) != 1 || hb[0] != ": heartbeat" {
		t.Errorf("heartbeat frame = %q", hb)
	}

	// Shutdown ends the stream and does not wait for it.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Shutdown took %v", el)
	}
	for range sse.frames {
	}
	waitFor(t, func() bool { _, gone := b.counts(); return gone == 1 })
}

// TestEventStreamClientGone checks that the subscription ends when the
// client goes away.
func TestEventStreamClientGone(t *testing.T) {
	b := &bus{}
	s, _ := newTestServer(t, &mockService{SubscribeFn: b.Subscribe})
	base := startServer(t, s)
	resp := openStream(t, base+"/api/v1/events", staffSecret)
	sse := newSSEReader(resp.Body)
	sse.next(t, 5*time.Second, false)
	b.publish(gateway.Event{Type: "door", Bank: "B1"})
	if f := sse.next(t, 5*time.Second, true); f[1] != "event: door" {
		t.Fatalf("frame %q", f)
	}
	resp.Body.Close()
	waitFor(t, func() bool { _, gone := b.counts(); return gone == 1 })
}

// TestEventStreamServiceCloses checks that the stream ends when the Service
// closes the subscription (its own shutdown).
func TestEventStreamServiceCloses(t *testing.T) {
	ch := make(chan gateway.Event)
	s, _ := newTestServer(t, &mockService{SubscribeFn: func(int) (<-chan gateway.Event, func()) { return ch, func() {} }})
	base := startServer(t, s)
	resp := openStream(t, base+"/api/v1/events", staffSecret)
	sse := newSSEReader(resp.Body)
	sse.next(t, 5*time.Second, false)
	close(ch)
	select {
	case err := <-sse.err:
		if err != io.EOF {
			t.Errorf("stream ended with %v, want EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end")
	}
}

func TestEventStreamAfterShutdown(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	s.Shutdown(context.Background())
	rec := do(t, s.Handler(), "GET", "/api/v1/events", staffSecret, "")
	if rec.Code != 503 {
		t.Errorf("status %d, want 503", rec.Code)
	}
}

func TestSSEFrame(t *testing.T) {
	got := string(sseFrame(12, "alert\nevent: fake", []byte(`{"a":"x\ny"}`)))
	want := "id: 12\nevent: alert event: fake\ndata: {\"a\":\"x\\ny\"}\n\n"
	// json.Marshal escapes newlines; the frame must not add any.
	data, _ := json.Marshal(map[string]string{"a": "x\ny"})
	got2 := string(sseFrame(12, "alert\nevent: fake", data))
	if got2 != want || got != want {
		t.Errorf("sseFrame = %q, want %q", got2, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 5s")
}
