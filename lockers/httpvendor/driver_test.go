package httpvendor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	hv "github.com/lockergate/lockergate/lockers/httpvendor"
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
)

func newBank(t *testing.T, mod func(*hv.Config)) (*vendortest.Server, *hv.Driver) {
	t.Helper()
	s := vendortest.NewServer(t, vendortest.Options{})
	cfg := hv.Config{BaseURL: s.URL + "/api", Bank: s.Bank, Key: s.Key,
		ConfirmTimeout: 500 * time.Millisecond, ConfirmInterval: 20 * time.Millisecond, Timeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	d, err := hv.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return s, d
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func cmd(id, comp string) lockers.Command {
	return lockers.Command{ID: id, Compartment: lockers.CompartmentID(comp), Issued: time.Now()}
}

func TestOpenAndStatus(t *testing.T) {
	t.Parallel()
	s, d := newBank(t, nil)
	comps, err := d.Compartments(ctx(t))
	if err != nil || len(comps) != 8 || comps[0].ID != "1" || comps[1].Size != "M" || comps[0].Dimensions == nil || !comps[0].Features.ItemSensor {
		t.Fatalf("Compartments = %+v, %v", comps, err)
	}
	c1 := cmd("c-1", "3")
	res, err := d.Open(ctx(t), c1)
	if err != nil || res.Duplicate || !lockers.Confirmed(res.Status) {
		t.Fatalf("Open = %+v, %v; want confirmed", res, err)
	}
	again, err := d.Open(ctx(t), c1)
	if err != nil || !again.Duplicate {
		t.Fatalf("second Open of the same command = %+v, %v; want Duplicate", again, err)
	}
	reused := c1
	reused.Compartment = "4"
	if _, err := d.Open(ctx(t), reused); !errors.Is(err, lockers.ErrInvalidCommand) {
		t.Errorf("Open reusing an id for another compartment = %v, want ErrInvalidCommand", err)
	}
	if n := s.Pulses("3"); n != 1 {
		t.Errorf("pulses = %d, want 1", n)
	}
	all, err := d.StatusAll(ctx(t))
	if err != nil || len(all) != 8 || all[2].Door != lockers.DoorOpen || all[0].Door != lockers.DoorClosed {
		t.Fatalf("StatusAll = %+v, %v", all, err)
	}
	s.CloseDoor("3")
	st, err := d.Status(ctx(t), "3")
	if err != nil || st.Lock != lockers.LockLatched || st.Door != lockers.DoorClosed {
		t.Errorf("Status(3) after close = %+v, %v", st, err)
	}
	h, err := d.Health(ctx(t))
	if err != nil || !h.Online || len(h.Boards) != 1 || len(h.Boards[0].Compartments) != 8 {
		t.Errorf("Health = %+v, %v", h, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	s, d := newBank(t, func(c *hv.Config) { c.Retries = -1 })
	s.Jam("2", true)
	s.StayShut("4", true)
	stale := cmd("c-stale", "1")
	stale.Issued = time.Now().Add(-time.Hour)
	tests := []struct {
		name string
		cmd  lockers.Command
		want error
	}{
		{"jammed", cmd("c-j", "2"), lockers.ErrJammed},
		{"unknown", cmd("c-u", "99"), lockers.ErrUnknownCompartment},
		{"stale", stale, lockers.ErrStale},
		{"no id", lockers.Command{Compartment: "1", Issued: time.Now()}, lockers.ErrInvalidCommand},
		{"acknowledged, lock stays latched", cmd("c-s", "4"), lockers.ErrJammed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Open(ctx(t), tt.cmd)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open error = %v, want %v", err, tt.want)
			}
			var le *lockers.Error
			if !errors.As(err, &le) || le.Op != "open" {
				t.Errorf("error %v is not a *lockers.Error for open", err)
			}
		})
	}
	s.Offline(true)
	if _, err := d.Open(ctx(t), cmd("c-o", "1")); !errors.Is(err, lockers.ErrOffline) {
		t.Errorf("Open while offline: %v, want ErrOffline", err)
	}
	all, err := d.StatusAll(ctx(t))
	if err != nil || len(all) != 8 || !errors.Is(all[0].Fault, lockers.ErrOffline) {
		t.Errorf("StatusAll while offline = %+v, %v; want every fault ErrOffline", all, err)
	}
	h, err := d.Health(ctx(t))
	if err != nil || h.Online || h.Boards[0].Err == nil {
		t.Errorf("Health while offline = %+v, %v", h, err)
	}
	if _, err := d.Status(ctx(t), "77"); !errors.Is(err, lockers.ErrUnknownCompartment) {
		t.Errorf("Status(77) = %v, want ErrUnknownCompartment", err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	s, d := newBank(t, func(c *hv.Config) { c.Retries = 2 })
	s.FailNext(2, http.StatusServiceUnavailable, "<html>maintenance</html>")
	if _, err := d.Status(ctx(t), "1"); err != nil {
		t.Fatalf("Status after two 503s with 2 retries: %v", err)
	}
	if n := s.Requests("GET /banks/{bank}/compartments/{id}/status"); n != 1 {
		t.Errorf("status requests reaching the handler = %d, want 1", n)
	}
	// An open carries its Idempotency-Key, so it is retried too; the key
	// keeps the door from being pulsed twice even when the vendor did act.
	s.FailNext(1, http.StatusBadGateway, "bad gateway")
	if _, err := d.Open(ctx(t), cmd("c-r", "5")); err != nil {
		t.Fatalf("Open after one 502: %v", err)
	}
	if n := s.Pulses("5"); n != 1 {
		t.Errorf("pulses = %d, want 1", n)
	}
	s.FailNext(3, http.StatusServiceUnavailable, "<html><body>Service Unavailable "+strings.Repeat("x", 500)+"</body></html>")
	_, err := d.Status(ctx(t), "1")
	var ae *hv.APIError
	if !errors.As(err, &ae) || ae.Status != 503 || !errors.Is(err, lockers.ErrOffline) {
		t.Fatalf("Status after three 503s = %v, want an APIError 503 matching ErrOffline", err)
	}
	if !strings.Contains(err.Error(), "Service Unavailable") || len(err.Error()) > 400 {
		t.Errorf("error %q should quote the start of the body, briefly", err)
	}
	// A 500 is not retried: the vendor may have acted.
	s.FailNext(1, http.StatusInternalServerError, `{"error":{"code":"INTERNAL","message":"boom"}}`)
	if _, err := d.Status(ctx(t), "1"); err == nil || !strings.Contains(err.Error(), "INTERNAL: boom") {
		t.Errorf("Status after a 500 = %v, want the vendor's code and message", err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	s, _ := newBank(t, nil)
	secret := s.Key
	// A vendor that echoes the key back, a wrong key, and a dead host.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"code":"INVALID_REQUEST","message":"bad header ` + r.Header.Get("Authorization") + `"}}`))
	}))
	t.Cleanup(echo.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	for _, base := range []string{echo.URL, s.URL + "/wrong", dead.URL} {
		d, err := hv.New(hv.Config{BaseURL: base, Bank: "B1", Key: secret, Retries: -1, Auth: hv.AuthBearer})
		if err != nil {
			t.Fatal(err)
		}
		_, err1 := d.Status(ctx(t), "1")
		_, err2 := d.Open(ctx(t), cmd("c-x", "1"))
		h, _ := d.Health(ctx(t))
		for _, e := range []error{err1, err2} {
			if e == nil {
				t.Errorf("%s: expected an error", base)
				continue
			}
			if strings.Contains(e.Error(), secret) {
				t.Errorf("%s: error leaks the key: %v", base, e)
			}
		}
		if strings.Contains(h.Detail, secret) {
			t.Errorf("%s: health detail leaks the key: %s", base, h.Detail)
		}
		d.Close()
	}
}

func TestReservations(t *testing.T) {
	t.Parallel()
	_, d := newBank(t, nil)
	r1, err := d.Reserve(ctx(t), hv.ReservationRequest{ExternalID: "hold-1"})
	if err != nil || r1.Compartment == "" {
		t.Fatalf("Reserve = %+v, %v", r1, err)
	}
	r2, err := d.Reserve(ctx(t), hv.ReservationRequest{ExternalID: "hold-1"})
	if err != nil || r2 != r1 {
		t.Errorf("Reserve again = %+v, %v; want the same reservation %+v", r2, err, r1)
	}
	r3, err := d.Reserve(ctx(t), hv.ReservationRequest{ExternalID: "hold-2"})
	if err != nil || r3.Compartment == r1.Compartment {
		t.Errorf("second hold got %+v, %v; want another compartment", r3, err)
	}
	if err := d.CancelReservation(ctx(t), "hold-1"); err != nil {
		t.Errorf("CancelReservation: %v", err)
	}
	if err := d.CancelReservation(ctx(t), "hold-1"); err != nil {
		t.Errorf("CancelReservation twice: %v", err)
	}
	if _, err := d.Reserve(ctx(t), hv.ReservationRequest{}); !errors.Is(err, lockers.ErrInvalidCommand) {
		t.Errorf("Reserve without external id: %v", err)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	_, d := newBank(t, nil)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := d.Status(ctx(t), "1"); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("Status after Close: %v", err)
	}
}
