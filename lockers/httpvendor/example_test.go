package httpvendor_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/lockergate/lockergate/lockers"
	hv "github.com/lockergate/lockergate/lockers/httpvendor"
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
)

// Opening a compartment of a vendor's bank through the registry, here
// against the in-process fake vendor.
func Example() {
	vendor := vendortest.New(vendortest.Options{Bank: "LOCKER1"})
	defer vendor.Close()
	os.Setenv("EXAMPLE_VENDOR_KEY", vendor.Key)

	ctx := context.Background()
	d, err := lockers.Open(ctx, vendor.URL+"/api?bank=LOCKER1&key_env=EXAMPLE_VENDOR_KEY")
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	res, err := d.Open(ctx, lockers.Command{ID: "pickup-8812-3", Compartment: "3", Issued: time.Now()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status.Compartment, res.Status.Lock, res.Status.Door)

	vendor.Jam("4", true)
	_, err = d.Open(ctx, lockers.Command{ID: "pickup-8813-4", Compartment: "4", Issued: time.Now()})
	var api *hv.APIError
	if errors.As(err, &api) {
		fmt.Println(errors.Is(err, lockers.ErrJammed), api.Status, api.Code, api.Message)
	}
	// Output:
	// 3 released open
	// true 409 DOOR_JAMMED lock did not release
}

// A vendor signs each webhook body with the shared secret.
func ExampleSign() {
	ts := time.Unix(1772470800, 0)
	fmt.Println(hv.Sign([]byte("whsec_test_3f9a1c"), ts, []byte(`{"event_id":"e"}`)))
	// Output: v1=a878a9825b5b096b0144c7f64286ca8eea004171f230959545c469faca926471
}
