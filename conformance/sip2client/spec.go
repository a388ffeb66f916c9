package sip2client

import (
	"fmt"
	"strings"
	"time"
)

// The grammar of the requests an SC sends, written from the SIP2 2.00
// message formats (sip2.md §2.2 and §2.3, cross-checked there against
// Koha, FOLIO, ceridwen and pysip2). It is kept apart from package sip2's
// own layouts on purpose: the suite judges our codec's peers, and a
// mistake shared by the codec and the suite would certify itself.

// A fixedKind is the format of one fixed-length field.
type fixedKind int

const (
	kindYN        fixedKind = iota // "Y" or "N"
	kindDate                       // 18-character date-time, required
	kindDateOpt                    // 18-character date-time, or 18 blanks
	kindDigits                     // decimal digits
	kindStatus                     // SC status code: 0, 1 or 2
	kindVersion                    // protocol version "d.dd"
	kindSummary                    // 10 positions, "Y" or blank, at most one "Y"
	kindHoldMode                   // "+", "-" or "*"
	kindAlgorithm                  // one printable character (UID/PWD algorithm)
	kindCurrency                   // three upper-case letters (ISO 4217)
)

// A fixedField is one positional field of a request.
type fixedField struct {
	name string
	size int
	kind fixedKind
}

// A requestSpec is the grammar of one request type.
type requestSpec struct {
	code     string
	name     string
	fixed    []fixedField
	required []string // variable fields that must be present
}

// fixedLen is the length of the fixed part after the two-character code.
func (r *requestSpec) fixedLen() int {
	n := 0
	for _, f := range r.fixed {
		n += f.size
	}
	return n
}

var (
	fDate     = fixedField{"transaction date", 18, kindDate}
	fLanguage = fixedField{"language", 3, kindDigits}
)

// requestSpecs are the SC's requests of SIP2 2.00, by command code.
var requestSpecs = map[string]*requestSpec{
	"93": {"93", "Login", []fixedField{{"UID algorithm", 1, kindAlgorithm}, {"PWD algorithm", 1, kindAlgorithm}}, []string{"CN", "CO"}},
	"99": {"99", "SC Status", []fixedField{{"status code", 1, kindStatus}, {"max print width", 3, kindDigits}, {"protocol version", 4, kindVersion}}, nil},
	"23": {"23", "Patron Status Request", []fixedField{fLanguage, fDate}, []string{"AO", "AA", "AC", "AD"}},
	"63": {"63", "Patron Information", []fixedField{fLanguage, fDate, {"summary", 10, kindSummary}}, []string{"AO", "AA"}},
	"11": {"11", "Checkout", []fixedField{{"SC renewal policy", 1, kindYN}, {"no block", 1, kindYN}, fDate, {"nb due date", 18, kindDateOpt}}, []string{"AO", "AA", "AB", "AC"}},
	"09": {"09", "Checkin", []fixedField{{"no block", 1, kindYN}, fDate, {"return date", 18, kindDate}}, []string{"AP", "AO", "AB", "AC"}},
	"17": {"17", "Item Information", []fixedField{fDate}, []string{"AO", "AB"}},
	"19": {"19", "Item Status Update", []fixedField{fDate}, []string{"AO", "AB", "CH"}},
	"25": {"25", "Patron Enable", []fixedField{fDate}, []string{"AO", "AA"}},
	"15": {"15", "Hold", []fixedField{{"hold mode", 1, kindHoldMode}, fDate}, []string{"AO", "AA"}},
	"29": {"29", "Renew", []fixedField{{"third party allowed", 1, kindYN}, {"no block", 1, kindYN}, fDate, {"nb due date", 18, kindDateOpt}}, []string{"AO", "AA"}},
	"65": {"65", "Renew All", []fixedField{fDate}, []string{"AO", "AA"}},
	"35": {"35", "End Patron Session", []fixedField{fDate}, []string{"AO", "AA", "AC", "AD"}},
	"37": {"37", "Fee Paid", []fixedField{fDate, {"fee type", 2, kindDigits}, {"payment type", 2, kindDigits}, {"currency type", 3, kindCurrency}}, []string{"BV", "AO", "AA"}},
	"01": {"01", "Block Patron", []fixedField{{"card retained", 1, kindYN}, fDate}, []string{"AO", "AL", "AA", "AC"}},
	"97": {"97", "Request ACS Resend", nil, nil},
}

// checkFixed checks a fixed part against the spec and returns what is
// wrong, or "". fixed is the text after the code, up to the first field.
func (r *requestSpec) checkFixed(fixed string) string {
	if len(fixed) < r.fixedLen() {
		return fmt.Sprintf("the fixed part is %d characters, %d expected", len(fixed), r.fixedLen())
	}
	at := 2
	for _, f := range r.fixed {
		v := fixed[at-2 : at-2+f.size]
		if msg := checkFixedValue(f, v); msg != "" {
			return fmt.Sprintf("%s (offset %d, %q): %s", f.name, at, v, msg)
		}
		at += f.size
	}
	return ""
}

func checkFixedValue(f fixedField, v string) string {
	switch f.kind {
	case kindYN:
		if v != "Y" && v != "N" {
			return "not Y or N"
		}
	case kindDate:
		return checkDate(v, false)
	case kindDateOpt:
		return checkDate(v, true)
	case kindDigits:
		for _, c := range v {
			if c < '0' || c > '9' {
				return "not all digits"
			}
		}
	case kindStatus:
		if v != "0" && v != "1" && v != "2" {
			return "not 0 (OK), 1 (printer out of paper) or 2 (shutting down)"
		}
	case kindVersion:
		if len(v) != 4 || v[1] != '.' || !isDigit(v[0]) || !isDigit(v[2]) || !isDigit(v[3]) {
			return "not a version such as 2.00"
		}
	case kindSummary:
		ys := 0
		for _, c := range v {
			switch c {
			case 'Y', 'y':
				ys++
			case ' ', 'N':
			default:
				return "not Y or blank"
			}
		}
		if ys > 1 {
			return "more than one Y: the ACS returns one item list"
		}
	case kindHoldMode:
		if v != "+" && v != "-" && v != "*" {
			return "not + (add), - (delete) or * (change)"
		}
	case kindAlgorithm:
		if v[0] < 0x20 || v[0] > 0x7e {
			return "not a printable character"
		}
	case kindCurrency:
		for _, c := range v {
			if c < 'A' || c > 'Z' {
				return "not three upper-case letters (ISO 4217)"
			}
		}
	}
	return ""
}

// checkDate checks an 18-character SIP2 date-time, YYYYMMDDZZZZHHMMSS:
// ZZZZ is four blanks (local time) or three blanks and a military zone
// letter ("   Z" for UTC). blankOK allows 18 blanks (no date).
func checkDate(v string, blankOK bool) string {
	if strings.TrimSpace(v) == "" {
		if blankOK {
			return ""
		}
		return "blank; a date is required here"
	}
	zone := v[8:12]
	if zone != "    " && !(zone[:3] == "   " && zone[3] >= 'A' && zone[3] <= 'Z' && zone[3] != 'J') {
		return "the zone ZZZZ is neither four blanks (local time) nor three blanks and a zone letter such as Z (UTC)"
	}
	for _, c := range v[:8] + v[12:] {
		if c < '0' || c > '9' {
			return "not YYYYMMDDZZZZHHMMSS"
		}
	}
	if _, err := time.Parse("20060102150405", v[:8]+v[12:]); err != nil {
		return "not a valid date and time"
	}
	return ""
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
