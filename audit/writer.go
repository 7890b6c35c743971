package audit

import (
	"bufio"
	"io"
	"os"
	"sync"
	"time"
)

// BufferedWriter batches log lines so that a busy gateway does not pay a
// write system call per request. Lines are flushed every interval, when
// the buffer fills, and on Close. It is safe for concurrent use.
type BufferedWriter struct {
	mu    sync.Mutex
	buf   *bufio.Writer
	out   io.Writer
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

// NewBufferedWriter starts a writer flushing to out every interval.
func NewBufferedWriter(out io.Writer, interval time.Duration) *BufferedWriter {
	w := &BufferedWriter{buf: bufio.NewWriterSize(out, 64<<10), out: out, stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop(interval)
	return w
}

func (w *BufferedWriter) loop(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = w.Flush()
		case <-w.stop:
			return
		}
	}
}

// Write buffers p, which slog handlers pass as one whole line.
func (w *BufferedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// Flush writes out what is buffered.
func (w *BufferedWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Flush()
}

// Close stops the flusher, flushes, and closes out when it is a Closer,
// except the process's standard output and error: they outlive every log
// (the error that ends the process is printed to stderr after the logs are
// closed).
func (w *BufferedWriter) Close() error {
	var err error
	w.close.Do(func() {
		close(w.stop)
		<-w.done
		err = w.Flush()
		if w.out == io.Writer(os.Stdout) || w.out == io.Writer(os.Stderr) {
			return
		}
		if c, ok := w.out.(io.Closer); ok {
			if cerr := c.Close(); err == nil {
				err = cerr
			}
		}
	})
	return err
}
