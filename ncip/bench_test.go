package ncip_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

func benchEncode(b *testing.B, m *ncip.Message) {
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = (*ncip.EncodeOptions)(nil).Append(buf[:0], m)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func benchDecode(b *testing.B, m *ncip.Message) {
	data, _ := ncip.Marshal(m)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ncip.Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

// A typical locker response: the loan of one item.
var checkOutResp = &ncip.Message{CheckOutItemResponse: &ncip.CheckOutItemResponse{ResponseHeader: rhdr, ItemID: &ncip.ItemID{ItemIdentifierValue: "I1"}, UserID: &ncip.UserID{UserIdentifierValue: "U1"}, DateDue: t0}}

// A LookupUser response with name, a block and one loan.
var lookupUserResp = &ncip.Message{LookupUserResponse: &ncip.LookupUserResponse{ResponseHeader: rhdr, UserID: user,
	LoanedItem:         []ncip.LoanedItem{{ItemID: *item, DateDue: t0, Title: "Notes"}},
	UserOptionalFields: &ncip.UserOptionalFields{NameInformation: userOpt.NameInformation, BlockOrTrap: userOpt.BlockOrTrap}}}

func BenchmarkEncodeCheckOutItemResponse(b *testing.B) { benchEncode(b, checkOutResp) }
func BenchmarkDecodeCheckOutItemResponse(b *testing.B) { benchDecode(b, checkOutResp) }
func BenchmarkEncodeLookupUserResponse(b *testing.B)   { benchEncode(b, lookupUserResp) }
func BenchmarkDecodeLookupUserResponse(b *testing.B)   { benchDecode(b, lookupUserResp) }

// BenchmarkResponder measures the whole responder over HTTP: an httptest
// server with the in-memory backend and 16 concurrent clients sending
// LookupUser (or CheckOutItem), reporting requests a second. Client and
// server share the machine, so the figure is a lower bound for the server.
func BenchmarkResponder(b *testing.B) {
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"LookupUser", []byte(lookupU1)},
		{"CheckOutItem", []byte(`<NCIPMessage xmlns="http://www.niso.org/2008/ncip" version="v2"><CheckOutItem><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId></CheckOutItem></NCIPMessage>`)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := httptest.NewServer(&ncip.Handler{Backend: nciptest.NewDemo()})
			defer srv.Close()
			const clients = 16
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: clients}}
			defer hc.CloseIdleConnections()
			var next atomic.Int64
			var failed atomic.Int64
			n := int64(b.N)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := new(bytes.Buffer)
					for next.Add(1) <= n {
						resp, err := hc.Post(srv.URL, "application/xml", bytes.NewReader(tc.body))
						if err != nil {
							failed.Add(1)
							continue
						}
						buf.Reset()
						io.Copy(buf, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 || bytes.Contains(buf.Bytes(), []byte("<Problem>")) {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if f := failed.Load(); f > 0 {
				b.Fatalf("%d requests failed", f)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
		})
	}
}
