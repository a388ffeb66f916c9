// Package option holds the pieces of configuration-string parsing that the
// kerong and modbus drivers share word for word: a bounded duration, and
// the error for a refused option, which must not quote a value that may be
// a credential.
package option

import (
	"fmt"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Duration parses v as a duration above 0 and at most a minute; example
// (such as "300ms") shows the form in the error.
func Duration(v, example string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("not a duration such as %s", example)
	}
	if d <= 0 || d > time.Minute {
		return 0, fmt.Errorf("want a duration between 0 and 1m")
	}
	return d, nil
}

// Error is the error for option key=value, refused because of err, from
// the driver whose error prefix is prefix ("kerong"). The value is quoted
// unless lockers.IsSecretKey(key): none of these drivers' options is a
// secret, so that is a credential pasted into the wrong driver's string.
func Error(prefix, key, value string, err error) error {
	if lockers.IsSecretKey(key) {
		return fmt.Errorf("%s: option %s: %w", prefix, key, err)
	}
	return fmt.Errorf("%s: option %s=%q: %w", prefix, key, value, err)
}
