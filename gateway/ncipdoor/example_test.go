package ncipdoor_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/lockergate/lockergate/gateway/ncipdoor"
	"github.com/lockergate/lockergate/ncip"
)

// Example wires the responder at /ncip for two ILL systems: ReShare
// authenticates with a bearer token and its AcceptItems name the locker
// bank "Lockers East"; Tipasa puts its token in FromAgencyAuthentication,
// uses the request id as the barcode and writes dates without a zone, in
// New York time. In cmd/lockergate the Gateway is the *gateway.Service and
// each Upstream is an *ncipclient.Client for the ILS's own NCIP responder
// (nil for an ILS without NCIP); here a stand-in gateway records the ILL
// request.
func Example() {
	newYork := time.FixedZone("EDT", -4*3600) // time.LoadLocation("America/New_York") in real use
	responder, err := ncipdoor.New(ncipdoor.Config{
		Gateway: newFakeGateway(),
		Partners: []ncipdoor.Partner{
			{Agency: "ReShare", Auth: ncipdoor.AuthHeader, Token: "reshare-secret",
				PickupLocations: map[string]string{"Lockers East": "EAST-LOCKERS"}},
			{Agency: "Tipasa", Auth: ncipdoor.AuthMessage, Token: "tipasa-secret",
				ItemID: ncipdoor.ItemIDRequest, TimeZone: newYork},
		},
		Timeout: 30 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/ncip", responder)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// ReShare announces an ILL item for patron P-1001's locker pickup.
	msg, _ := ncip.Marshal(&ncip.Message{AcceptItem: &ncip.AcceptItem{
		InitiationHeader:    &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("ReShare")}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("MAIN")}},
		RequestID:           ncip.RequestID{RequestIdentifierValue: "RS-2026-0042"},
		RequestedActionType: ncip.SV("Hold For Pickup"),
		UserID:              &ncip.UserID{UserIdentifierValue: "P-1001"},
		ItemID:              &ncip.ItemID{ItemIdentifierValue: "ILL-7731"},
		PickupLocation:      ncip.SV("Lockers East"),
	}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ncip", bytes.NewReader(msg))
	req.Header.Set("Authorization", "Bearer reshare-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	answer, err := ncip.Unmarshal(body.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	r := answer.AcceptItemResponse
	fmt.Println("request", r.RequestID.RequestIdentifierValue, "awaited as item", r.ItemID.ItemIdentifierValue)
	// Output: request RS-2026-0042 awaited as item ILL-7731
}
