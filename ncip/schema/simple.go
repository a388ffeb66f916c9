package schema

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// wsMode is the whiteSpace facet: how text is normalised before checking.
type wsMode int

const (
	wsPreserve wsMode = iota
	wsReplace
	wsCollapse
)

type variety int

const (
	atomic variety = iota
	list
	union
)

// A simpleType checks text values. Restrictions form a chain through base;
// a value must satisfy every link, as XSD requires.
type simpleType struct {
	name    xml.Name
	base    *simpleType // nil for built-ins and for list/union roots
	prim    *builtin    // nearest built-in ancestor of an atomic type
	ws      wsMode
	variety variety
	item    *simpleType   // list item type
	members []*simpleType // union member types

	enums       []string
	enumRats    []*big.Rat // enumerations of numeric types, in value space
	patterns    []*regexp.Regexp
	patternSrc  []string
	length      int // -1 when absent; for lists, in items
	minLength   int
	maxLength   int
	minIncl     *big.Rat
	maxIncl     *big.Rat
	minExcl     *big.Rat
	maxExcl     *big.Rat
	totalDigits int // 0 when absent
	fracDigits  int // -1 when absent
}

// A builtin is one of XML Schema's predefined simple types.
type builtin struct {
	name    string
	ws      wsMode
	numeric bool
	binary  bool // length counts octets
	// strictLead refuses leading whitespace before collapsing, as
	// libxml2 does for the date and time types (trailing is accepted).
	strictLead bool
	check      func(v string) bool     // lexical space of the normalised value
	rat        func(v string) *big.Rat // value, for numeric facets
	form       string                  // what a valid value looks like, for messages
}

func newSimple(name xml.Name, prim *builtin) *simpleType {
	return &simpleType{name: name, prim: prim, ws: prim.ws, length: -1, minLength: -1, maxLength: -1, fracDigits: -1}
}

// describe names the type for error messages.
func (t *simpleType) describe() string {
	switch {
	case t.name.Local != "" && t.name.Space == xsdNS:
		return "xs:" + t.name.Local
	case t.name.Local != "":
		return t.name.Local
	case t.variety == list:
		return "list of " + t.item.describe()
	case t.variety == union:
		return "union type"
	case t.base != nil:
		return "restriction of " + t.base.describe()
	}
	return "simple type"
}

func normalize(v string, ws wsMode) string {
	switch ws {
	case wsReplace:
		return strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, v)
	case wsCollapse:
		if !needsCollapse(v) {
			return v
		}
		return strings.Join(strings.FieldsFunc(v, isXMLSpace), " ")
	}
	return v
}

func needsCollapse(v string) bool {
	prevSpace := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		sp := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if sp && (prevSpace || c != ' ') {
			return true
		}
		prevSpace = sp
	}
	return prevSpace && len(v) > 0
}

func isXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// validate reports why raw is not a valid value of t, or "" when it is.
// The reason never quotes the value: it may be a PIN or a password.
func (t *simpleType) validate(raw string) string {
	if t.prim != nil && t.prim.strictLead && raw != "" && isXMLSpace(rune(raw[0])) {
		return fmt.Sprintf("not a valid xs:%s (want %s, without leading whitespace)", t.prim.name, t.prim.form)
	}
	return t.check(normalize(raw, t.ws))
}

func (t *simpleType) check(v string) string {
	switch t.variety {
	case list:
		items := strings.FieldsFunc(v, isXMLSpace)
		for i, it := range items {
			if why := t.item.validate(it); why != "" {
				return fmt.Sprintf("item %d of the list: %s", i+1, why)
			}
		}
		if why := t.facets(v, len(items)); why != "" {
			return why
		}
	case union:
		ok := false
		for _, m := range t.members {
			if m.validate(v) == "" {
				ok = true
				break
			}
		}
		if !ok {
			return "not valid for any member of the " + t.describe()
		}
		if why := t.facets(v, 0); why != "" {
			return why
		}
	default:
		if t.base != nil {
			if why := t.base.check(v); why != "" {
				return why
			}
		} else if !t.prim.check(v) {
			return fmt.Sprintf("not a valid xs:%s (want %s)", t.prim.name, t.prim.form)
		}
		n := 0
		if t.length >= 0 || t.minLength >= 0 || t.maxLength >= 0 {
			n = utf8.RuneCountInString(v)
			if t.prim.binary {
				n = binaryLen(t.prim.name, v)
			}
		}
		if why := t.facets(v, n); why != "" {
			return why
		}
	}
	return ""
}

// facets checks t's own facets (not its ancestors'). n is the value's
// length in the unit the length facets use.
func (t *simpleType) facets(v string, n int) string {
	if t.length >= 0 && n != t.length {
		return fmt.Sprintf("length %d, want exactly %d", n, t.length)
	}
	if t.minLength >= 0 && n < t.minLength {
		return fmt.Sprintf("length %d, want at least %d", n, t.minLength)
	}
	if t.maxLength >= 0 && n > t.maxLength {
		return fmt.Sprintf("length %d, want at most %d", n, t.maxLength)
	}
	if len(t.patterns) > 0 {
		ok := false
		for _, re := range t.patterns {
			if re.MatchString(v) {
				ok = true
				break
			}
		}
		if !ok {
			return "does not match the pattern " + strings.Join(t.patternSrc, " | ")
		}
	}
	var r *big.Rat
	if t.prim != nil && t.prim.rat != nil && (t.enumRats != nil || t.minIncl != nil || t.maxIncl != nil || t.minExcl != nil || t.maxExcl != nil || t.totalDigits > 0 || t.fracDigits >= 0) {
		r = t.prim.rat(v)
	}
	if t.enums != nil {
		found := false
		if r != nil && t.enumRats != nil {
			for _, e := range t.enumRats {
				if e != nil && e.Cmp(r) == 0 {
					found = true
					break
				}
			}
		} else {
			for _, e := range t.enums {
				if e == v {
					found = true
					break
				}
			}
		}
		if !found {
			return "not one of the allowed values (" + quoteList(t.enums, 12) + ")"
		}
	}
	if r != nil {
		switch {
		case t.minIncl != nil && r.Cmp(t.minIncl) < 0:
			return "less than minInclusive " + t.minIncl.RatString()
		case t.maxIncl != nil && r.Cmp(t.maxIncl) > 0:
			return "greater than maxInclusive " + t.maxIncl.RatString()
		case t.minExcl != nil && r.Cmp(t.minExcl) <= 0:
			return "not greater than minExclusive " + t.minExcl.RatString()
		case t.maxExcl != nil && r.Cmp(t.maxExcl) >= 0:
			return "not less than maxExclusive " + t.maxExcl.RatString()
		}
		if t.totalDigits > 0 || t.fracDigits >= 0 {
			total, frac := digits(v)
			if t.totalDigits > 0 && total > t.totalDigits {
				return fmt.Sprintf("more than %d digits", t.totalDigits)
			}
			if t.fracDigits >= 0 && frac > t.fracDigits {
				return fmt.Sprintf("more than %d fraction digits", t.fracDigits)
			}
		}
	}
	return ""
}

func quoteList(vs []string, max int) string {
	var b strings.Builder
	for i, v := range vs {
		if i == max {
			fmt.Fprintf(&b, ", … (%d in all)", len(vs))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(v))
	}
	return b.String()
}

// digits counts the significant total and fraction digits of a decimal.
func digits(v string) (total, frac int) {
	v = strings.TrimLeft(v, "+-")
	intPart, fracPart, _ := strings.Cut(v, ".")
	intPart = strings.TrimLeft(intPart, "0")
	fracPart = strings.TrimRight(fracPart, "0")
	return len(intPart) + len(fracPart), len(fracPart)
}

func binaryLen(kind, v string) int {
	if kind == "hexBinary" {
		return len(v) / 2
	}
	b, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if isXMLSpace(r) {
			return -1
		}
		return r
	}, v))
	if err != nil {
		return -1
	}
	return len(b)
}

var (
	reDecimal  = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	reInteger  = regexp.MustCompile(`^[+-]?[0-9]+$`)
	reFloat    = regexp.MustCompile(`^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|INF|-INF|NaN)$`)
	reDateTime = regexp.MustCompile(`^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2}(?:\.[0-9]+)?)(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reDate     = regexp.MustCompile(`^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reTime     = regexp.MustCompile(`^([0-9]{2}):([0-9]{2}):([0-9]{2}(?:\.[0-9]+)?)(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reGYear    = regexp.MustCompile(`^(-?[0-9]{4,})(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reGYM      = regexp.MustCompile(`^(-?[0-9]{4,})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reGMonth   = regexp.MustCompile(`^--([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reGMD      = regexp.MustCompile(`^--([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reGDay     = regexp.MustCompile(`^---([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	reDuration = regexp.MustCompile(`^-?P([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?$`)
	reHex      = regexp.MustCompile(`^([0-9a-fA-F]{2})*$`)
	reLanguage = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
)

// ratDecimal parses a decimal's value. The lexical check comes first:
// big.Rat also accepts exponents, and 1e999999999 would take forever.
func ratDecimal(v string) *big.Rat {
	if !reDecimal.MatchString(v) {
		return nil
	}
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(v, "+"))
	if !ok {
		return nil
	}
	return r
}

func intRange(min, max string) func(string) bool {
	var lo, hi *big.Int
	if min != "" {
		lo, _ = new(big.Int).SetString(min, 10)
	}
	if max != "" {
		hi, _ = new(big.Int).SetString(max, 10)
	}
	return func(v string) bool {
		if !reInteger.MatchString(v) {
			return false
		}
		n, ok := new(big.Int).SetString(strings.TrimPrefix(v, "+"), 10)
		if !ok {
			return false
		}
		return (lo == nil || n.Cmp(lo) >= 0) && (hi == nil || n.Cmp(hi) <= 0)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func validYear(y string) bool {
	d := strings.TrimPrefix(y, "-")
	if len(d) > 4 && d[0] == '0' {
		return false
	}
	return strings.Trim(d, "0") != "" // year 0000 does not exist in XSD 1.0
}

func daysIn(year string, month int) int {
	switch month {
	case 2:
		y, err := strconv.ParseInt(strings.TrimPrefix(year, "-"), 10, 64)
		if err != nil {
			return 29
		}
		if strings.HasPrefix(year, "-") {
			y = -y + 1 // astronomical numbering: 1 BCE is year 0
		}
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validTZ(tz string) bool {
	if tz == "" || tz == "Z" {
		return true
	}
	h, m := atoi(tz[1:3]), atoi(tz[4:6])
	return m <= 59 && (h < 14 || h == 14 && m == 0)
}

// validClock accepts 24:00:00 (end of day) as XSD 1.0's errata and libxml2 do.
func validClock(h, m, s string) bool {
	sec, _ := strconv.ParseFloat(s, 64)
	if atoi(h) == 24 {
		return atoi(m) == 0 && sec == 0
	}
	return atoi(h) <= 23 && atoi(m) <= 59 && sec < 60
}

func validYMD(y, mo, d string) bool {
	month := atoi(mo)
	day := atoi(d)
	return validYear(y) && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(y, month)
}

func checkDateTime(v string) bool {
	m := reDateTime.FindStringSubmatch(v)
	return m != nil && validYMD(m[1], m[2], m[3]) && validClock(m[4], m[5], m[6]) && validTZ(m[7])
}

func checkDate(v string) bool {
	m := reDate.FindStringSubmatch(v)
	return m != nil && validYMD(m[1], m[2], m[3]) && validTZ(m[4])
}

func checkTime(v string) bool {
	m := reTime.FindStringSubmatch(v)
	return m != nil && validClock(m[1], m[2], m[3]) && validTZ(m[4])
}

func isNameStart(r rune) bool {
	return r == '_' || r == ':' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') ||
		(r >= 0xC0 && r <= 0xD6) || (r >= 0xD8 && r <= 0xF6) || (r >= 0xF8 && r <= 0x2FF) ||
		(r >= 0x370 && r <= 0x37D) || (r >= 0x37F && r <= 0x1FFF) || (r >= 0x200C && r <= 0x200D) ||
		(r >= 0x2070 && r <= 0x218F) || (r >= 0x2C00 && r <= 0x2FEF) || (r >= 0x3001 && r <= 0xD7FF) ||
		(r >= 0xF900 && r <= 0xFDCF) || (r >= 0xFDF0 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0xEFFFF)
}

func isNameChar(r rune) bool {
	return isNameStart(r) || r == '-' || r == '.' || (r >= '0' && r <= '9') || r == 0xB7 ||
		(r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

func checkName(v string, colon, start bool) bool {
	if v == "" {
		return false
	}
	for i, r := range v {
		if r == ':' && !colon {
			return false
		}
		if i == 0 && start && !isNameStart(r) || !isNameChar(r) {
			return false
		}
	}
	return true
}

func checkQName(v string) bool {
	p, l, ok := strings.Cut(v, ":")
	if !ok {
		return checkName(v, false, true)
	}
	return checkName(p, false, true) && checkName(l, false, true)
}

// checkAnyURI follows libxml2, which is lenient: characters that would need
// escaping are tolerated, but a malformed percent escape is not.
func checkAnyURI(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] == '%' {
			if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func anyText(string) bool { return true }

var builtins = map[string]*builtin{}

func init() {
	add := func(b *builtin) { builtins[b.name] = b }
	dec := func(name, form string, check func(string) bool) {
		add(&builtin{name: name, ws: wsCollapse, numeric: true, check: check, rat: ratDecimal, form: form})
	}
	add(&builtin{name: "anySimpleType", ws: wsPreserve, check: anyText, form: "any text"})
	add(&builtin{name: "string", ws: wsPreserve, check: anyText, form: "any text"})
	add(&builtin{name: "normalizedString", ws: wsReplace, check: anyText, form: "any text"})
	add(&builtin{name: "token", ws: wsCollapse, check: anyText, form: "any text"})
	add(&builtin{name: "language", ws: wsCollapse, check: reLanguage.MatchString, form: "a language tag such as en-GB"})
	add(&builtin{name: "Name", ws: wsCollapse, check: func(v string) bool { return checkName(v, true, true) }, form: "an XML name"})
	add(&builtin{name: "NCName", ws: wsCollapse, check: func(v string) bool { return checkName(v, false, true) }, form: "an XML name without colons"})
	for _, n := range []string{"ID", "IDREF", "ENTITY"} {
		add(&builtin{name: n, ws: wsCollapse, check: func(v string) bool { return checkName(v, false, true) }, form: "an XML name without colons"})
	}
	add(&builtin{name: "NMTOKEN", ws: wsCollapse, check: func(v string) bool { return checkName(v, true, false) }, form: "a name token"})
	add(&builtin{name: "QName", ws: wsCollapse, check: checkQName, form: "prefix:name"})
	add(&builtin{name: "NOTATION", ws: wsCollapse, check: checkQName, form: "prefix:name"})
	add(&builtin{name: "anyURI", ws: wsCollapse, check: checkAnyURI, form: "a URI"})
	add(&builtin{name: "boolean", ws: wsCollapse, check: func(v string) bool {
		return v == "true" || v == "false" || v == "1" || v == "0"
	}, form: "true, false, 1 or 0"})
	dec("decimal", "a decimal number such as -1.23", reDecimal.MatchString)
	dec("integer", "an integer", intRange("", ""))
	dec("nonNegativeInteger", "an integer ≥ 0", intRange("0", ""))
	dec("positiveInteger", "an integer ≥ 1", intRange("1", ""))
	dec("nonPositiveInteger", "an integer ≤ 0", intRange("", "0"))
	dec("negativeInteger", "an integer ≤ -1", intRange("", "-1"))
	dec("long", "a 64-bit integer", intRange("-9223372036854775808", "9223372036854775807"))
	dec("int", "a 32-bit integer", intRange("-2147483648", "2147483647"))
	dec("short", "a 16-bit integer", intRange("-32768", "32767"))
	dec("byte", "an 8-bit integer", intRange("-128", "127"))
	dec("unsignedLong", "an integer from 0 to 18446744073709551615", intRange("0", "18446744073709551615"))
	dec("unsignedInt", "an integer from 0 to 4294967295", intRange("0", "4294967295"))
	dec("unsignedShort", "an integer from 0 to 65535", intRange("0", "65535"))
	dec("unsignedByte", "an integer from 0 to 255", intRange("0", "255"))
	for _, n := range []string{"float", "double"} {
		add(&builtin{name: n, ws: wsCollapse, numeric: true, check: reFloat.MatchString, rat: func(v string) *big.Rat {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil
			}
			r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
			return r
		}, form: "a floating-point number"})
	}
	add(&builtin{name: "dateTime", ws: wsCollapse, strictLead: true, check: checkDateTime, form: "CCYY-MM-DDThh:mm:ss[.sss][Z|±hh:mm]"})
	add(&builtin{name: "date", ws: wsCollapse, strictLead: true, check: checkDate, form: "CCYY-MM-DD[Z|±hh:mm]"})
	add(&builtin{name: "time", ws: wsCollapse, strictLead: true, check: checkTime, form: "hh:mm:ss[.sss][Z|±hh:mm]"})
	add(&builtin{name: "gYear", ws: wsCollapse, strictLead: true, check: func(v string) bool {
		m := reGYear.FindStringSubmatch(v)
		return m != nil && validYear(m[1]) && validTZ(m[2])
	}, form: "CCYY"})
	add(&builtin{name: "gYearMonth", ws: wsCollapse, strictLead: true, check: func(v string) bool {
		m := reGYM.FindStringSubmatch(v)
		return m != nil && validYear(m[1]) && atoi(m[2]) >= 1 && atoi(m[2]) <= 12 && validTZ(m[3])
	}, form: "CCYY-MM"})
	add(&builtin{name: "gMonth", ws: wsCollapse, strictLead: true, check: func(v string) bool {
		m := reGMonth.FindStringSubmatch(v)
		return m != nil && atoi(m[1]) >= 1 && atoi(m[1]) <= 12 && validTZ(m[2])
	}, form: "--MM"})
	add(&builtin{name: "gMonthDay", ws: wsCollapse, strictLead: true, check: func(v string) bool {
		m := reGMD.FindStringSubmatch(v)
		return m != nil && atoi(m[1]) >= 1 && atoi(m[1]) <= 12 && atoi(m[2]) >= 1 && atoi(m[2]) <= daysIn("2000", atoi(m[1])) && validTZ(m[3])
	}, form: "--MM-DD"})
	add(&builtin{name: "gDay", ws: wsCollapse, strictLead: true, check: func(v string) bool {
		m := reGDay.FindStringSubmatch(v)
		return m != nil && atoi(m[1]) >= 1 && atoi(m[1]) <= 31 && validTZ(m[2])
	}, form: "---DD"})
	add(&builtin{name: "duration", ws: wsCollapse, check: func(v string) bool {
		return reDuration.MatchString(v) && !strings.HasSuffix(v, "P") && !strings.HasSuffix(v, "T")
	}, form: "PnYnMnDTnHnMnS"})
	add(&builtin{name: "hexBinary", ws: wsCollapse, binary: true, check: reHex.MatchString, form: "pairs of hex digits"})
	add(&builtin{name: "base64Binary", ws: wsCollapse, binary: true, check: func(v string) bool { return binaryLen("base64Binary", v) >= 0 }, form: "base64"})
}

// builtinSimple returns the simple type for a built-in name, or nil.
func builtinSimple(local string) *simpleType {
	switch local {
	case "NMTOKENS", "IDREFS", "ENTITIES":
		item := map[string]string{"NMTOKENS": "NMTOKEN", "IDREFS": "IDREF", "ENTITIES": "ENTITY"}[local]
		t := &simpleType{name: xml.Name{Space: xsdNS, Local: local}, ws: wsCollapse, variety: list, item: builtinSimple(item), length: -1, minLength: 1, maxLength: -1, fracDigits: -1}
		return t
	}
	b, ok := builtins[local]
	if !ok {
		return nil
	}
	return newSimple(xml.Name{Space: xsdNS, Local: local}, b)
}
