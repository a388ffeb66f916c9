package main

import "errors"

// errNotYet is returned by commands whose implementation has not landed.
var errNotYet = errors.New("not implemented yet")
