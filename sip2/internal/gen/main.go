// Command gen writes sip2/zmsg.go from the sip2 struct tags in
// sip2/msg_*.go (see package msggen for the tag grammar). It runs from the
// sip2 directory through the go:generate line in message.go:
//
//	go generate ./sip2
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lockergate/lockergate/sip2/internal/msggen"
)

func main() {
	dir := flag.String("dir", ".", "directory of package sip2")
	out := flag.String("o", "zmsg.go", "output file")
	flag.Parse()
	if err := msggen.WriteFile(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
