package audit

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Sizes of a [BufferedWriter]'s buffer.
const (
	// batchBytes is what a batch holds before the writing goroutine is
	// woken without waiting for the interval.
	batchBytes = 64 << 10
	// DefaultMaxPending bounds the lines a [BufferedWriter] holds while
	// its output does not keep up: about 14,000 access log lines, a second
	// of a busy gateway's traffic.
	DefaultMaxPending = 4 << 20
	// keepBytes is the largest buffer kept for reuse once written; one
	// that grew past it while the output was slow goes to the collector.
	keepBytes = 1 << 20
)

// BufferedWriter batches log lines so that a busy gateway does not pay a
// write system call per request, and writes them on a goroutine of its
// own, so that no request ever waits for the output: Write only copies
// the line into memory, under a lock that is never held across a system
// call. The batch is written every interval, as soon as it holds 64 KiB,
// on Flush and on Close.
//
// It holds at most [DefaultMaxPending] bytes of lines not yet written.
// When the output stalls for longer than that takes to fill (a disk
// that stops answering), further lines are dropped rather than holding
// up requests; they are counted ([BufferedWriter.Dropped]) and, once the
// output takes lines again, a line says how many were lost:
//
//	{"time":"…","level":"WARN","msg":"log lines dropped","dropped":1200}
//
// Lines the output refuses (a full disk) are counted the same way. It is
// safe for concurrent use.
type BufferedWriter struct {
	out        io.Writer
	maxPending int

	mu      sync.Mutex // guards pending; never held across a write to out
	pending []byte

	wmu     sync.Mutex // serialises writes to out; requests never take it
	spare   []byte     // the batch buffer not in use, reused; guarded by wmu
	noticed uint64     // dropped as of the last notice written; guarded by wmu

	dropped atomic.Uint64 // every line lost, for metrics
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	close   sync.Once
}

// NewBufferedWriter starts a writer writing to out every interval.
func NewBufferedWriter(out io.Writer, interval time.Duration) *BufferedWriter {
	return newBufferedWriter(out, interval, DefaultMaxPending)
}

func newBufferedWriter(out io.Writer, interval time.Duration, maxPending int) *BufferedWriter {
	w := &BufferedWriter{
		out:        out,
		maxPending: maxPending,
		pending:    make([]byte, 0, batchBytes),
		spare:      make([]byte, 0, batchBytes),
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
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
		case <-w.wake:
		case <-w.stop:
			return
		}
		_ = w.Flush()
	}
}

// Write queues p, which slog handlers and the access log pass as one
// whole line. It never blocks on the output and never fails: a line that
// finds the buffer full is dropped and counted.
func (w *BufferedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if len(w.pending)+len(p) > w.maxPending {
		w.dropped.Add(1)
		w.mu.Unlock()
		return len(p), nil
	}
	w.pending = append(w.pending, p...)
	full := len(w.pending) >= batchBytes
	w.mu.Unlock()
	if full {
		select {
		case w.wake <- struct{}{}:
		default: // already woken
		}
	}
	return len(p), nil
}

// Flush writes out what is queued, then a line counting the lines
// dropped since the last such line, if any. It returns the output's
// error.
func (w *BufferedWriter) Flush() error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.mu.Lock()
	batch := w.pending
	w.pending = w.spare[:0]
	total := w.dropped.Load()
	w.mu.Unlock()

	var err error
	if len(batch) > 0 {
		var n int
		n, err = w.out.Write(batch)
		if err != nil {
			// The lines not written whole are lost; the notice below
			// may reach the output when it recovers.
			unwritten := uint64(bytes.Count(batch[min(n, len(batch)):], []byte{'\n'}))
			w.dropped.Add(unwritten)
			total += unwritten
		}
	}
	if cap(batch) > keepBytes {
		batch = make([]byte, 0, batchBytes)
	}
	w.spare = batch[:0]
	if total > w.noticed {
		if _, werr := w.out.Write(droppedLine(total - w.noticed)); werr == nil {
			w.noticed = total
		} else if err == nil {
			// The lines stay counted for the next notice.
			err = werr
		}
	}
	return err
}

// droppedLine is the line that records lines lost, in the format of the
// JSON lines around it.
func droppedLine(n uint64) []byte {
	var b bytes.Buffer
	rec := slog.NewRecord(now(), slog.LevelWarn, "log lines dropped", 0)
	rec.AddAttrs(slog.Uint64("dropped", n))
	_ = slog.NewJSONHandler(&b, nil).Handle(context.Background(), rec)
	return b.Bytes()
}

// Dropped returns how many lines were lost since w was made: dropped
// while the output was stalled, or refused by it.
func (w *BufferedWriter) Dropped() uint64 { return w.dropped.Load() }

// Close stops the writing goroutine, flushes, and closes out when it is a
// Closer, except the process's standard output and error: they outlive
// every log (the error that ends the process is printed to stderr after
// the logs are closed).
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
