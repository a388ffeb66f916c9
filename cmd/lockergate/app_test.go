package main

import (
	"reflect"
	"testing"

	"github.com/lockergate/lockergate/gateway/config"
)

// TestNotBuilt: the keys accepted for work to come are warned about when
// set, and only then.
func TestNotBuilt(t *testing.T) {
	withNCIP := config.Default(t.TempDir())
	withNCIP.ILS["east"] = &config.ILS{SIP2: &config.SIP2{}, NCIP: &config.NCIP{URL: "https://ils.example/ncip"}}
	withNCIP.ILS["main"] = &config.ILS{SIP2: &config.SIP2{}, NCIP: &config.NCIP{URL: "https://ils.example/ncip"}}
	frontDoor := config.Default(t.TempDir())
	frontDoor.SIP2FrontDoor.Listen = "0.0.0.0:6001"
	tests := []struct {
		name string
		cfg  *config.Config
		want []string
	}{
		{"zero configuration", config.Default(t.TempDir()), nil},
		{"ncip", withNCIP, []string{
			"ils.east.ncip is set, but this version sends nothing over NCIP (interlibrary loans are not built yet)",
			"ils.main.ncip is set, but this version sends nothing over NCIP (interlibrary loans are not built yet)",
		}},
		{"front door", frontDoor, []string{"sip2_front_door.listen is 0.0.0.0:6001, but this version has no SIP2 front door: nothing listens there"}},
	}
	for _, tt := range tests {
		if got := notBuilt(tt.cfg); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
