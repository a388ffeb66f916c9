package sip2test

import (
	"bufio"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// A step of a transcript: a request the SC must send, or a response the
// ACS sends.
type step struct {
	line    int
	request bool
	text    string
	re      *regexp.Regexp // for ">~" lines
}

// parseTranscript reads a transcript, one message a line:
//
//	> 9300CNuser|COpass|AY0AZF1EC    the SC must send exactly this
//	>~ 11YN\d{8}.*\|ABI0001\|.*      the SC must send a match (Go regexp, whole message)
//	< 941AY{AY}AZ{AZ}                the ACS answers this
//	# a comment; blank lines are ignored
//
// In responses, {AY} stands for the sequence digit of the last request and
// {AZ} (at the end) for the checksum of everything before it, so a script
// can answer a client whose AY and dates it cannot predict.
func parseTranscript(script string) ([]step, error) {
	var steps []step
	for i, raw := range strings.Split(script, "\n") {
		line := strings.TrimRight(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		st := step{line: i + 1}
		switch {
		case strings.HasPrefix(trimmed, ">~ "):
			re, err := regexp.Compile("^(?:" + trimmed[3:] + ")$")
			if err != nil {
				return nil, fmt.Errorf("sip2test: transcript line %d: %v", i+1, err)
			}
			st.request, st.re, st.text = true, re, trimmed[3:]
		case strings.HasPrefix(trimmed, "> "):
			st.request, st.text = true, trimmed[2:]
		case strings.HasPrefix(trimmed, "< "):
			st.text = trimmed[2:]
		default:
			return nil, fmt.Errorf("sip2test: transcript line %d: want \"> \", \">~ \" or \"< \" at the start", i+1)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// ScriptedACS plays the ACS side of a transcript on one connection, the
// way go-smtp's and net/smtp's client tests fake a server. It opens no
// socket: Conn returns the SC's end of an in-memory pipe.
type ScriptedACS struct {
	tb    testing.TB
	steps []step
	sc    net.Conn
	done  chan struct{}
	mu    sync.Mutex
	pos   int
	errs  []string
}

// NewScriptedACS starts playing script, one message a line:
//
//	> 9300CNuser|COpass|AY0AZF1EC    the SC must send exactly this
//	>~ 11YN\d{8}.*\|ABI0001\|.*      the SC must send a match (Go regexp, whole message)
//	< 941AY{AY}AZ{AZ}                the ACS answers this
//	# a comment; blank lines are ignored
//
// In responses, {AY} stands for the sequence digit of the last request and
// {AZ} (at the end) for the checksum of everything before it, so a script
// can answer a client whose AY and dates it cannot predict. When the test
// ends it reports any mismatch and any step the SC never reached.
func NewScriptedACS(tb testing.TB, script string) *ScriptedACS {
	tb.Helper()
	steps, err := parseTranscript(script)
	if err != nil {
		tb.Fatal(err)
	}
	acs, sc := net.Pipe()
	s := &ScriptedACS{tb: tb, steps: steps, sc: sc, done: make(chan struct{})}
	go s.play(acs)
	tb.Cleanup(func() {
		sc.Close()
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			tb.Error("sip2test: scripted ACS did not stop")
		}
		if err := s.Err(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// Conn returns the SC's end of the connection, to pass to sip2.NewClient.
func (s *ScriptedACS) Conn() net.Conn { return s.sc }

// Err reports the first mismatch, or the steps not played yet, or nil.
func (s *ScriptedACS) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		return fmt.Errorf("sip2test: %s", s.errs[0])
	}
	if s.pos < len(s.steps) {
		st := s.steps[s.pos]
		return fmt.Errorf("sip2test: transcript line %d (%q) never played", st.line, st.text)
	}
	return nil
}

func (s *ScriptedACS) fail(format string, a ...any) {
	s.mu.Lock()
	s.errs = append(s.errs, fmt.Sprintf(format, a...))
	s.mu.Unlock()
}

func (s *ScriptedACS) play(c net.Conn) {
	defer close(s.done)
	defer c.Close()
	r := bufio.NewReader(c)
	seq := "0"
	for {
		s.mu.Lock()
		if s.pos >= len(s.steps) {
			s.mu.Unlock()
			return
		}
		st := s.steps[s.pos]
		s.mu.Unlock()
		if st.request {
			msg, err := readMessage(r)
			if err != nil {
				return // the SC hung up; Err reports what is left
			}
			if st.re != nil && !st.re.MatchString(msg) || st.re == nil && msg != st.text {
				s.fail("transcript line %d: SC sent %q, want %q", st.line, sip2.Mask(msg), sip2.Mask(st.text))
				return
			}
			if i := strings.LastIndex(msg, "AY"); i >= 0 && i+2 < len(msg) {
				seq = msg[i+2 : i+3]
			}
		} else {
			// Counted as played before the write: the SC may check Err as
			// soon as it has read the response.
			s.mu.Lock()
			s.pos++
			s.mu.Unlock()
			out := strings.ReplaceAll(st.text, "{AY}", seq)
			if strings.HasSuffix(out, "{AZ}") {
				out = strings.TrimSuffix(out, "{AZ}")
				out += sip2.Checksum([]byte(out))
			}
			if _, err := c.Write([]byte(out + "\r")); err != nil {
				s.fail("transcript line %d: write: %v", st.line, err)
				return
			}
			continue
		}
		s.mu.Lock()
		s.pos++
		s.mu.Unlock()
	}
}

// readMessage reads up to CR or LF, skipping empty lines.
func readMessage(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\r' || c == '\n' {
			if b.Len() > 0 {
				return b.String(), nil
			}
			continue
		}
		b.WriteByte(c)
	}
}
