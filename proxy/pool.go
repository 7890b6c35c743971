package proxy

import "sync"

// bufferPool lends the 32 KiB copy buffers httputil.ReverseProxy uses for
// response bodies, so that copying does not allocate per request.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
