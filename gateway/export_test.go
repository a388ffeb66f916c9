package gateway

// SetHookAfterMarkSent makes every delivery call f after marking its entry
// sent and before sending it (nil removes the hook), so that a test can
// stop a "process" at that point.
func SetHookAfterMarkSent(f func(OutboxEntry)) {
	if f == nil {
		hookAfterMarkSent.Store(nil)
		return
	}
	hookAfterMarkSent.Store(&f)
}
