package httpvendor

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Defaults for the Config fields left zero.
const (
	DefaultTimeout          = 5 * time.Second
	DefaultRetries          = 2
	DefaultConfirmTimeout   = 5 * time.Second
	DefaultConfirmInterval  = 200 * time.Millisecond
	DefaultWebhookTolerance = 5 * time.Minute
)

// Auth says how the API key travels.
type Auth int

// Auth methods.
const (
	AuthBearer Auth = iota // Authorization: Bearer <key>
	AuthHeader             // X-API-Key: <key>
)

// Config configures a Driver. Build one by hand or with ParseURL.
type Config struct {
	// BaseURL is the API root without query, e.g.
	// "https://vendor.example/api". Required.
	BaseURL string
	// Bank is the vendor's id of the bank. Required.
	Bank string
	// Key is the API key or bearer token. It is sent in a header only and
	// never appears in errors.
	Key  string
	Auth Auth
	// WebhookSecret is the shared secret of the webhook signatures. If
	// empty, the webhook handler refuses every request.
	WebhookSecret []byte
	// WebhookTolerance is how far a webhook's timestamp may be from now.
	// If zero, DefaultWebhookTolerance.
	WebhookTolerance time.Duration
	// Timeout bounds one HTTP attempt. If zero, DefaultTimeout.
	Timeout time.Duration
	// Retries is how often an idempotent call is retried after a transport
	// error, 429, 502, 503 or 504. If zero, DefaultRetries; negative means
	// none.
	Retries int
	// ConfirmTimeout bounds the status polling after an open. If zero,
	// DefaultConfirmTimeout.
	ConfirmTimeout time.Duration
	// ConfirmInterval is the time between status reads while confirming.
	// If zero, DefaultConfirmInterval.
	ConfirmInterval time.Duration
	// HTTPClient is the client resty uses. If nil, a new http.Client.
	HTTPClient *http.Client
	// Now is the driver's clock. If nil, time.Now.
	Now func() time.Time
}

// ParseURL turns a driver URL into a Config:
//
//	https://vendor.example/api?bank=LOCKER1&key_env=VENDOR_KEY&webhook_secret_env=VENDOR_HOOK
//
// Query parameters: bank (required), key or key_env (the name of an
// environment variable holding the key; preferred), auth=bearer|header,
// webhook_secret_env, webhook_tolerance, timeout, confirm_timeout,
// confirm_interval (Go durations), retries. The query is not sent to the
// vendor. Unknown parameters are an error.
func ParseURL(u *url.URL) (Config, error) {
	var c Config
	fail := func(key string, err error) (Config, error) {
		return c, &lockers.ConfigError{Config: lockers.Redact(u.String()), Key: key, Err: err}
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fail("", fmt.Errorf("httpvendor: scheme %q is not https or http", u.Scheme))
	}
	if u.Host == "" {
		return fail("", errors.New("httpvendor: missing host"))
	}
	if u.User != nil {
		return fail("", errors.New("httpvendor: credentials in the URL are not supported; use key_env"))
	}
	base := *u
	base.RawQuery, base.Fragment = "", ""
	c.BaseURL = strings.TrimRight(base.String(), "/")
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		var err error
		switch k {
		case "bank":
			c.Bank = v
		case "key":
			c.Key = v
		case "key_env":
			var ok bool
			if c.Key, ok = os.LookupEnv(v); !ok {
				err = fmt.Errorf("httpvendor: environment variable %s is not set", v)
			}
		case "auth":
			switch v {
			case "bearer":
				c.Auth = AuthBearer
			case "header":
				c.Auth = AuthHeader
			default:
				err = fmt.Errorf("httpvendor: %q is not bearer or header", v)
			}
		case "webhook_secret_env":
			s, ok := os.LookupEnv(v)
			if !ok {
				err = fmt.Errorf("httpvendor: environment variable %s is not set", v)
			}
			c.WebhookSecret = []byte(s)
		case "webhook_tolerance":
			c.WebhookTolerance, err = duration(v)
		case "timeout":
			c.Timeout, err = duration(v)
		case "confirm_timeout":
			c.ConfirmTimeout, err = duration(v)
		case "confirm_interval":
			c.ConfirmInterval, err = duration(v)
		case "retries":
			c.Retries, err = strconv.Atoi(v)
			if err != nil || c.Retries < 0 || c.Retries > 10 {
				err = fmt.Errorf("httpvendor: %q is not a number from 0 to 10", v)
			}
			if c.Retries == 0 {
				c.Retries = -1
			}
		default:
			err = errors.New("httpvendor: unknown option")
		}
		if err != nil {
			return fail(k, err)
		}
	}
	if c.Bank == "" {
		return fail("bank", errors.New("httpvendor: missing; the vendor's id of the bank"))
	}
	if c.Key == "" {
		return fail("key_env", errors.New("httpvendor: no API key; set key_env to the name of an environment variable"))
	}
	return c, nil
}

func duration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("httpvendor: %q is not a positive duration such as 5s", v)
	}
	return d, nil
}

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.BaseURL == "" || d.Bank == "" {
		return d, errors.New("httpvendor: Config.BaseURL and Config.Bank are required")
	}
	if _, err := url.Parse(d.BaseURL); err != nil {
		return d, errors.New("httpvendor: Config.BaseURL is not a URL")
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if d.Retries == 0 {
		d.Retries = DefaultRetries
	}
	if d.Retries < 0 {
		d.Retries = 0
	}
	if d.ConfirmTimeout <= 0 {
		d.ConfirmTimeout = DefaultConfirmTimeout
	}
	if d.ConfirmInterval <= 0 {
		d.ConfirmInterval = DefaultConfirmInterval
	}
	if d.WebhookTolerance <= 0 {
		d.WebhookTolerance = DefaultWebhookTolerance
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d, nil
}
