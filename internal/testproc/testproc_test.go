package testproc_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/testproc"
)

func TestFreePortIsFree(t *testing.T) {
	port := testproc.FreePort(t)
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d is not free: %v", port, err)
	}
	ln.Close()
}

// TestWaitHTTPWaitsForStatus serves 503 twice before 200: WaitHTTP
// returns only once the wanted status comes.
func TestWaitHTTPWaitsForStatus(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	testproc.WaitHTTP(t, srv.URL, http.StatusOK, 10*time.Second, nil, nil)
	if n := calls.Load(); n != 3 {
		t.Fatalf("returned after %d requests, want 3", n)
	}
}

func TestRequireSkipsLocally(t *testing.T) {
	t.Setenv("CI", "")
	ran := false
	t.Run("missing", func(t *testing.T) {
		testproc.Require(t, false, "tool %s not installed", "x")
		ran = true
	})
	if ran {
		t.Fatal("Require(false) did not stop the test")
	}
	testproc.Require(t, true, "never shown")
}

func TestBufferConcurrent(t *testing.T) {
	var b testproc.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			_, _ = b.Write([]byte("x"))
		}
	}()
	for range 100 {
		_ = b.String()
	}
	<-done
	if got := b.String(); len(got) != 100 {
		t.Fatalf("%d bytes, want 100", len(got))
	}
}
