package ilssim

import (
	"context"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/schema"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// FuzzHandler sends arbitrary documents to the responder over the demo
// library: every answer is a schema-valid NCIP message (LookupVersion's
// excepted, which the 2.02 schema lacks), and the Backend never panics
// (the Handler would log it).
func FuzzHandler(f *testing.F) {
	seeds := []*ncip.Message{
		acceptMsg("R1", "T1", "P0001", "Title", "MAIN"),
		acceptMsg("R2", "I0001", "P0001", "", ""),
		checkOutMsg("P0008", "I0001"),
		checkOutMsg("P0003", "T1"),
		checkInMsg("I0005"),
		deleteMsg("T1"),
		lookupItemMsg("I0010"),
		{LookupItem: &ncip.LookupItem{RequestID: &ncip.RequestID{RequestIdentifierValue: "H1"}}},
		{LookupUser: &ncip.LookupUser{AuthenticationInput: pinInput("P0001", "1234"), LoanedItemsDesired: true, RequestedItemsDesired: true,
			UserElementType: []ncip.SchemeValue{ncip.SV("Name Information"), ncip.SV("Block Or Trap"), ncip.SV("User Address Information")}}},
		{RenewItem: &ncip.RenewItem{UserID: uid("P0002"), ItemID: *iid("I0006")}},
		{RequestItem: &ncip.RequestItem{UserID: uid("P0008"), BibliographicID: []ncip.BibliographicID{{BibliographicRecordID: &ncip.BibliographicRecordID{BibliographicRecordIdentifier: "I0003"}}}, RequestType: ncip.SV("Hold"), RequestScopeType: ncip.SV("Title")}},
		{CancelRequestItem: &ncip.CancelRequestItem{UserID: uid("P0001"), ItemID: iid("I0010"), RequestType: ncip.SV("Hold")}},
		{LookupRequest: &ncip.LookupRequest{RequestID: &ncip.RequestID{RequestIdentifierValue: "H2"}}},
		{LookupAgency: &ncip.LookupAgency{AgencyID: ncip.SV("DEMO"), AgencyElementType: []ncip.SchemeValue{ncip.SV("Organization Name Information")}}},
	}
	for _, m := range seeds {
		b, err := ncip.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<NCIPMessage version="2.0"><CheckInItem><ItemId><ItemIdentifierValue>I0007</ItemIdentifierValue></ItemId></CheckInItem></NCIPMessage>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		// A library per input, so that an input's answer does not depend
		// on the ones before it (the fuzzer replays inputs to minimise).
		log := &logBuf{}
		h := Handler(sip2mem.NewDemo()).(*ncip.Handler)
		h.Logger = log
		out := h.Serve(context.Background(), body)
		if l := log.String(); strings.Contains(l, "panic") {
			t.Fatalf("the backend panicked: %s", l)
		}
		if out.LookupVersionResponse != nil {
			return
		}
		data, err := ncip.Marshal(out)
		if err != nil {
			t.Fatalf("the answer cannot be encoded: %v", err)
		}
		if err := schema.NCIP().ValidateBytes(data); err != nil {
			t.Fatalf("the answer is not schema-valid: %v\n%s", err, data)
		}
	})
}
