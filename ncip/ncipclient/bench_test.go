package ncipclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

// benchProfiles are the profiles the benchmarks apply: none, a header
// only, and a header with schemes and a translated vocabulary (the costly
// case: values change, so the request is rewritten).
var benchProfiles = []struct {
	name    string
	profile Profile
}{
	{"NoProfile", Profile{}},
	{"Header", Profile{FromAgency: "ILL", ToAgency: "LIB", ApplicationProfileType: "PARTNER"}},
	{"HeaderSchemesValues", Profile{
		FromAgency: "ILL", ToAgency: "LIB", ApplicationProfileType: "PARTNER",
		Schemes: map[string]string{
			"RequestType":        "http://www.niso.org/ncip/v1_0/imp1/schemes/requesttype/requesttype.scm",
			"ItemIdentifierType": "http://www.niso.org/ncip/v1_0/schemes/visibleitemidentifiertype/visibleitemidentifiertype.scm",
		},
		Values: map[string]map[string]string{"RequestScopeType": {"item": "Bibliographic Item"}},
	}},
}

// benchRequest is a RequestItem as an ILL system sends it: it has
// SchemeValues at several depths, so a profile has work to do.
func benchRequest() *ncip.Message {
	return &ncip.Message{RequestItem: &ncip.RequestItem{
		UserID:           &ncip.UserID{UserIdentifierValue: "U1", UserIdentifierType: ncip.SV("Barcode")},
		ItemID:           []ncip.ItemID{{ItemIdentifierValue: "I1", ItemIdentifierType: ncip.SV("Barcode")}},
		RequestType:      ncip.SV("Page"),
		RequestScopeType: ncip.SV("Item"),
		ItemElementType:  []ncip.SchemeValue{ncip.SV("Bibliographic Description"), ncip.SV("Circulation Status")},
	}}
}

// BenchmarkEncode measures what Send does before posting: the profile
// applied and the message encoded. A new request is built in every
// iteration, as callers do, so that each iteration has the same work.
func BenchmarkEncode(b *testing.B) {
	for _, bp := range benchProfiles {
		b.Run(bp.name, func(b *testing.B) {
			c := New("http://127.0.0.1:1/", Options{Profile: bp.profile})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encode(benchRequest()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSend measures a whole Send against an in-process server that
// answers with a fixed response, so that the client's share dominates.
func BenchmarkSend(b *testing.B) {
	const answer = `<NCIPMessage xmlns="http://www.niso.org/2008/ncip" ncip:version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd" xmlns:ncip="http://www.niso.org/2008/ncip"><RequestItemResponse><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId></RequestItemResponse></NCIPMessage>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	for _, bp := range benchProfiles {
		b.Run(bp.name, func(b *testing.B) {
			c := New(srv.URL, Options{Profile: bp.profile, Retries: -1})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Send(b.Context(), benchRequest(), false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
