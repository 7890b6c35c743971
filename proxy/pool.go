package proxy

import "sync"

// bufferPool lends the 32 KiB copy buffers httputil.ReverseProxy uses for
// response bodies, so that copying does not allocate per request. The pool
// holds array pointers: putting a slice back would box its header, one
// allocation per request.
type bufferPool struct{}

const bufferSize = 32 << 10

var buffers = sync.Pool{New: func() any { return new([bufferSize]byte) }}

func (bufferPool) Get() []byte { return buffers.Get().(*[bufferSize]byte)[:] }

// Put takes back a buffer Get lent; ReverseProxy never returns another
// length, and a slice of another size is left to the collector.
func (bufferPool) Put(b []byte) {
	if len(b) == bufferSize {
		buffers.Put((*[bufferSize]byte)(b))
	}
}
