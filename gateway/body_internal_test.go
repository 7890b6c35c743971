package gateway

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// probeReader hands out its data in chunks and records, at every Read,
// how much of the budget is charged.
type probeReader struct {
	data    []byte
	chunk   int
	b       *budget
	given   int64   // bytes handed out so far
	charged []int64 // at each Read: the budget charged beyond 2×given
}

func (p *probeReader) Read(buf []byte) (int, error) {
	p.charged = append(p.charged, p.b.held.Load()-2*p.given)
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := copy(buf, p.data[:min(p.chunk, len(p.data))])
	p.data = p.data[n:]
	p.given += int64(n)
	return n, nil
}

// The buffer grows with the bytes that arrived, never with what the client
// declared: before the first byte, only the first chunk is charged, and
// the charge stays within twice what was read plus that chunk.
func TestReadBodyGrowsAsBytesArrive(t *testing.T) {
	tests := []struct {
		name         string
		size, chunk  int
		limit        int64
		wantTooLarge bool
	}{
		{"empty", 0, 1, 1 << 20, false},
		{"one byte", 1, 1, 1 << 20, false},
		{"small json", 200, 200, 1 << 20, false},
		{"trickled byte by byte", 5000, 1, 1 << 20, false},
		{"exactly the limit", 4096, 1000, 4096, false},
		{"one byte over", 4097, 1000, 4096, true},
		{"far over, in big reads", 1 << 20, 64 << 10, 4096, true},
		{"1 MiB in 32 KiB reads", 1 << 20, 32 << 10, 1 << 20, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(64 << 20)
			p := &probeReader{data: []byte(strings.Repeat("x", tt.size)), chunk: tt.chunk, b: b}
			body, charged, err := readBody(p, tt.limit, b)
			var tooBig *http.MaxBytesError
			if tt.wantTooLarge {
				if !errors.As(err, &tooBig) || b.held.Load() != 0 {
					t.Fatalf("err %v, still charged %d", err, b.held.Load())
				}
				return
			}
			if err != nil || len(body) != tt.size || charged != b.held.Load() || charged != int64(cap(body)) {
				t.Fatalf("len %d err %v charged %d used %d cap %d", len(body), err, charged, b.held.Load(), cap(body))
			}
			for i, over := range p.charged {
				if over > firstChunk {
					t.Fatalf("read %d: charged %d bytes beyond twice what had arrived", i, over)
				}
			}
			b.Release(charged)
		})
	}
}

func TestReadBodyStopsAtTheBudget(t *testing.T) {
	b := newBudget(10_000)
	held, _, err := readBody(strings.NewReader(strings.Repeat("a", 6000)), 1<<20, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := readBody(strings.NewReader(strings.Repeat("b", 6000)), 1<<20, b); !errors.Is(err, errBudget) {
		t.Fatalf("second body: %v, want errBudget", err)
	}
	if got := b.held.Load(); got != int64(cap(held)) {
		t.Fatalf("refused body left %d charged", got-int64(cap(held)))
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadBodyErrorReleases(t *testing.T) {
	b := newBudget(1 << 20)
	if _, _, err := readBody(io.MultiReader(strings.NewReader("abc"), failingReader{}), 1<<20, b); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatal(err)
	}
	if b.held.Load() != 0 {
		t.Fatalf("%d still charged", b.held.Load())
	}
}

func FuzzReadBody(f *testing.F) {
	f.Add(100, 7, int64(50))
	f.Add(0, 1, int64(0))
	f.Add(4096, 4096, int64(4096))
	f.Fuzz(func(t *testing.T, size, chunk int, limit int64) {
		if size < 0 || size > 1<<16 || chunk <= 0 || limit < 0 || limit > 1<<17 {
			t.Skip()
		}
		b := newBudget(1 << 18)
		p := &probeReader{data: make([]byte, size), chunk: chunk, b: b}
		body, charged, err := readBody(p, limit, b)
		if int64(size) > limit {
			if err == nil {
				t.Fatalf("%d bytes over limit %d accepted", size, limit)
			}
		} else if err != nil || len(body) != size {
			t.Fatalf("size %d: %v", size, err)
		}
		b.Release(charged)
		if b.held.Load() != 0 {
			t.Fatalf("%d left charged", b.held.Load())
		}
	})
}
