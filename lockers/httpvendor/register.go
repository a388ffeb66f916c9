package httpvendor

import (
	"context"
	"net/url"

	"github.com/lockergate/lockergate/lockers"
)

// The vendor API is the only driver reached over HTTP, so it takes the
// plain https scheme (and http, for a vendor's on-site test system).
func init() {
	open := func(_ context.Context, u *url.URL) (lockers.Driver, error) {
		cfg, err := ParseURL(u)
		if err != nil {
			return nil, err
		}
		return New(cfg)
	}
	lockers.Register("https", open)
	lockers.Register("http", open)
}
