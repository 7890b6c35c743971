package requestid

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/rampart-api/rampart"
)

// Header is the request and response header carrying the id.
const Header = "X-Request-Id"

// MaxLen is the longest id accepted from a client.
const MaxLen = 128

var (
	// prefix makes ids unique across processes and restarts; the counter
	// makes them unique within one. Ids need not be secret, only unique.
	prefix  = newPrefix()
	counter atomic.Uint64
)

func newPrefix() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("requestid: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:]) + "-"
}

// New returns a fresh id.
func New() string {
	var buf [40]byte
	b := append(buf[:0], prefix...)
	b = strconv.AppendUint(b, counter.Add(1), 36)
	return string(b)
}

// Valid reports whether a client-supplied id may be kept.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

// FromRequest returns the request's id if it is valid, otherwise a new one.
func FromRequest(r *http.Request) string {
	if v := r.Header[Header]; len(v) == 1 && Valid(v[0]) {
		return v[0]
	}
	return New()
}

// Handler stores the id in the request's [rampart.Info], in the request
// header (for the upstream) and in the response header.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, info := rampart.WithInfo(r)
		info.RequestID = FromRequest(r)
		r.Header[Header] = info.HeaderValue(info.RequestID)
		w.Header()[Header] = info.HeaderValue(info.RequestID)
		next.ServeHTTP(w, r)
	})
}
