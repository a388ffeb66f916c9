package ncipclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// TestCallEndsServerWork: when a call's context ends (its deadline, the
// Options.Timeout, or a cancel) before the answer, the client closes the
// connection, so that the responder's request context ends too and its
// work stops, for every kind of call (sent once, and retried lookups).
//
// The handler reads the body first, as every NCIP responder does: net/http
// notices a closed connection only once the handler has read the request
// body to its end, so a test handler that never reads it keeps running
// after any client has gone (which is net/http's, not the client's doing).
func TestCallEndsServerWork(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // Options.Timeout
		ctx     func() (context.Context, context.CancelFunc)
		call    func(ctx context.Context, c *ncipclient.Client) error
	}{
		{"AcceptItem, caller's deadline", 30 * time.Second,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			func(ctx context.Context, c *ncipclient.Client) error {
				_, err := c.AcceptItem(ctx, &ncip.AcceptItem{RequestID: ncip.RequestID{RequestIdentifierValue: "R1"}, RequestedActionType: ncip.SV("Hold For Pickup")})
				return err
			}},
		{"CheckOutItem, Options.Timeout", 200 * time.Millisecond,
			func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			func(ctx context.Context, c *ncipclient.Client) error {
				_, err := c.CheckOutItem(ctx, &ncip.CheckOutItem{UserID: &ncip.UserID{UserIdentifierValue: "U1"}, ItemID: ncip.ItemID{ItemIdentifierValue: "I1"}})
				return err
			}},
		{"LookupItem (retried), caller's deadline", 30 * time.Second,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			func(ctx context.Context, c *ncipclient.Client) error {
				_, err := c.LookupItem(ctx, &ncip.LookupItem{ItemID: &ncip.ItemID{ItemIdentifierValue: "I1"}})
				return err
			}},
		{"SendRaw, cancelled", 30 * time.Second,
			func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(200*time.Millisecond, cancel)
				return ctx, cancel
			},
			func(ctx context.Context, c *ncipclient.Client) error {
				_, err := c.SendRaw(ctx, []byte(`<NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"><LookupVersion><FromAgencyId><AgencyId>A</AgencyId></FromAgencyId><ToAgencyId><AgencyId>B</AgencyId></ToAgencyId></LookupVersion></NCIPMessage>`), false)
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := make(chan struct{}, 8)
			ended := make(chan struct{}, 8)
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				started <- struct{}{}
				select {
				case <-r.Context().Done():
					ended <- struct{}{}
				case <-release:
				}
			}))
			defer srv.Close()
			defer close(release)
			c := ncipclient.New(srv.URL, ncipclient.Options{Timeout: tt.timeout})
			ctx, cancel := tt.ctx()
			defer cancel()
			err := tt.call(ctx, c)
			var te *ncipclient.TransportError
			if !errors.As(err, &te) || !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
				t.Fatalf("call = %v, want a TransportError for the context's end", err)
			}
			select {
			case <-started:
			default:
				t.Fatal("the request never reached the server")
			}
			select {
			case <-ended:
			case <-time.After(10 * time.Second):
				t.Fatal("the server's request context did not end after the client's: the connection was kept open")
			}
		})
	}
}
