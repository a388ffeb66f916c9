package ncip_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/nciptest"
)

func ExampleMarshal_lookupUser() {
	m := &ncip.Message{LookupUser: &ncip.LookupUser{
		InitiationHeader: &ncip.InitiationHeader{
			FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV("ILL")},
			ToAgencyID:   ncip.AgencyRef{AgencyID: ncip.SV("LIB")},
		},
		UserID:          &ncip.UserID{UserIdentifierValue: "U1"},
		UserElementType: []ncip.SchemeValue{{Scheme: "http://www.niso.org/ncip/v1_0/schemes/userelementtype/userelementtype.scm", Value: "Name Information"}},
	}}
	b, _ := (&ncip.EncodeOptions{Indent: "  "}).Marshal(m)
	fmt.Print(string(b))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd">
	//   <LookupUser>
	//     <InitiationHeader>
	//       <FromAgencyId>
	//         <AgencyId>ILL</AgencyId>
	//       </FromAgencyId>
	//       <ToAgencyId>
	//         <AgencyId>LIB</AgencyId>
	//       </ToAgencyId>
	//     </InitiationHeader>
	//     <UserId>
	//       <UserIdentifierValue>U1</UserIdentifierValue>
	//     </UserId>
	//     <UserElementType ncip:Scheme="http://www.niso.org/ncip/v1_0/schemes/userelementtype/userelementtype.scm">Name Information</UserElementType>
	//   </LookupUser>
	// </NCIPMessage>
}

func ExampleMarshal_checkOutItemResponse() {
	m := &ncip.Message{Version: "http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd", CheckOutItemResponse: &ncip.CheckOutItemResponse{
		ItemID:  &ncip.ItemID{ItemIdentifierValue: "I1"},
		UserID:  &ncip.UserID{UserIdentifierValue: "U1"},
		DateDue: ncip.At(time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)),
	}}
	b, _ := ncip.Marshal(m)
	fmt.Print(string(b))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd"><CheckOutItemResponse><ItemId><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId><UserId><UserIdentifierValue>U1</UserIdentifierValue></UserId><DateDue>2026-12-01T18:00:00Z</DateDue></CheckOutItemResponse></NCIPMessage>
}

func ExampleUnmarshal() {
	// A bare version attribute, no namespace, an NCIP 1-style scheme and a
	// date with an offset: all accepted.
	doc := `<NCIPMessage version="http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd">
	  <RenewItemResponse>
	    <ItemId><ItemIdentifierType><Scheme>s</Scheme><Value>Barcode</Value></ItemIdentifierType><ItemIdentifierValue>I1</ItemIdentifierValue></ItemId>
	    <DateDue>2026-12-01T19:00:00+01:00</DateDue>
	  </RenewItemResponse>
	</NCIPMessage>`
	m, err := ncip.Unmarshal([]byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := m.RenewItemResponse
	fmt.Println(m.Service(), r.ItemID.ItemIdentifierType.Value, r.ItemID.ItemIdentifierValue, r.DateDue.Format(time.RFC3339))
	// Output: RenewItemResponse Barcode I1 2026-12-01T18:00:00Z
}

func ExampleHandler() {
	srv := httptest.NewServer(&ncip.Handler{Backend: nciptest.NewDemo(), Timeout: 5 * time.Second})
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/xml", strings.NewReader(
		`<NCIPMessage><CheckInItem><ItemId><ItemIdentifierValue>nope</ItemIdentifierValue></ItemId></CheckInItem></NCIPMessage>`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m, err := ncip.Unmarshal(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, m.Problem())
	// Output: 200 ncip: Unknown Item: no such item (element ItemIdentifierValue, value nope)
}
