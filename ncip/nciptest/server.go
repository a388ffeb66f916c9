package nciptest

import (
	"net/http/httptest"
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

// NewServer starts an NCIP responder for b on 127.0.0.1 (path-agnostic:
// post to srv.URL or any path under it) and closes it when the test ends.
func NewServer(tb testing.TB, b ncip.Backend) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(&ncip.Handler{Backend: b, Logger: tbLogger{tb}})
	tb.Cleanup(srv.Close)
	return srv
}

type tbLogger struct{ tb testing.TB }

func (l tbLogger) Printf(format string, v ...any) { l.tb.Logf(format, v...) }

// MustMarshal encodes m or fails the test.
func MustMarshal(tb testing.TB, m *ncip.Message) []byte {
	tb.Helper()
	b, err := ncip.Marshal(m)
	if err != nil {
		tb.Fatalf("ncip.Marshal: %v", err)
	}
	return b
}
