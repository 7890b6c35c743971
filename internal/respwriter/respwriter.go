package respwriter

import (
	"net/http"
	"sync"
)

// Writer records what was written. It forwards Flush and exposes Unwrap
// for http.ResponseController.
type Writer struct {
	w       http.ResponseWriter
	status  int
	bytes   int64
	hold    Holder
	holding bool
}

// Holder decides, from the final status, whether a response goes out as
// it is written or is held back, as response filtering does to check a
// body before any of it leaves.
type Holder interface {
	// Hold is called once, with the final status, before it is
	// written. Returning true holds the status and the body: the
	// Writer sends neither, and gives body bytes to Held. The holder
	// writes what it decides to the wrapped writer ([Writer.Unwrap]).
	Hold(status int) bool
	// Held receives the body's bytes while the response is held.
	Held(p []byte) (int, error)
}

var pool = sync.Pool{New: func() any { return new(Writer) }}

// Get returns a pooled Writer wrapping w.
func Get(w http.ResponseWriter) *Writer {
	rw := pool.Get().(*Writer)
	rw.w = w
	return rw
}

// GetHeld returns a pooled Writer wrapping w that asks h, before the
// status is written, whether to hold the response.
func GetHeld(w http.ResponseWriter, h Holder) *Writer {
	rw := Get(w)
	rw.hold = h
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

// Written reports whether a final status was written to rw (held or
// sent).
func (rw *Writer) Written() bool { return rw.status != 0 }

// Holding reports whether the response is held by the [Holder].
func (rw *Writer) Holding() bool { return rw.holding }

// Pass ends holding: later body bytes go straight to the wrapped writer.
// The holder must have written the status, and what it held, first.
func (rw *Writer) Pass() { rw.holding = false }

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
	if rw.hold != nil && rw.hold.Hold(code) {
		rw.holding = true
		return
	}
	rw.w.WriteHeader(code)
}

func (rw *Writer) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.holding {
		return rw.hold.Held(b)
	}
	n, err := rw.w.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush sends buffered data, for streaming responses. It reaches a
// Flusher through any writers that wrap it and expose Unwrap, as
// [http.ResponseController] does. A held response is not flushed: a
// half-checked body must not leave.
func (rw *Writer) Flush() {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.holding {
		return
	}
	_ = http.NewResponseController(rw.w).Flush()
}

// Unwrap returns the wrapped writer.
func (rw *Writer) Unwrap() http.ResponseWriter { return rw.w }
