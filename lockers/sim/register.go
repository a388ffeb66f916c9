package sim

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

func init() {
	lockers.Register("sim", func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		cfg, err := ParseConfig(u)
		if err != nil {
			return nil, err
		}
		return New(cfg)
	})
}

// maxCompartments bounds a simulated bank, so that a typo in a
// configuration cannot allocate millions of compartments.
const maxCompartments = 10000

// ParseConfig reads a Config from a "sim:" URL's query (see the package
// documentation for the options). Unknown options are errors, so that a
// misspelt option is not silently ignored.
func ParseConfig(u *url.URL) (Config, error) {
	var cfg Config
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("lockers/sim: bad query escaping")
	}
	bad := func(key, format string, a ...any) error {
		if key == "" {
			return fmt.Errorf("lockers/sim: "+format, a...)
		}
		return fmt.Errorf("lockers/sim: option %s: %s", key, fmt.Sprintf(format, a...))
	}
	one := func(key string) (string, bool, error) {
		vs, ok := q[key]
		if !ok {
			return "", false, nil
		}
		if len(vs) != 1 {
			return "", false, bad(key, "given %d times", len(vs))
		}
		return vs[0], true, nil
	}
	known := map[string]bool{"compartments": true, "sizes": true, "boardsize": true, "light": true,
		"charging": true, "itemsensor": true, "locksensor": true, "leftopen": true, "confirm": true, "autoclose": true, "name": true,
		"jam": true, "noack": true, "acknoopen": true, "offline": true}
	for k := range q {
		if !known[k] {
			if lockers.IsSecretKey(k) {
				return cfg, bad("", "unknown option")
			}
			return cfg, bad(k, "unknown option (known: %s)", strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
	}
	count := 0
	if v, ok, err := one("compartments"); err != nil {
		return cfg, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxCompartments {
			return cfg, bad("compartments", "want a number from 1 to %d, got %q", maxCompartments, v)
		}
		count = n
	}
	var sizes []lockers.SizeClass
	if v, ok, err := one("sizes"); err != nil {
		return cfg, err
	} else if ok {
		if sizes, err = lockers.ParseSizes(v, maxCompartments); err != nil {
			return cfg, bad("sizes", "%v", err)
		}
		if count != 0 && count != len(sizes) {
			return cfg, bad("sizes", "adds up to %d compartments, but compartments=%d", len(sizes), count)
		}
		count = len(sizes)
	}
	if count == 0 {
		count = 16
	}
	for i := 1; i <= count; i++ {
		c := lockers.Compartment{ID: lockers.CompartmentID(strconv.Itoa(i)), Size: "M"}
		if sizes != nil {
			c.Size = sizes[i-1]
		}
		cfg.Compartments = append(cfg.Compartments, c)
	}
	// compartments reads an option that names a set of compartments; nil
	// when it is not given.
	compartments := func(key string) (map[int]bool, error) {
		v, ok, err := one(key)
		if err != nil || !ok {
			return nil, err
		}
		which, err := parseSet(v, count)
		if err != nil {
			return nil, bad(key, "%v", err)
		}
		return which, nil
	}
	for _, f := range []struct {
		key string
		set func(*lockers.Features)
	}{
		{"light", func(f *lockers.Features) { f.Light = true }},
		{"charging", func(f *lockers.Features) { f.Charging = true }},
		{"itemsensor", func(f *lockers.Features) { f.ItemSensor = true }},
	} {
		which, err := compartments(f.key)
		if err != nil {
			return cfg, err
		}
		for i := range cfg.Compartments {
			if which[i+1] {
				f.set(&cfg.Compartments[i].Features)
			}
		}
	}
	if v, ok, err := one("boardsize"); err != nil {
		return cfg, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxCompartments {
			return cfg, bad("boardsize", "want a positive number, got %q", v)
		}
		cfg.BoardSize = n
	}
	if v, ok, err := one("locksensor"); err != nil {
		return cfg, err
	} else if ok {
		has, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, bad("locksensor", "want true or false, got %q", v)
		}
		cfg.NoLockSensor = !has
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{"leftopen", &cfg.LeftOpenAfter}, {"confirm", &cfg.ConfirmTimeout}, {"autoclose", &cfg.AutoClose}} {
		v, ok, err := one(d.key)
		if err != nil {
			return cfg, err
		}
		if !ok {
			continue
		}
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			return cfg, bad(d.key, "want a positive duration such as 90s, got %q", v)
		}
		*d.dst = t
	}
	for _, f := range []struct {
		key string
		dst *[]lockers.CompartmentID
	}{{"jam", &cfg.Jammed}, {"noack", &cfg.DropAcks}, {"acknoopen", &cfg.AckWithoutOpen}} {
		which, err := compartments(f.key)
		if err != nil {
			return cfg, err
		}
		for i := 1; i <= count; i++ {
			if which[i] {
				*f.dst = append(*f.dst, lockers.CompartmentID(strconv.Itoa(i)))
			}
		}
	}
	if v, ok, err := one("offline"); err != nil {
		return cfg, err
	} else if ok {
		size := cfg.BoardSize
		if size == 0 {
			size = 16
		}
		boards := (count + size - 1) / size
		which, err := parseSet(v, boards)
		if err != nil {
			return cfg, bad("offline", "board numbers: %v", err)
		}
		for n := 1; n <= boards; n++ {
			if which[n] {
				cfg.OfflineBoards = append(cfg.OfflineBoards, strconv.Itoa(n))
			}
		}
	}
	if v, _, err := one("name"); err != nil {
		return cfg, err
	} else {
		cfg.Name = v
	}
	return cfg, nil
}

// parseSet reads "all" or a list of compartment numbers and ranges
// ("1-4,9") into a set, checking each against count.
func parseSet(v string, count int) (map[int]bool, error) {
	set := map[int]bool{}
	if v == "all" {
		for i := 1; i <= count; i++ {
			set[i] = true
		}
		return set, nil
	}
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 1 || b < a || b > count {
			return nil, fmt.Errorf("want all or compartment numbers 1-%d such as 1-4,9; bad part %q", count, part)
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	return set, nil
}
