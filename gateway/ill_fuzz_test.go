package gateway_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/gateway"
)

// validFields are the inputs an AcceptILL EINVALID may name.
var validFields = map[string]bool{gateway.FieldRequest: true, gateway.FieldPartner: true, gateway.FieldPatron: true, gateway.FieldPatronName: true,
	gateway.FieldItem: true, gateway.FieldTitle: true, gateway.FieldPickupLocation: true}

// FuzzAcceptILL feeds AcceptILL (what an NCIP AcceptItem or a REST call
// hands it) arbitrary ids, locations and text: it never panics, answers
// only EINVALID (naming the input: Error.Field), ENOTFOUND or ECONFLICT
// for bad input, stores what it accepts exactly (read back equal), and
// never names the patron in an error.
func FuzzAcceptILL(f *testing.F) {
	seeds := []struct{ req, item, patron, loc, title string }{
		{"REQ-1", "ILL-1", "C123456789", "MAIN", "A title"},
		{"REQ-1", "ILL-2", "C123456789", "MAIN", "same id, other item"},
		{"REQ-1", "ILL-1", "C987654321", "MAIN", "same id, other patron"},
		{"REQ-2", "ILL-1", "C123456789", "LOCKER1", "other id, same item"},
		{"", "ILL-3", "C123456789", "MAIN", ""},
		{"REQ-4", "", "C123456789", "MAIN", ""},
		{"REQ-5", "ILL-5", "", "MAIN", ""},
		{"REQ-6", "ILL-6", "C123456789", "", ""},
		{"REQ-7", "ILL-7", "C123456789", "main", "lower-case location"},
		{"REQ-8", "ILL-8", "C123456789", "ELSEWHERE", ""},
		{"REQ\x00-9", "ILL-9", "C123456789", "MAIN", ""},
		{"REQ-10", "ILL\xff-10", "C123456789", "MAIN", ""},
		{"REQ-11", "ILL-11", "C12345\x01678", "MAIN", ""},
		{"REQ-12", "ILL-12", "C123456789", "MAIN", "bad \x00 title"},
		{"REQ-13", strings.Repeat("x", 300), "C123456789", "MAIN", ""},
		{"  REQ-14  ", " ILL-14 ", " C123456789 ", " MAIN ", "ünïcødé ✓"},
	}
	for _, s := range seeds {
		f.Add(s.req, s.item, s.patron, s.loc, s.title)
	}
	w, dbl := illWorld(f, sqliteEngine(f), illForward)
	svc, _ := w.start("fuzz")
	_ = dbl
	card := regexp.MustCompile(`^C[0-9]{6,}$`)
	f.Fuzz(func(t *testing.T, req, item, patron, loc, title string) {
		a := gateway.ILLAccept{RequestID: req, Partner: "FUZZ", PickupLocation: loc, Patron: patron, Item: item, Title: title}
		r, created, err := svc.AcceptILL(ctx(t), a)
		switch code := gateway.ErrorCode(err); code {
		case "":
			if r == nil {
				t.Fatal("no request and no error")
			}
			got, err := svc.ILLRequest(ctx(t), r.ID)
			if err != nil {
				t.Fatalf("accepted request %q cannot be read back: %v", r.ID, err)
			}
			if got.ID != strings.TrimSpace(req) || got.Item != strings.TrimSpace(item) || got.Patron != strings.TrimSpace(patron) {
				t.Fatalf("stored %+v for %+v", got, a)
			}
			if created && got.Title != title {
				t.Fatalf("title stored as %q, sent %q", got.Title, title)
			}
		case gateway.EINVALID, gateway.ENOTFOUND, gateway.ECONFLICT:
			if created || r != nil {
				t.Fatalf("%s error with a result: %+v", code, r)
			}
			if code == gateway.EINVALID && !validFields[gateway.ErrorField(err)] {
				t.Fatalf("EINVALID names no input (field %q): %v", gateway.ErrorField(err), err)
			}
		default:
			t.Fatalf("AcceptILL(%+v): %v", a, err)
		}
		if p := strings.TrimSpace(patron); err != nil && card.MatchString(p) && !strings.Contains(req+item+loc, p) && strings.Contains(err.Error(), p) {
			t.Fatalf("the error names the patron: %v", err)
		}
	})
}
