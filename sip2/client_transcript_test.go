package sip2_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// TestClientEvergreenTranscript replays the ACS side of the live capture
// against openncip/Evergreen SIPServer (docs/sip2.md §7.1): the login and
// status exchanges byte for byte, including the server's own AY/AZ; later
// responses keep Evergreen's bodies with {AY}/{AZ} filled in, since our
// dates and sequence differ from the captured client's. It ends with the
// resend dance seen live: a bad checksum, our 97, Evergreen's 96, our
// resend of the same request.
func TestClientEvergreenTranscript(t *testing.T) {
	acs := sip2test.NewScriptedACS(t, `
> 9300CNscclient|COclientpwd|CPUWOLS|AY0AZF1EC
< 941AY0AZFDFD
> 9900302.00AY1AZFCA5
< 98YNNYNN60000320261126    2256412.00AOUWOLS|BXYYYYYYYYYNYNYYYY|AY1AZEDD8
>~ 23001\d{8} {4}\d{6}AOUWOLS\|AAdjfiander\|ACterminal password\|AD6789\|AY2AZ[0-9A-F]{4}
< 24  Y           00120261126    225641AOUWOLS|AAdjfiander|AEDavid J. Fiander|BLY|CQY|AY2AZE7EF
>~ 11YN\d{8} {4}\d{6} {18}AOUWOLS\|AAdjfiander\|AB1565921879\|AC\|AY3AZ[0-9A-F]{4}
< 121NNY20261126    225649AOUWOLS|AAdjfiander|AB1565921879|AJPerl 5 desktop reference|AH20261210    225649|CK001|AY{AY}AZ{AZ}
>~ 11YN\d{8} {4}\d{6} {18}AOUWOLS\|AAdjfiander\|ABno-barcode\|AC\|AY4AZ[0-9A-F]{4}
< 120NUN20261126    225649AOUWOLS|AAdjfiander|ABno-barcode|AJ|AH|AFInvalid Item|BLY|AY{AY}AZ{AZ}
> 9900302.00AY5AZFCA1
< 98YNNYNN60000320261126    2256412.00AOUWOLS|BXYYYYYYYYYNYNYYYY|AY5AZFFFF
> 97AZFEF5
< 96AZFEF6
> 9900302.00AY5AZFCA1
< 98YNNYNN60000320261126    2256412.00AOUWOLS|BXYYYYYYYYYNYNYYYY|AY{AY}AZ{AZ}
`)
	c := sip2.NewClient(acs.Conn(), &sip2.ClientOptions{
		Codec:   sip2.Options{ErrorDetection: true},
		Timeout: 5 * time.Second,
		Status:  &sip2.SCStatusRequest{StatusCode: "0", MaxPrintWidth: 30, ProtocolVersion: "2.00"},
	})
	defer c.Close()
	ctx := context.Background()

	login, err := c.Login(ctx, &sip2.LoginRequest{LoginUserID: "scclient", LoginPassword: "clientpwd", LocationCode: "UWOLS"})
	if err != nil || login.Err() != nil {
		t.Fatalf("Login: %v / %v", err, login.Err())
	}
	st, err := c.SCStatus(ctx, nil)
	if err != nil {
		t.Fatalf("SCStatus: %v", err)
	}
	if !st.OnlineStatus || st.CheckinOK || st.TimeoutPeriod != 600 || st.RetriesAllowed != 3 || st.SupportedMessages.Has(sip2.SupportsFeePaid) {
		t.Errorf("ACS status = %+v", st)
	}
	ps, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{Language: "001", InstitutionID: "UWOLS", PatronID: "djfiander", TerminalPassword: "terminal password", PatronPassword: "6789"})
	if err != nil || ps.Err() != nil {
		t.Fatalf("PatronStatus: %v / %v", err, ps.Err())
	}
	if ps.PersonalName != "David J. Fiander" || !ps.PatronStatus.Has(sip2.PatronRecallPrivilegesDenied) {
		t.Errorf("patron = %q status %q", ps.PersonalName, ps.PatronStatus)
	}
	co, err := c.Checkout(ctx, &sip2.CheckoutRequest{SCRenewalPolicy: true, InstitutionID: "UWOLS", PatronID: "djfiander", ItemID: "1565921879"})
	if err != nil || co.Err() != nil {
		t.Fatalf("Checkout: %v / %v", err, co.Err())
	}
	if co.TitleID != "Perl 5 desktop reference" || co.DueDate != "20261210    225649" || co.MediaType != "001" {
		t.Errorf("checkout = %q %q %q", co.TitleID, co.DueDate, co.MediaType)
	}
	bad, err := c.Checkout(ctx, &sip2.CheckoutRequest{SCRenewalPolicy: true, InstitutionID: "UWOLS", PatronID: "djfiander", ItemID: "no-barcode"})
	if err != nil {
		t.Fatalf("Checkout of an unknown item: %v", err)
	}
	var re *sip2.RefusedError
	if !errors.As(bad.Err(), &re) || len(re.ScreenMessage) != 1 || re.ScreenMessage[0] != "Invalid Item" {
		t.Errorf("unknown item Err() = %v", bad.Err())
	}
	if _, err := c.SCStatus(ctx, nil); err != nil {
		t.Fatalf("SCStatus through 97/96: %v", err)
	}
}
