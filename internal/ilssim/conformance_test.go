package ilssim

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/conformance/ncipresponder"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestConformance runs the NCIP responder conformance suite against the
// simulated library: every case passes, Should and Profile cases included,
// and the run leaves the library as it found it (loans, holds, items).
func TestConformance(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := httptest.NewServer(Handler(lib))
	defer srv.Close()
	loans, holds := lib.Loans(), lib.Holds()

	cfg := ncipresponder.Config{
		URL: srv.URL + "/ncip", User: "P0008", Item: "I0001", ToAgency: sip2mem.DemoInstitution,
		InputUser: "P0008", InputPassword: "4321", RequestPrefix: "T", Timeout: 5 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep := (&conformance.Runner{Timeout: 10 * time.Second}).Execute(ctx, ncipresponder.New(cfg), cfg.URL)
	if n := len(ncipresponder.New(ncipresponder.Config{}).Cases()); len(rep.Results) != n {
		t.Fatalf("%d results for %d cases", len(rep.Results), n)
	}
	for _, r := range rep.Results {
		if r.Verdict != conformance.Pass {
			t.Errorf("%s (%s): %s: %s", r.Case.ID, r.Case.Level, r.Verdict, r.Message)
		}
	}
	if !rep.Passed() {
		t.Error("the report does not pass")
	}
	if got := lib.Loans(); len(got) != len(loans) {
		t.Errorf("loans after the run: %+v, before %+v", got, loans)
	}
	if got := lib.Holds(); len(got) != len(holds) {
		t.Errorf("holds after the run: %+v, before %+v", got, holds)
	}
	if it, ok := lib.Item("I0001"); !ok || it.Status != sip2mem.StatusAvailable {
		t.Errorf("I0001 after the run: %+v", it)
	}
	for n := 1; n <= 400; n++ {
		for _, id := range []string{fmt.Sprintf("T-REQ%d", n), fmt.Sprintf("T-ITEM%d", n)} {
			if _, ok := lib.Item(id); ok {
				t.Errorf("temporary item %s left behind", id)
			}
		}
	}
}
