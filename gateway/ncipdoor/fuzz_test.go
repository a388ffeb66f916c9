package ncipdoor_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/ncipdoor"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/schema"
)

// FuzzServeHTTP: whatever the body, the responder answers (no panic, no
// hang) with a schema-valid NCIP document, and never echoes a token. No
// partner has an ILS here, so every answer is one the responder built.
func FuzzServeHTTP(f *testing.F) {
	seeds := []*ncip.Message{
		accept("OPEN", "R1", "I1", "P1", "B1"),
		accept("ILLIAD", "R2", "", "P1", "Lockers East"),
		accept("OPEN", "R3", "I3", "", "Main Desk"),
		{CancelRequestItem: &ncip.CancelRequestItem{InitiationHeader: hdr("OPEN"), RequestID: &ncip.RequestID{RequestIdentifierValue: "R1"}, RequestType: ncip.SV("Hold")}},
		{CheckInItem: &ncip.CheckInItem{InitiationHeader: hdr("OPEN"), ItemID: ncip.ItemID{ItemIdentifierValue: "IC"}}},
		{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "PC"}, ItemID: ncip.ItemID{ItemIdentifierValue: "IC"}}},
		{DeleteItem: &ncip.DeleteItem{InitiationHeader: hdr("OPEN"), ItemID: ncip.ItemID{ItemIdentifierValue: "IA"}}},
		{LookupUser: &ncip.LookupUser{InitiationHeader: hdr("OPEN"), UserID: &ncip.UserID{UserIdentifierValue: "P"}}},
		{LookupVersion: &ncip.LookupVersion{InitiationHeader: hdr("OPEN")}},
	}
	for _, m := range seeds {
		b, err := ncip.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
		f.Add(b, "Bearer "+illiadToken)
	}
	f.Add([]byte(`<NCIPMessage version="2"><AcceptItem><InitiationHeader><FromAgencyId><AgencyId>OPEN</AgencyId></FromAgencyId><ToAgencyId><AgencyId ncip:Scheme="x y">LG</AgencyId></ToAgencyId></InitiationHeader><RequestId><RequestIdentifierValue>R</RequestIdentifierValue></RequestId><RequestedActionType>hold for pickup</RequestedActionType><UserId><UserIdentifierValue>P</UserIdentifierValue></UserId><DateForReturn>2026-01-01T10:00</DateForReturn><PickupLocation>B1</PickupLocation></AcceptItem></NCIPMessage>`), "")
	f.Add([]byte("xml=%3CNCIPMessage%3E"), "")
	f.Add([]byte("It works!"), "")
	f.Add([]byte("\ufeff<?xml version='1.0' encoding='ISO-8859-1'?><!DOCTYPE x [<!ENTITY a 'b'>]><NCIPMessage/>"), "")
	// A fresh gateway for every input keeps the runs independent (the
	// fuzzer wants the same input to take the same path).
	responder := func(t *testing.T) *ncipdoor.Responder {
		gw := newFakeGateway()
		gw.put(gateway.ILLRequest{ID: "RC", Partner: "OPEN", Item: "IC", Patron: "PC", State: gateway.ILLCollected, Due: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
		gw.put(gateway.ILLRequest{ID: "RA", Partner: "OPEN", Item: "IA", Patron: "PA", State: gateway.ILLAwaited})
		r, err := ncipdoor.New(ncipdoor.Config{Gateway: gw, Partners: []ncipdoor.Partner{open(nil), illiad(nil)}, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	sch := schema.NCIP()
	f.Fuzz(func(t *testing.T, body []byte, auth string) {
		req := httptest.NewRequest(http.MethodPost, "/ncip", bytes.NewReader(body))
		if auth != "" {
			req.Header["Authorization"] = []string{auth}
		}
		w := httptest.NewRecorder()
		responder(t).ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", w.Code)
		}
		out := w.Body.Bytes()
		if err := sch.ValidateBytes(out); err != nil {
			t.Fatalf("answer not valid NCIP 2.02: %v\n%s\nfor %q", err, out, body)
		}
		m, err := ncip.Unmarshal(out)
		if err != nil || m.Service() == "" {
			t.Fatalf("answer does not decode (%v): %s", err, out)
		}
		if bytes.Contains(out, []byte(illiadToken)) {
			t.Fatalf("answer holds the token: %s", out)
		}
	})
}
