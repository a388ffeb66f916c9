package schema_test

import (
	"errors"
	"fmt"

	"github.com/lockergate/lockergate/ncip/schema"
)

func ExampleSchema_ValidateBytes() {
	doc := []byte(`<NCIPMessage xmlns="http://www.niso.org/2008/ncip" xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="2.02">
  <CheckOutItem>
    <UserId>
      <UserIdentifierValue>P100</UserIdentifierValue>
      <UserIdentifierType>Barcode</UserIdentifierType>
    </UserId>
  </CheckOutItem>
</NCIPMessage>`)
	err := schema.NCIP().ValidateBytes(doc)
	var ve *schema.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Path)
		fmt.Println(ve.Line, ve.Reason)
	}
	// Output:
	// /NCIPMessage/CheckOutItem/UserId/UserIdentifierType
	// 5 unexpected element in UserId: expected one of Ext, or the end of the element; found UserIdentifierType
}

func ExampleNCIP() {
	doc := []byte(`<ncip:NCIPMessage xmlns:ncip="http://www.niso.org/2008/ncip" ncip:version="2.02">
  <ncip:Problem><ncip:ProblemType>Unknown User</ncip:ProblemType></ncip:Problem>
</ncip:NCIPMessage>`)
	fmt.Println(schema.NCIP().ValidateBytes(doc))
	// Output:
	// <nil>
}
