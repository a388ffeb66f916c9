package ncipclient

import (
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

// TestWithProfileCopiesOnlyWhatChanges: the copy the profile is applied to
// shares every part of the request the profile does not change, so that
// sending costs little more than it did when the request was changed in
// place.
func TestWithProfileCopiesOnlyWhatChanges(t *testing.T) {
	req := &ncip.RequestItem{
		UserID:          &ncip.UserID{UserIdentifierValue: "U1", UserIdentifierType: ncip.SV("Barcode")},
		ItemID:          []ncip.ItemID{{ItemIdentifierValue: "I1", ItemIdentifierType: ncip.SV("Barcode")}},
		RequestID:       &ncip.RequestID{RequestIdentifierValue: "R1"},
		RequestType:     ncip.SV("Page"),
		ItemElementType: []ncip.SchemeValue{ncip.SV("Bibliographic Description")},
	}
	m := &ncip.Message{RequestItem: req}

	// Nothing to change: the message itself is sent.
	if got := New("http://x/", Options{}).withProfile(m); got != m {
		t.Errorf("empty profile: got a copy, want the message itself")
	}
	withHeader := &ncip.Message{RequestItem: &ncip.RequestItem{InitiationHeader: &ncip.InitiationHeader{}}}
	if got := New("http://x/", Options{Profile: Profile{FromAgency: "ILL"}}).withProfile(withHeader); got != withHeader {
		t.Errorf("profile header, request with its own: got a copy, want the message itself")
	}

	c := New("http://x/", Options{Profile: Profile{
		FromAgency: "ILL", ToAgency: "LIB",
		Schemes: map[string]string{"ItemIdentifierType": "item-scheme"},
	}})
	got := c.withProfile(m)
	if got == m || got.RequestItem == req {
		t.Fatal("profile with changes: the message or its body was not copied")
	}
	r := got.RequestItem
	if r.InitiationHeader == nil || r.ItemID[0].ItemIdentifierType.Scheme != "item-scheme" {
		t.Fatalf("profile not applied: %+v", r)
	}
	if &r.ItemID[0] == &req.ItemID[0] {
		t.Error("changed slice ItemId shared with the request")
	}
	if r.UserID != req.UserID || r.RequestID != req.RequestID || &r.ItemElementType[0] != &req.ItemElementType[0] {
		t.Error("unchanged parts (UserId, RequestId, ItemElementType) were copied, want them shared")
	}
	if req.InitiationHeader != nil || req.ItemID[0].ItemIdentifierType.Scheme != "" {
		t.Errorf("request changed: %+v", req)
	}
}
