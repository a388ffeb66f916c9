// Package all links every locker driver into a program, so that
// lockers.Open can open any of them by scheme. Programs and test suites
// that pick drivers from configuration import it for its side effects:
//
//	import _ "github.com/lockergate/lockergate/lockers/all"
package all

import (
	_ "github.com/lockergate/lockergate/lockers/httpvendor" // http:, https:
	_ "github.com/lockergate/lockergate/lockers/kerong"     // kerong+serial:, kerong+tcp:
	_ "github.com/lockergate/lockergate/lockers/modbus"     // modbus+tcp:, modbus+rtu:, modbus+rtuovertcp:
	_ "github.com/lockergate/lockergate/lockers/mqtt"       // mqtt:, mqtts:
	_ "github.com/lockergate/lockergate/lockers/sim"        // sim:
)
