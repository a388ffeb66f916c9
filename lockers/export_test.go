package lockers

// PollOptionsOf returns the options of the polling watcher Guard added to
// d, for tests of how configuration reaches it.
func PollOptionsOf(d Driver) (PollOptions, bool) {
	g, ok := d.(interface{ guarded() *guard })
	if !ok || g.guarded().poll == nil {
		return PollOptions{}, false
	}
	return g.guarded().poll.opts, true
}
