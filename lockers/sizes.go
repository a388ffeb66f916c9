package lockers

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSizes reads the size classes of a bank's compartments, in
// compartment order, as every driver's configuration string writes them
// (the "sizes" option): comma-separated parts, each CLASS:COUNT ("S:12"),
// CLASS*COUNT ("S*12") or a bare CLASS for one compartment. So
// "S:12,M:8,L:4" is twelve small compartments, then eight medium, then four
// large. It refuses more than max compartments in all.
func ParseSizes(v string, max int) ([]SizeClass, error) {
	var out []SizeClass
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		class, count, hasCount := strings.Cut(part, ":")
		if !hasCount {
			class, count, hasCount = strings.Cut(part, "*")
		}
		class = strings.TrimSpace(class)
		if class == "" {
			return nil, fmt.Errorf("size part %q has no class; want CLASS:COUNT,... such as S:12,M:8,L:4", part)
		}
		n := 1
		if hasCount {
			var err error
			n, err = strconv.Atoi(strings.TrimSpace(count))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("size part %q: the count must be a whole number of at least 1", part)
			}
		}
		if n > max-len(out) {
			return nil, fmt.Errorf("sizes list more than %d compartments", max)
		}
		for range n {
			out = append(out, SizeClass(class))
		}
	}
	return out, nil
}
