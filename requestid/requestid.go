package requestid

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
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

// New returns a fresh id. It is safe for concurrent use.
func New() string {
	b, _ := blocks.Get().(*idBlock)
	if b == nil {
		b = newBlock()
	}
	start := 0
	if b.next > 0 {
		start = int(b.ends[b.next-1])
	}
	id := b.s[start:b.ends[b.next]]
	if b.next++; b.next < idsPerBlock {
		blocks.Put(b)
	}
	return id
}

// idsPerBlock is how many ids one allocation holds. Most requests come
// without an id of their own, so New hands out substrings of one string
// of consecutive ids rather than allocating each; an id kept after its
// request (an event in a bounded ring) keeps its block, about 2 KiB, alive.
const idsPerBlock = 64

// idBlock is a string of idsPerBlock ids and where each ends. One
// goroutine at a time uses a block: the one that took it from blocks.
type idBlock struct {
	s    string
	ends [idsPerBlock]uint16
	next int // the next id to hand out
}

// blocks holds the blocks with ids left; the pool may drop one, whose
// remaining ids are then never used (the counter has moved past them).
var blocks sync.Pool

// newBlock reserves idsPerBlock counter values and writes their ids.
func newBlock() *idBlock {
	first := counter.Add(idsPerBlock) - idsPerBlock + 1
	var buf [idsPerBlock * (16 + 1 + 13)]byte // hex prefix, '-', a uint64 in base 36
	s := buf[:0]
	b := new(idBlock)
	for i := range uint64(idsPerBlock) {
		s = append(s, prefix...)
		s = strconv.AppendUint(s, first+i, 36)
		b.ends[i] = uint16(len(s))
	}
	b.s = string(s)
	return b
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
