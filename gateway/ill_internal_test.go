package gateway

import (
	"context"
	"strings"
	"testing"
)

// illStub takes ILL items.
type illStub struct{ ILS }

func (illStub) AcceptItem(context.Context, ILLItem) error    { return nil }
func (illStub) CancelRequest(context.Context, ILLItem) error { return nil }
func (illStub) DeleteItem(context.Context, ILLItem) error    { return nil }

// unwrapper wraps an ILS and offers it through Unwrap.
type unwrapper struct {
	ILS
	inner ILS
}

func (u *unwrapper) Unwrap() ILS { return u.inner }

// TestILLSystemOf: an ILLSystem is found on the ILS itself or through
// Unwrap, never on a plain ILS, and a wrapper that unwraps to itself does
// not loop.
func TestILLSystemOf(t *testing.T) {
	loop := &unwrapper{}
	loop.inner = loop
	tests := []struct {
		name string
		ils  ILS
		want bool
	}{
		{"plain", stubILS{}, false},
		{"nil", nil, false},
		{"itself", illStub{}, true},
		{"wrapped", &unwrapper{inner: illStub{}}, true},
		{"wrapped twice", &unwrapper{inner: &unwrapper{inner: illStub{}}}, true},
		{"wrapped plain", &unwrapper{inner: stubILS{}}, false},
		{"unwraps to itself", loop, false},
	}
	for _, tt := range tests {
		if got := illSystemOf(tt.ils) != nil; got != tt.want {
			t.Errorf("%s: found %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestILLBank: a pickup location names a bank by its id, else by its
// location code (exactly first, then ignoring case); several banks on one
// location code: the first by id.
func TestILLBank(t *testing.T) {
	cfg := validConfig()
	cfg.Sites[0].Banks = append(cfg.Sites[0].Banks,
		BankConfig{ID: "B3", Location: "ANNEX", Driver: stubDriver{}},
		BankConfig{ID: "B2", Location: "ANNEX", Driver: stubDriver{}},
		BankConfig{ID: "B4", Location: "annex-east", Driver: stubDriver{}},
		BankConfig{ID: "B5", Location: "ANNEX-EAST", Driver: stubDriver{}},
	)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ loc, want, code string }{
		{"B1", "B1", ""},
		{" MAIN ", "B1", ""},
		{"main", "B1", ""},
		{"ANNEX", "B2", ""},
		{"ANNEX-EAST", "B5", ""}, // exact beats a case-insensitive match of B4
		{"Annex-East", "B4", ""},
		{"B9", "", ENOTFOUND},
		{"", "", ENOTFOUND},
	}
	for _, tt := range tests {
		b, err := s.illBank(tt.loc)
		if ErrorCode(err) != tt.code {
			t.Errorf("illBank(%q): %v, want code %q", tt.loc, err, tt.code)
			continue
		}
		if err == nil && b.cfg.ID != tt.want {
			t.Errorf("illBank(%q) = %s, want %s", tt.loc, b.cfg.ID, tt.want)
		}
	}
}

// TestCheckIDs: ids are checked for presence (the first), control
// characters, invalid UTF-8 and length, naming the input in the message
// and in Error.Field.
func TestCheckIDs(t *testing.T) {
	long := string(make([]byte, maxIDLen+1))
	item := func(v string) idCheck { return idCheck{FieldItem, "item", v} }
	tests := []struct {
		ids   []idCheck
		want  string // in the message; "" for no error
		field string
	}{
		{[]idCheck{item("ILL-1")}, "", ""},
		{[]idCheck{item("")}, "item is missing", FieldItem},
		{[]idCheck{item("I"), {FieldPartner, "partner", ""}}, "", ""},
		{[]idCheck{item("I\x00")}, "item", FieldItem},
		{[]idCheck{item("I"), {FieldPickupLocation, "pickup location", "M\xffX"}}, "pickup location", FieldPickupLocation},
		{[]idCheck{item("I"), {FieldPartner, "partner", long}}, "partner", FieldPartner},
		{[]idCheck{{FieldRequest, "ILL request id", ""}}, "ILL request id is missing", FieldRequest},
		{[]idCheck{item("Ünïcødé")}, "", ""},
	}
	for _, tt := range tests {
		err := checkIDs(tt.ids...)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkIDs(%q): %v", tt.ids, err)
		case tt.want != "" && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.want)):
			t.Errorf("checkIDs(%q): %v, want EINVALID naming %q", tt.ids, err, tt.want)
		case ErrorField(err) != tt.field:
			t.Errorf("checkIDs(%q): field %q, want %q", tt.ids, ErrorField(err), tt.field)
		}
	}
	if got := truncate("ééééé", 3); got != "é…" {
		t.Errorf("truncate cut a rune: %q", got)
	}
}
