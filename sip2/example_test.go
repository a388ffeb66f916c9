package sip2_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

func ExampleUnmarshal() {
	raw := "11YN20060329    203000                  AOUWOLS|AAdjfiander|AB1565921879|AC|AY2AZECB6\r"
	m, err := sip2.Unmarshal([]byte(raw), &sip2.Options{Location: time.UTC})
	if err != nil {
		fmt.Println(err)
		return
	}
	req := m.(*sip2.CheckoutRequest)
	fmt.Println(req.Command(), req.PatronID, req.ItemID, req.TransactionDate.Time().Format(time.DateTime))
	// Output: Checkout djfiander 1565921879 2006-03-29 20:30:00
}

func ExampleAppendMessage() {
	resp := &sip2.CheckoutResponse{
		OK:              true,
		MagneticMedia:   sip2.TernaryNo,
		Desensitize:     sip2.TernaryYes,
		TransactionDate: sip2.NewTime(time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC)),
		InstitutionID:   "UWOLS",
		PatronID:        "djfiander",
		ItemID:          "1565921879",
		TitleID:         "Perl 5 desktop reference",
		DueDate:         "20261210    225649",
	}
	b, err := sip2.AppendMessage(nil, resp, 2, &sip2.Options{ErrorDetection: true})
	fmt.Printf("%q %v\n", b, err)
	// Output: "121NNY20261126   Z225649AOUWOLS|AAdjfiander|AB1565921879|AJPerl 5 desktop reference|AH20261210    225649|AY2AZE100\r" <nil>
}

func ExampleDecoder() {
	in := strings.NewReader("941AY0AZFDFD\r\n9900302.00AY1AZFFFF\r")
	d := sip2.NewDecoder(in, nil)
	for {
		f, err := d.Decode()
		if err != nil {
			break
		}
		fmt.Println(string(f.Command), f.Command.String(), f.Seq, f.Verdict)
	}
	// Output:
	// 94 Login Response 0 valid
	// 99 SC Status 1 invalid
}

func ExampleEncoder() {
	var buf bytes.Buffer
	e := sip2.NewEncoder(&buf, &sip2.Options{ErrorDetection: true, Terminator: sip2.TerminatorCRLF})
	_ = e.EncodeMessage(&sip2.LoginRequest{LoginUserID: "scclient", LoginPassword: "clientpwd", LocationCode: "UWOLS"}, 0)
	_ = e.EncodeMessage(&sip2.RequestACSResend{}, -1)
	fmt.Printf("%q\n", buf.String())
	// Output: "9300CNscclient|COclientpwd|CPUWOLS|AY0AZF1EC\r\n97AZFEF5\r\n"
}

func ExampleMask() {
	fmt.Println(sip2.Mask("2300120060101    084235AOUWOLS|AAdjfiander|ACterminal password|AD6789|AY2AZE94A"))
	// Output: 2300120060101    084235AOUWOLS|AAdjfiander|AC****|AD****|AY2AZE94A
}

func ExampleFrame_FixedFields() {
	f, _ := sip2.ParseFrame([]byte("9900302.00AY1AZFCA5"), nil)
	for _, ff := range f.FixedFields() {
		fmt.Printf("%s %q\n", ff.Name, ff.Value)
	}
	// Output:
	// status code "0"
	// max print width "030"
	// protocol version "2.00"
}
