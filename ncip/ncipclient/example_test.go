package ncipclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

func ExampleClient_LookupUser() {
	// An in-memory responder stands in for the ILS.
	srv := httptest.NewServer(&ncip.Handler{Backend: nciptest.NewDemo()})
	defer srv.Close()

	c := ncipclient.New(srv.URL, ncipclient.Options{
		Token:   "api-key", // sent as "Authorization: Bearer api-key"
		Timeout: 10 * time.Second,
		Profile: ncipclient.Profile{FromAgency: "ILL", ToAgency: "LIB"},
	})
	ctx := context.Background()
	resp, err := c.LookupUser(ctx, &ncip.LookupUser{
		UserID:          &ncip.UserID{UserIdentifierValue: "U1"},
		UserElementType: []ncip.SchemeValue{ncip.SV("Name Information")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.UserOptionalFields.NameInformation.PersonalNameInformation.UnstructuredPersonalUserName)

	// A Problem is a typed error; the response comes with it.
	_, err = c.LookupUser(ctx, &ncip.LookupUser{UserID: &ncip.UserID{UserIdentifierValue: "nobody"}})
	fmt.Println(errors.Is(err, ncip.ProblemTypeUnknownUser), err)
	// Output:
	// Ada Lovelace
	// true ncip: Unknown User: no such user (element UserIdentifierValue)
}

// forwarder is a Backend that hands AcceptItem on to the ILS's own NCIP
// responder, as a gateway does.
type forwarder struct{ ils *ncipclient.Client }

func (f forwarder) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	req.InitiationHeader = nil // the ILS gets the gateway's own header from the client's Profile
	resp, err := f.ils.AcceptItem(ctx, req)
	if resp != nil {
		// Relay the ILS's answer whole, Problems included; the Handler
		// fills in the ResponseHeader for the initiator.
		resp.ResponseHeader = nil
		return resp, nil
	}
	return nil, err // a transport error: logged, and the initiator gets Temporary Processing Failure
}

func Example_forwardAcceptItem() {
	ils := httptest.NewServer(&ncip.Handler{Backend: nciptest.NewDemo()})
	defer ils.Close()
	gw := httptest.NewServer(&ncip.Handler{Backend: forwarder{ncipclient.New(ils.URL, ncipclient.Options{
		Profile: ncipclient.Profile{FromAgency: "LOCKERGATE", ToAgency: "ILS"},
	})}})
	defer gw.Close()

	// A partner's ILL system talks to the gateway.
	partner := ncipclient.New(gw.URL, ncipclient.Options{Profile: ncipclient.Profile{FromAgency: "RESHARE", ToAgency: "LOCKERGATE"}})
	resp, err := partner.AcceptItem(context.Background(), &ncip.AcceptItem{
		RequestID:           ncip.RequestID{RequestIdentifierValue: "ILL-42"},
		RequestedActionType: ncip.SV("Hold For Pickup"),
		UserID:              &ncip.UserID{UserIdentifierValue: "U1"},
		PickupLocation:      ncip.SV("Locker bank A"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.ItemID.ItemIdentifierValue, resp.ResponseHeader.FromAgencyID.AgencyID.Value, "->", resp.ResponseHeader.ToAgencyID.AgencyID.Value)
	// Output: ILL-42 LOCKERGATE -> RESHARE
}
