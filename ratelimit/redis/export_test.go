package redis

// SetClockOffset makes l believe Redis's clock is off µs ahead of the
// gateway's, so that tests can send a deadline Redis has already passed.
func SetClockOffset(l *Limiter, off int64) { l.clock.SetOffset(off) }
