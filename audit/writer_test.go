package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallingOutput is an output whose writes wait for release once
// stalled, like a disk that stops answering; entered receives a value
// each time a write starts waiting.
type stallingOutput struct {
	mu      sync.Mutex
	b       bytes.Buffer
	stalled bool
	entered chan struct{}
	release chan struct{}
	fail    error // returned, writing nothing, when set
}

func newStallingOutput() *stallingOutput {
	return &stallingOutput{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (o *stallingOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	stalled, fail := o.stalled, o.fail
	o.mu.Unlock()
	if stalled {
		o.entered <- struct{}{}
		<-o.release
	}
	if fail != nil {
		return 0, fail
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *stallingOutput) set(stalled bool, fail error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stalled, o.fail = stalled, fail
}

func (o *stallingOutput) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := strings.SplitAfter(o.b.String(), "\n")
	return l[:len(l)-1] // after the last newline
}

// line is an access-log-sized line numbered i; all are the same length.
func line(i int) []byte {
	return fmt.Appendf(nil, "{\"msg\":\"request\",\"n\":%06d,\"pad\":%q}\n", i, strings.Repeat("x", 200))
}

// noLiveLock fails t unless f returns: a Write that waits for the output
// never would. The bound only catches a hang; it measures nothing.
func noLiveLock(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still blocked while the output is stalled", what)
	}
}

func TestBufferedWriterWriteNeverWaitsForTheOutput(t *testing.T) {
	out := newStallingOutput()
	w := NewBufferedWriter(out, time.Hour)
	out.set(true, nil)
	i := 0
	noLiveLock(t, "Write", func() {
		// Fill a batch: the writing goroutine wakes and stalls in the
		// output.
		for ; i*len(line(0)) <= batchBytes; i++ {
			_, _ = w.Write(line(i))
		}
		<-out.entered
		for range 2000 {
			if _, err := w.Write(line(i)); err != nil {
				t.Errorf("Write: %v", err)
			}
			i++
		}
	})
	out.set(false, nil)
	close(out.release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.lines()
	if len(got) != i || w.Dropped() != 0 {
		t.Fatalf("%d lines written, %d dropped; want %d and 0", len(got), w.Dropped(), i)
	}
	for n, l := range got {
		if l != string(line(n)) {
			t.Fatalf("line %d is %q, want %q", n, l, line(n))
		}
	}
}

func TestBufferedWriterCountsWhatAStalledOutputCostsAndSaysSo(t *testing.T) {
	at := time.Date(2026, 11, 30, 5, 17, 39, 0, time.UTC)
	saved := now
	now = func() time.Time { return at }
	defer func() { now = saved }()

	out := newStallingOutput()
	size := len(line(0))
	w := newBufferedWriter(out, time.Hour, 10*size)
	out.set(true, nil)
	_, _ = w.Write(line(0))
	flushed := make(chan error, 1)
	go func() { flushed <- w.Flush() }() // takes line 0 and stalls
	<-out.entered
	noLiveLock(t, "Write", func() {
		for i := 1; i <= 25; i++ {
			_, _ = w.Write(line(i))
		}
	})
	// Lines 1-10 fit; 11-25 do not.
	if got := w.Dropped(); got != 15 {
		t.Errorf("Dropped() = %d, want 15", got)
	}
	out.set(false, nil)
	close(out.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil { // lines 1-10, then the notice
		t.Fatal(err)
	}
	_, _ = w.Write(line(26))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := out.lines()
	var want []string
	for i := 0; i <= 10; i++ {
		want = append(want, string(line(i)))
	}
	want = append(want, `{"time":"2026-11-30T05:17:39Z","level":"WARN","msg":"log lines dropped","dropped":15}`+"\n", string(line(26)))
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Fatalf("output:\n%s\nwant:\n%s", strings.Join(got, ""), strings.Join(want, ""))
	}
	var notice map[string]any
	if err := json.Unmarshal([]byte(want[11]), &notice); err != nil {
		t.Fatal(err)
	}
}

func TestBufferedWriterCountsLinesTheOutputRefuses(t *testing.T) {
	out := newStallingOutput()
	w := NewBufferedWriter(out, time.Hour)
	defer w.Close()
	disk := errors.New("no space left on device")
	out.set(false, disk)
	for i := range 3 {
		_, _ = w.Write(line(i))
	}
	if err := w.Flush(); !errors.Is(err, disk) {
		t.Fatalf("Flush() = %v, want %v", err, disk)
	}
	if got := w.Dropped(); got != 3 {
		t.Fatalf("Dropped() = %d, want 3", got)
	}
	out.set(false, nil)
	_, _ = w.Write(line(3))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got := out.lines()
	if len(got) != 2 || got[0] != string(line(3)) || !strings.Contains(got[1], `"msg":"log lines dropped","dropped":3}`) {
		t.Fatalf("after recovery the output holds %q", got)
	}
}

func TestBufferedWriterKeepsEveryLineWholeUnderConcurrency(t *testing.T) {
	out := newStallingOutput()
	// A bound no test run reaches: this test is about whole lines.
	w := newBufferedWriter(out, time.Millisecond, 1<<30)
	const writers, each = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, _ = w.Write(line(g*each + i))
				if i%500 == 0 {
					_ = w.Flush()
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, l := range out.lines() {
		seen[l] = true
	}
	for n := range writers * each {
		if !seen[string(line(n))] {
			t.Fatalf("line %d missing or torn", n)
		}
	}
	if len(seen) != writers*each || w.Dropped() != 0 {
		t.Fatalf("%d distinct lines, %d dropped", len(seen), w.Dropped())
	}
}

func TestBufferedWriterWriteDoesNotAllocate(t *testing.T) {
	w := NewBufferedWriter(discard{}, time.Hour)
	defer w.Close()
	l := line(0)
	if n := testing.AllocsPerRun(10000, func() { _, _ = w.Write(l) }); n != 0 {
		t.Errorf("%v allocations per Write, want 0", n)
	}
}
