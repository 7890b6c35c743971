package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/ratelimit"
	"github.com/rampart-api/rampart/validate"
)

// firstChunk is the capacity a body buffer starts with; it then doubles
// as bytes arrive, up to max_body_bytes.
const firstChunk = 512

// budget is the memory that buffered request bodies and responses held
// for checking may take at once. The count of bytes held is one per
// [Shared], so every configuration a [Server] runs draws from it: the
// requests of a retiring configuration stay charged after a reload, and
// each configuration refuses to grow past its own max_buffered_bytes. It
// is safe for concurrent use.
type budget struct {
	max  int64
	held *atomic.Int64
}

// newBudget returns a budget of max bytes with a count of its own.
func newBudget(max int64) *budget { return &budget{max: max, held: new(atomic.Int64)} }

// Take reserves n bytes, or reports false and reserves nothing when that
// would pass the budget.
func (b *budget) Take(n int64) bool {
	if b.held.Add(n) > b.max {
		b.held.Add(-n)
		return false
	}
	return true
}

// Release returns n bytes taken earlier.
func (b *budget) Release(n int64) { b.held.Add(-n) }

var _ validate.Budget = (*budget)(nil)

// errBudget is what readBody reports when the budget is spent.
var errBudget = errors.New("request body budget exhausted")

// readBody reads r's body into memory, up to limit bytes. The buffer
// grows only as bytes arrive, never from Content-Length, so a client that
// declares a large body and sends nothing costs no memory; every growth is
// charged to b first. It returns the body and the bytes charged, which
// the caller releases once the body is no longer used; on error nothing
// stays charged. A body over limit is an *http.MaxBytesError.
func readBody(body io.Reader, limit int64, b *budget) ([]byte, int64, error) {
	var (
		buf     []byte
		charged int64
	)
	fail := func(err error) ([]byte, int64, error) {
		b.Release(charged)
		return nil, 0, err
	}
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return fail(&http.MaxBytesError{Limit: limit})
			}
			c := min(max(2*int64(cap(buf)), firstChunk), limit+1)
			if !b.Take(c - int64(cap(buf))) {
				return fail(errBudget)
			}
			charged = c
			grown := make([]byte, len(buf), c)
			copy(grown, buf)
			buf = grown
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return fail(&http.MaxBytesError{Limit: limit})
		}
		if err == io.EOF {
			return buf, charged, nil
		}
		if err != nil {
			return fail(err)
		}
	}
}

// bufferBody reads every request body, up to max_body_bytes, before the
// later steps and the upstream see it: a body that is then refused never
// reaches the upstream in part, and brute-force, validation and WAF steps
// read it from memory. It runs after authentication and authorization, so
// a caller who may not use the route cannot make the gateway read a body,
// and before concurrency caps, so a slow upload holds no upstream slot.
//
// Memory is bounded three ways: a buffer grows only as bytes arrive; all
// buffers together stay within max_buffered_bytes (503 past it); and one
// client may be sending at most max_uploads_per_client bodies at once
// (503), so slow uploads from one address cannot hold the whole budget.
func (g *Gateway) bufferBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		var (
			body    []byte
			charged int64
			ok      bool
		)
		// A refusal here leaves the rest of the body unread; net/http
		// would read up to 256 KiB of it before answering, waiting on a
		// stalled client until the read timeout. Closing the connection
		// instead answers at once.
		w.Header()["Connection"] = []string{"close"}
		g.uploads.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var err error
			body, charged, err = readBody(r.Body, g.maxBody, g.buffered)
			if err != nil {
				g.reject(w, r, bodyProblem(err))
				return
			}
			delete(w.Header(), "Connection")
			_ = r.Body.Close()
			ok = true
		})).ServeHTTP(w, r)
		if !ok {
			return
		}
		defer g.buffered.Release(charged)
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.TransferEncoding = nil
		next.ServeHTTP(w, r)
	})
}

func bodyProblem(err error) *problem.Error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, errBudget):
		return problem.New(http.StatusServiceUnavailable, errBudget.Error()).WithHeader(ratelimit.HeaderRetryAfter, "1")
	case errors.As(err, &tooBig):
		return problem.New(http.StatusRequestEntityTooLarge, "body over max_body_bytes")
	}
	return problem.Wrap(http.StatusBadRequest, fmt.Errorf("reading request body: %w", err))
}
