package mqtt

import (
	"context"
	"net/url"

	"github.com/lockergate/lockergate/lockers"
)

func init() {
	open := func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		cfg, err := ParseURL(u)
		if err != nil {
			return nil, err
		}
		return Dial(ctx, cfg)
	}
	lockers.Register("mqtt", open)
	lockers.Register("mqtts", open)
}
