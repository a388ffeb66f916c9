// Package all links every locker driver into a program, so that
// lockers.Open can open any of them by scheme. Programs and test suites
// that pick drivers from configuration import it for its side effects:
//
//	import _ "github.com/lockergate/lockergate/lockers/all"
package all

import (
	_ "github.com/lockergate/lockergate/lockers/sim" // sim:
)
