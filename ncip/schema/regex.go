package schema

import (
	"fmt"
	"regexp"
	"strings"
)

// translatePattern turns an XSD pattern facet into an anchored Go regexp.
//
// XSD regular expressions are implicitly anchored, treat ^ and $ as
// ordinary characters, and define \d, \w, \i, \c and . in Unicode terms.
// Constructs RE2 cannot express (character-class subtraction, Unicode block
// escapes \p{IsX}) are reported instead of being approximated silently.
func translatePattern(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?:`)
	inClass := false
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("pattern %q ends with a backslash", p)
			}
			i++
			e := rs[i]
			switch e {
			case 'd':
				b.WriteString(`\p{Nd}`)
			case 'D':
				if inClass {
					return nil, fmt.Errorf("pattern %q: \\D inside a character class is not supported", p)
				}
				b.WriteString(`\P{Nd}`)
			case 's':
				if inClass {
					b.WriteString(` \t\n\r`)
				} else {
					b.WriteString(`[ \t\n\r]`)
				}
			case 'S', 'w', 'W', 'i', 'I', 'c', 'C':
				if inClass {
					return nil, fmt.Errorf("pattern %q: \\%c inside a character class is not supported", p, e)
				}
				b.WriteString(map[rune]string{
					'S': `[^ \t\n\r]`,
					'w': `[^\p{P}\p{Z}\p{C}]`,
					'W': `[\p{P}\p{Z}\p{C}]`,
					'i': `[\p{L}_:]`,
					'I': `[^\p{L}_:]`,
					'c': `[\p{L}\p{Nd}\p{Mn}\p{Mc}._:\-]`,
					'C': `[^\p{L}\p{Nd}\p{Mn}\p{Mc}._:\-]`,
				}[e])
			case 'p', 'P':
				j := i + 1
				for j < len(rs) && rs[j] != '}' {
					j++
				}
				if i+1 >= len(rs) || rs[i+1] != '{' || j >= len(rs) {
					return nil, fmt.Errorf("pattern %q: malformed \\%c escape", p, e)
				}
				prop := string(rs[i+2 : j])
				if strings.HasPrefix(prop, "Is") {
					return nil, fmt.Errorf("pattern %q: Unicode block escape \\%c{%s} is not supported", p, e, prop)
				}
				fmt.Fprintf(&b, `\%c{%s}`, e, prop)
				i = j
			case 'n', 'r', 't', '\\', '|', '.', '?', '*', '+', '(', ')', '{', '}', '-', '[', ']', '^', '$':
				b.WriteRune('\\')
				b.WriteRune(e)
			default:
				return nil, fmt.Errorf("pattern %q: unknown escape \\%c", p, e)
			}
		case inClass && r == '-' && i+1 < len(rs) && rs[i+1] == '[':
			return nil, fmt.Errorf("pattern %q: character-class subtraction is not supported", p)
		case r == '[' && !inClass:
			inClass = true
			b.WriteRune('[')
			if i+1 < len(rs) && rs[i+1] == '^' {
				b.WriteRune('^')
				i++
			}
		case r == ']' && inClass:
			inClass = false
			b.WriteRune(']')
		case r == '.' && !inClass:
			b.WriteString(`[^\n\r]`)
		case (r == '^' || r == '$') && !inClass:
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '[' && inClass:
			b.WriteString(`\[`)
		default:
			b.WriteRune(r)
		}
	}
	if inClass {
		return nil, fmt.Errorf("pattern %q: unterminated character class", p)
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", p, err)
	}
	return re, nil
}
