package respwriter

import (
	"net/http"
	"sync"
)

// Writer records what was written. It forwards Flush and exposes Unwrap
// for http.ResponseController.
type Writer struct {
	w      http.ResponseWriter
	status int
	bytes  int64
}

var pool = sync.Pool{New: func() any { return new(Writer) }}

// Get returns a pooled Writer wrapping w.
func Get(w http.ResponseWriter) *Writer {
	rw := pool.Get().(*Writer)
	rw.w = w
	return rw
}

// Put returns rw to the pool. rw must not be used afterwards.
func Put(rw *Writer) {
	*rw = Writer{}
	pool.Put(rw)
}

// Status is the final status written, or 0 when nothing was written yet.
func (rw *Writer) Status() int { return rw.status }

// Bytes is the number of body bytes written.
func (rw *Writer) Bytes() int64 { return rw.bytes }

// Written reports whether a final status was sent.
func (rw *Writer) Written() bool { return rw.status != 0 }

func (rw *Writer) Header() http.Header { return rw.w.Header() }

func (rw *Writer) WriteHeader(code int) {
	if rw.status != 0 {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		rw.w.WriteHeader(code)
		return
	}
	rw.status = code
	rw.w.WriteHeader(code)
}

func (rw *Writer) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	n, err := rw.w.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush sends buffered data, for streaming responses. It reaches a
// Flusher through any writers that wrap it and expose Unwrap, as
// [http.ResponseController] does.
func (rw *Writer) Flush() {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(rw.w).Flush()
}

// Unwrap returns the wrapped writer.
func (rw *Writer) Unwrap() http.ResponseWriter { return rw.w }
