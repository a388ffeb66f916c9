package drivertest

import (
	"bufio"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Parse runs a driver's table of good configuration strings, each with a
// check of what it parses to: each must be a URL, parse without error, and
// pass its check.
func Parse[C any](t *testing.T, parse func(*url.URL) (C, error), cases map[string]func(c C) bool) {
	t.Helper()
	for _, config := range slices.Sorted(maps.Keys(cases)) {
		u, err := url.Parse(config)
		if err != nil {
			t.Fatalf("%s: %v", config, err)
		}
		c, err := parse(u)
		if err != nil {
			t.Errorf("%s: %v", config, err)
			continue
		}
		if !cases[config](c) {
			t.Errorf("%s: parsed %+v", config, c)
		}
	}
}

// PlantedSecret is the secret the error tables plant in configuration
// strings (in an option no driver has): ParseErrors checks that no error
// repeats it.
const PlantedSecret = "hunter2"

// ParseErrors runs a driver's table of bad configuration strings, each
// with a part of the error message that says why: each must fail with an
// error that starts with prefix (the package's), holds that part and does
// not hold PlantedSecret.
func ParseErrors[C any](t *testing.T, prefix string, parse func(*url.URL) (C, error), cases map[string]string) {
	t.Helper()
	for _, config := range slices.Sorted(maps.Keys(cases)) {
		want := cases[config]
		u, err := url.Parse(config)
		if err != nil {
			t.Fatalf("%s: %v", config, err)
		}
		_, err = parse(u)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), prefix) || strings.Contains(err.Error(), PlantedSecret) {
			t.Errorf("%s: err = %v, want one mentioning %q", config, err, want)
		}
	}
}

// README is what a driver's README.md says about its configuration
// string.
type README struct {
	// Examples are the lines of the README's code blocks that start with
	// one of the driver's schemes: whole configuration strings a
	// technician may copy.
	Examples []string
	// Options are the names in the first column of the README's option
	// table ("| `baud`, `parity` | …" gives baud and parity).
	Options []string
}

var (
	optionRow  = regexp.MustCompile("^\\|\\s*(`[a-z_]+`(?:\\s*,\\s*`[a-z_]+`)*)\\s*\\|")
	optionName = regexp.MustCompile("`([a-z_]+)`")
	optionHead = regexp.MustCompile(`(?i)^\|\s*option\s*\|`)
	quoted     = regexp.MustCompile(`"([a-z_]+)"`)
)

// ReadREADME reads path. The option table is the first table whose header
// row's first cell is "option" (in any case); its rows end at the table's
// end.
func ReadREADME(t *testing.T, path string, schemes ...string) README {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r README
	inCode, inTable, tableDone := false, false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			for _, s := range schemes {
				if strings.HasPrefix(line, s+":") {
					r.Examples = append(r.Examples, line)
					break
				}
			}
			continue
		}
		if !inTable && !tableDone && optionHead.MatchString(line) {
			inTable = true
			continue
		}
		if inTable {
			if !strings.HasPrefix(line, "|") {
				inTable, tableDone = false, true
				continue
			}
			if m := optionRow.FindStringSubmatch(line); m != nil {
				for _, n := range optionName.FindAllStringSubmatch(m[1], -1) {
					r.Options = append(r.Options, n[1])
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(r.Examples) == 0 || len(r.Options) == 0 {
		t.Fatalf("%s: found %d example configurations and %d options; the README lost its configuration section or its layout changed", path, len(r.Examples), len(r.Options))
	}
	return r
}

// caseLabel finds the string labels of switch cases in Go source.
var caseLabel = regexp.MustCompile(`(?m)^\s*case\s+("[a-z_]+"(?:\s*,\s*"[a-z_]+")*)\s*:`)

// SourceOptions lists the lowercase string case labels in the Go files
// given: a superset of the option names a parser switches on, which
// CheckREADME narrows down by asking the parser.
func SourceOptions(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range caseLabel.FindAllStringSubmatch(string(b), -1) {
			for _, q := range quoted.FindAllStringSubmatch(m[1], -1) {
				out = append(out, q[1])
			}
		}
	}
	return out
}

// CheckREADME checks a README against the parser: every example parses,
// and an option name is documented in the option table exactly when the
// parser knows it. Whether the parser knows a name is asked by parsing
// base (a configuration string without options) with name set to a value
// no option takes: known reports whether the result (nil or an error)
// shows that the parser took the name for one of its options. candidates
// (from SourceOptions) adds names the parser may know that the README
// does not mention. Names starting with "watch_" are the common options
// lockers.Open handles for every driver, not the driver's parser.
func CheckREADME[C any](t *testing.T, r README, parse func(*url.URL) (C, error), base string, known func(error) bool, candidates []string) {
	t.Helper()
	for _, ex := range r.Examples {
		u, err := url.Parse(ex)
		if err != nil {
			t.Errorf("README example %s is not a URL: %v", ex, err)
			continue
		}
		if _, err := parse(u); err != nil {
			t.Errorf("README example %s: %v", ex, err)
		}
	}
	names := append(slices.Clone(r.Options), candidates...)
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		if strings.HasPrefix(name, "watch_") {
			continue
		}
		u, err := url.Parse(base + "?" + name + "=%01")
		if err != nil {
			t.Fatal(err)
		}
		_, err = parse(u)
		accepted, documented := known(err), slices.Contains(r.Options, name)
		switch {
		case documented && !accepted:
			t.Errorf("the README documents option %s, which the parser does not know: %v", name, err)
		case accepted && !documented:
			t.Errorf("the parser knows option %s, which the README's option table does not list", name)
		}
	}
}
