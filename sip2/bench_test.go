package sip2_test

import (
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

const (
	benchCheckout = "11YN20060329    203000                  AOUWOLS|AAdjfiander|AB1565921879|AC|AY2AZECB6\r"
	benchPatron64 = "64YYYYYYYYYYYYYY02719700101    010000123412341234123412341234AApatronIdentifier|AEpersonalName|AFscreenMessage|AGprintLine|AOinstitutionId|ASholdItems1|ASholdItems2|AToverdueItems1|AToverdueItems2|AUchargedItems1|AUchargedItems2|AVfineItems1|AVfineItems2|BDhomeAddress|BEemailAddress|BFhomePhoneNumber|BHGBP|BLY|BUrecallItems1|BUrecallItems2|BVfeeAmount|BZ1234|CA1234|CB1234|CCfeeLimit|CDunavailableHoldItems1|CDunavailableHoldItems2|CQY|AY1AZ0000\r"
)

var benchOpts = &sip2.Options{ErrorDetection: true, Location: time.UTC}

// BenchmarkDecodeCheckout decodes a checkout request, verifying its
// checksum, into a *CheckoutRequest.
func BenchmarkDecodeCheckout(b *testing.B) {
	raw := []byte(benchCheckout)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		m, err := sip2.Unmarshal(raw, benchOpts)
		if err != nil || m.(*sip2.CheckoutRequest).ItemID != "1565921879" {
			b.Fatal(err)
		}
	}
}

func benchCheckoutReq() *sip2.CheckoutRequest {
	return &sip2.CheckoutRequest{
		SCRenewalPolicy: true,
		TransactionDate: sip2.NewTime(time.Date(2006, 3, 29, 20, 30, 0, 0, time.UTC)),
		InstitutionID:   "UWOLS", PatronID: "djfiander", ItemID: "1565921879",
	}
}

// BenchmarkEncodeCheckout encodes a checkout request built in code, with
// AY/AZ, into a reused buffer.
func BenchmarkEncodeCheckout(b *testing.B) {
	req := benchCheckoutReq()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = sip2.AppendMessage(buf[:0], req, 2, benchOpts)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeDecodedCheckout re-encodes a decoded (unmodified)
// checkout request, which goes through the layout-preserving path.
func BenchmarkEncodeDecodedCheckout(b *testing.B) {
	m, err := sip2.Unmarshal([]byte(benchCheckout), benchOpts)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, err = sip2.AppendMessage(buf[:0], m, 2, benchOpts)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePatronInformationResponse(b *testing.B) {
	raw := []byte(benchPatron64)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		m, _ := sip2.Unmarshal(raw, benchOpts) // checksum deliberately wrong: the error path is measured too
		if len(m.(*sip2.PatronInformationResponse).HoldItems) != 2 {
			b.Fatal("bad decode")
		}
	}
}

func BenchmarkEncodePatronInformationResponse(b *testing.B) {
	m, _ := sip2.Unmarshal([]byte(benchPatron64), benchOpts)
	resp := *m.(*sip2.PatronInformationResponse)
	resp.TransactionDate = sip2.NewTime(time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC))
	resp.Extra = nil
	resp = copyFresh(resp)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = sip2.AppendMessage(buf[:0], &resp, 1, benchOpts)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// copyFresh drops the decoded layout so the built-in-code path is measured.
func copyFresh(r sip2.PatronInformationResponse) sip2.PatronInformationResponse {
	return sip2.PatronInformationResponse{
		PatronStatus: r.PatronStatus, Language: r.Language, TransactionDate: r.TransactionDate,
		HoldItemsCount: r.HoldItemsCount, OverdueItemsCount: r.OverdueItemsCount, ChargedItemsCount: r.ChargedItemsCount,
		FineItemsCount: r.FineItemsCount, RecallItemsCount: r.RecallItemsCount, UnavailableHoldsCount: r.UnavailableHoldsCount,
		InstitutionID: r.InstitutionID, PatronID: r.PatronID, PersonalName: r.PersonalName,
		HoldItemsLimit: r.HoldItemsLimit, OverdueItemsLimit: r.OverdueItemsLimit, ChargedItemsLimit: r.ChargedItemsLimit,
		ValidPatron: r.ValidPatron, ValidPatronPassword: r.ValidPatronPassword, CurrencyType: r.CurrencyType,
		FeeAmount: r.FeeAmount, FeeLimit: r.FeeLimit, HoldItems: r.HoldItems, OverdueItems: r.OverdueItems,
		ChargedItems: r.ChargedItems, FineItems: r.FineItems, RecallItems: r.RecallItems,
		UnavailableHoldItems: r.UnavailableHoldItems, HomeAddress: r.HomeAddress, EmailAddress: r.EmailAddress,
		HomePhoneNumber: r.HomePhoneNumber, ScreenMessage: r.ScreenMessage, PrintLine: r.PrintLine,
	}
}
