package sip2client

import (
	"strings"
	"testing"
)

// FuzzParseMessage feeds the suite's own message splitter and grammar
// checks arbitrary device bytes: whatever a device sends, judging it must
// not panic, and the parts must add up to the message.
func FuzzParseMessage(f *testing.F) {
	for _, seed := range []string{
		"9300CNuser_id|COpassw0rd|AY1AZF594",
		"97AZFEF5",
		"11NY20210814    08345520210814    083455AOinstitutionId|AApatronId|ABitemId|ACterminalPassword|AY0AZD782",
		"9900302.00",
		"1720210814    083455AOi|ABx|AY10AZ0000",
		"63001",
		"AZ",
		"AY1AZ",
		"37" + strings.Repeat(" ", 30),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		m := parseMessage(raw)
		if m.spec != nil {
			m.spec.checkFixed(m.fixed)
		}
		m.checksumOK()
		c := m.content()
		if !strings.HasPrefix(raw, m.code) {
			t.Fatalf("code %q is not the start of %q", m.code, raw)
		}
		if len(raw) >= 2 && !strings.HasPrefix(raw, c) {
			t.Fatalf("content %q is not a prefix of %q", c, raw)
		}
		for _, fl := range m.fields {
			if strings.Contains(fl.id+fl.value, "|") {
				t.Fatalf("field %q holds the delimiter", fl.id+fl.value)
			}
		}
	})
}
