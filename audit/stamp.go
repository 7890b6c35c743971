package audit

import (
	"sync/atomic"
	"time"
)

// stamp is the RFC 3339 text of one whole second in one location: the
// date and time of day, and the offset that follows the fraction.
type stamp struct {
	sec  int64
	loc  *time.Location
	day  [len("2006-01-02T15:04:05")]byte
	zone string
}

// lastStamp is the second the latest access line was written in; lines
// of the same second copy its text instead of formatting the date again.
var lastStamp atomic.Pointer[stamp]

// appendTime appends t as t.Round(0).AppendFormat(b, time.RFC3339Nano)
// does, for years 0 to 9999. A location's offset changes only on a whole
// second, so the text before the fraction and the offset after it are
// those of the second, formatted once; the fraction is the nanoseconds
// without trailing zeros, and no point when there are none.
func appendTime(b []byte, t time.Time) []byte {
	sec, loc := t.Unix(), t.Location()
	s := lastStamp.Load()
	if s == nil || s.sec != sec || s.loc != loc {
		s = newStamp(t, sec, loc)
		lastStamp.Store(s)
	}
	b = append(b, s.day[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, s.zone...)
}

func newStamp(t time.Time, sec int64, loc *time.Location) *stamp {
	s := &stamp{sec: sec, loc: loc}
	whole := t.Add(-time.Duration(t.Nanosecond())).Round(0)
	text := whole.AppendFormat(make([]byte, 0, 32), time.RFC3339)
	copy(s.day[:], text)
	s.zone = string(text[len(s.day):])
	return s
}
