package ncipresponder

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

// The pieces the broken responders of suite_test.go are made of: HTTP
// wrappers that rewrite the reference responder's answers, and backends
// that wrap its Memory with one wrong behaviour each.

var (
	dateDue       = regexp.MustCompile(`<DateDue>[^<]*</DateDue>`)
	scheme        = regexp.MustCompile(` ncip:Scheme="[^"]*"`)
	detailElement = regexp.MustCompile(`<Problem(?:Detail|Element)>[^<]*</Problem(?:Detail|Element)>`)
	version       = regexp.MustCompile(`ncip:version="[^"]*"`)
	emptyMessage  = regexp.MustCompile(`(?s)(<NCIPMessage[^>]*>)(.*)(</NCIPMessage>)`)
	authData      = regexp.MustCompile(`<AuthenticationInputData>([^<]*)</AuthenticationInputData>`)
)

// rewriteBody returns a wrapper that lets the reference answer and then
// rewrites its body; f gets the request and response bodies.
func rewriteBody(f func(req, body string) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req := readBody(r)
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			out := f(req, rec.Body.String())
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.Header().Set("Content-Length", strconv.Itoa(len(out)))
			w.WriteHeader(rec.Code)
			io.WriteString(w, out)
		})
	}
}

// setContentType returns a wrapper that labels every answer ct.
func setContentType(ct string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
}

// whenAnswer returns a wrapper that lets the reference answer and, when
// the answer's body contains marker, sends what replace writes instead.
func whenAnswer(marker string, replace func(w http.ResponseWriter, rec *httptest.ResponseRecorder)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if strings.Contains(rec.Body.String(), marker) {
				replace(w, rec)
				return
			}
			copyResponse(w, rec)
		})
	}
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// readBody reads r's body and puts it back for the next handler.
func readBody(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}

// anyUser answers LookupUser for any user, known or not.
type anyUser struct{ *nciptest.Memory }

func (b anyUser) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	resp, err := b.Memory.LookupUser(ctx, req)
	if err != nil && req.UserID != nil {
		return &ncip.LookupUserResponse{UserID: req.UserID}, nil
	}
	return resp, err
}

// acceptOnce refuses an AcceptItem whose RequestId it has seen before.
type acceptOnce struct {
	*nciptest.Memory
	mu   sync.Mutex
	seen map[string]bool
}

func (b *acceptOnce) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	b.mu.Lock()
	dup := b.seen[req.RequestID.RequestIdentifierValue]
	b.seen[req.RequestID.RequestIdentifierValue] = true
	b.mu.Unlock()
	if dup {
		return nil, ncip.NewProblem(ncip.ProblemTypeCannotAcceptItem, "RequestId", "this request was already accepted")
	}
	return b.Memory.AcceptItem(ctx, req)
}

// strictCheckIn refuses to check in an item that is not on loan.
type strictCheckIn struct{ *nciptest.Memory }

func (b strictCheckIn) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	if _, known := b.Item(req.ItemID.ItemIdentifierValue); known {
		if _, onLoan := b.Loan(req.ItemID.ItemIdentifierValue); !onLoan {
			return nil, ncip.NewProblem(ncip.ProblemTypeItemNotCheckedOut, "ItemId", "the item is not checked out")
		}
	}
	return b.Memory.CheckInItem(ctx, req)
}

// lazyCheckIn answers CheckInItem as done without ending the loan.
type lazyCheckIn struct{ *nciptest.Memory }

func (b lazyCheckIn) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	if _, known := b.Item(req.ItemID.ItemIdentifierValue); known {
		return &ncip.CheckInItemResponse{ItemID: &req.ItemID}, nil
	}
	return b.Memory.CheckInItem(ctx, req)
}

// lazyDelete answers DeleteItem as done without deleting the item.
type lazyDelete struct{ *nciptest.Memory }

func (b lazyDelete) DeleteItem(ctx context.Context, req *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	if _, known := b.Item(req.ItemID.ItemIdentifierValue); known {
		return &ncip.DeleteItemResponse{ItemID: &req.ItemID}, nil
	}
	return b.Memory.DeleteItem(ctx, req)
}

// echoCredentials wraps the reference responder with a leak: a wrong PIN
// is answered "Unknown User" with the PIN sent quoted in the
// ProblemDetail. It works at the HTTP level because ncip.Handler redacts
// credentials from Problems itself.
func echoCredentials(next http.Handler) http.Handler {
	return rewriteBody(func(req, body string) string {
		if !strings.Contains(body, "User Authentication Failed") {
			return body
		}
		var pin string
		if m := authData.FindAllStringSubmatch(req, -1); len(m) == 2 {
			pin = m[1][1]
		}
		body = strings.Replace(body, "User Authentication Failed", "Unknown User", 1)
		return problemDetail.ReplaceAllString(body, "<ProblemDetail>no user with the PIN "+pin+"</ProblemDetail>")
	})(next)
}

var problemDetail = regexp.MustCompile(`<ProblemDetail>[^<]*</ProblemDetail>`)
