package redis

// SetClockOffset makes s believe Redis's clock is off µs ahead of the
// gateway's, so that tests can send a deadline Redis has already passed.
func SetClockOffset(s *Store, off int64) { s.clock.SetOffset(off) }
