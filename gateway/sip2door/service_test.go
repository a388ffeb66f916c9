package sip2door_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/ils"
	"github.com/lockergate/lockergate/gateway/sip2door"
	"github.com/lockergate/lockergate/gateway/sqlstore"
	"github.com/lockergate/lockergate/gateway/sqlstore/sqlstoretest"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// TestWithGatewayService runs the door in front of a real gateway.Service
// (SQLite, the SIP2 adapter to the demo library, a simulated bank), wired
// as cmd/lockergate wires it: the loads go to the Service, the
// pass-through to the adapter's pool. It pins the gateway's answers the
// door reads: a load, a second scan from another station, an item without
// a hold.
func TestWithGatewayService(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		withGatewayService(t, sqlstore.SQLite, filepath.Join(t.TempDir(), "lockergate.db"))
	})
	if dsn := sqlstoretest.DSN(); dsn != "" {
		t.Run("postgres", func(t *testing.T) {
			withGatewayService(t, sqlstore.Postgres, sqlstoretest.NewSchema(t, dsn, "sip2door").DSN)
		})
	}
}

func withGatewayService(t *testing.T, driverName, dsn string) {
	lib := sip2mem.NewDemo()
	ilsSrv := sip2test.NewServer(t, lib)
	adapter, err := ils.NewSIP2(ils.SIP2Config{
		Addr: ilsSrv.Addr, User: sip2mem.DemoUser, Password: sip2mem.DemoPassword,
		Institution: sip2mem.DemoInstitution, Location: sip2mem.DemoBranch, ErrorDetection: true,
		PoolSize: 2, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { adapter.Close() })
	driver, err := lockers.Open(context.Background(), "sim:?compartments=6&sizes=S:6")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { driver.Close() })
	store, err := sqlstore.Open(context.Background(), driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	quiet := logrus.New()
	quiet.SetOutput(&syncbuf.Buffer{})
	svc, err := gateway.New(gateway.Config{
		Store: store,
		ILS:   map[string]gateway.ILS{"main": adapter},
		Sites: []gateway.Site{{ID: "main", ILS: "main", Banks: []gateway.BankConfig{{
			ID: bank1, Name: "Lobby", Location: sip2mem.DemoBranch, Driver: driver,
		}}}},
		Secret:         []byte("0123456789abcdef0123456789abcdef-sip2door-test"),
		Log:            quiet,
		OutboxInterval: 20 * time.Millisecond,
		ILSTimeout:     5 * time.Second,
		SweepInterval:  time.Hour,
		ExpiryInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Shutdown(c); err != nil {
			t.Errorf("service shutdown: %v", err)
		}
	})
	logs := &syncbuf.Buffer{}
	cfg := baseConfig(svc, adapter.Pool(), logs)
	cfg.Banks = []sip2door.Bank{{ID: bank1, Location: sip2mem.DemoBranch}}
	cfg.Accounts = cfg.Accounts[:1]
	d := startDoor(t, cfg)

	kiosk := dial(t, d.addr, kioskLogin, kioskPass)
	first, err := kiosk.Checkin(ctx(t), checkin(sip2mem.DemoBranch, "I0010"))
	if err != nil {
		t.Fatal(err)
	}
	if !first.OK || first.SortBin == "" || first.AlertType != "01" || first.HoldPatronID != "P0001" || first.HoldPatronName != "Ada Lovelace" ||
		first.DestinationLocation != sip2mem.DemoBranch || first.TitleID == "" {
		t.Fatalf("load of I0010: %+v", first)
	}
	if want := "Put item I0010 in locker LOCKER1 compartment " + first.SortBin; first.ScreenMessage[0] != want {
		t.Errorf("AF %q, want %q", first.ScreenMessage[0], want)
	}

	// Another station scans the same item: no second load, and it is told
	// where the item is.
	other := dial(t, d.addr, kioskLogin, kioskPass)
	again, err := other.Checkin(ctx(t), checkin(sip2mem.DemoBranch, "I0010"))
	if err != nil {
		t.Fatal(err)
	}
	if !again.OK || again.SortBin != first.SortBin || !strings.Contains(strings.Join(again.ScreenMessage, " "), "Already in the locker") {
		t.Fatalf("second scan of I0010: %+v (first went to %s)", again, first.SortBin)
	}
	// A kiosk prints its slip from the repeat's answer as from the first.
	if again.AlertType != first.AlertType || again.TitleID != first.TitleID || again.HoldPatronID != first.HoldPatronID ||
		again.HoldPatronName != first.HoldPatronName || again.DestinationLocation != first.DestinationLocation {
		t.Errorf("second scan of I0010: CV %q AJ %q CY %q DA %q CT %q, want the first's %q %q %q %q %q", again.AlertType, again.TitleID,
			again.HoldPatronID, again.HoldPatronName, again.DestinationLocation,
			first.AlertType, first.TitleID, first.HoldPatronID, first.HoldPatronName, first.DestinationLocation)
	}
	if n := lib.Counts("I0010").Checkins; n != 1 {
		t.Errorf("the ILS saw %d checkins of I0010, want 1", n)
	}

	// No hold: checked in all the same, and said so.
	nohold, err := kiosk.Checkin(ctx(t), checkin(sip2mem.DemoBranch, "I0001"))
	if err != nil {
		t.Fatal(err)
	}
	if !nohold.OK || !nohold.Alert || nohold.AlertType != "99" || nohold.SortBin != "" ||
		!strings.Contains(strings.Join(nohold.ScreenMessage, " "), "no hold to fill") {
		t.Fatalf("checkin of I0001 (no hold): %+v", nohold)
	}
	if n := lib.Counts("I0001").Checkins; n != 1 {
		t.Errorf("the ILS saw %d checkins of I0001, want 1", n)
	}
	if it, _ := lib.Item("I0001"); nohold.TitleID != it.Title || nohold.HoldPatronID != "" {
		t.Errorf("checkin of I0001 (no hold): AJ %q CY %q, want the title %q and no hold patron", nohold.TitleID, nohold.HoldPatronID, it.Title)
	}

	// Held for pickup at another branch: checked in, routed, titled.
	if _, _, err := lib.PlaceHold(sip2mem.Hold{PatronID: "P0003", ItemID: "I0002", PickupLocation: sip2mem.DemoOtherBranch}); err != nil {
		t.Fatal(err)
	}
	away, err := kiosk.Checkin(ctx(t), checkin(sip2mem.DemoBranch, "I0002"))
	if err != nil {
		t.Fatal(err)
	}
	if it, _ := lib.Item("I0002"); !away.OK || away.AlertType != "02" || away.SortBin != "" || away.TitleID != it.Title {
		t.Fatalf("checkin of I0002 (held at %s): %+v, want CV 02 and AJ %q", sip2mem.DemoOtherBranch, away, it.Title)
	}

	// The pass-through uses the adapter's pool.
	st, err := kiosk.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "DEMO", PatronID: "P0001", PatronPassword: "1234"})
	if err != nil || st.PersonalName != "Ada Lovelace" || st.ValidPatronPassword != sip2.FlagYes {
		t.Fatalf("23 through the adapter's pool: %v %+v", err, st)
	}
}
