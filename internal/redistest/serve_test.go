package redistest

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/internal/testproc"
)

// A port taken between FreePort and the server's bind makes redis-server
// exit at once; startServer starts it again on other ports, whether what
// took the port answers nothing or is another redis-server.
func TestStartServerRetriesATakenPort(t *testing.T) {
	t.Run("by a listener", func(t *testing.T) { retriesTakenPort(t, false) })
	t.Run("by another redis-server", func(t *testing.T) { retriesTakenPort(t, true) })
}

func retriesTakenPort(t *testing.T, byRedis bool) {
	bin, err := exec.LookPath("redis-server")
	testproc.Require(t, err == nil, "redis-server not found")
	builds := 0
	var taken []int
	otherPID := 0
	cmd, ports := startServer(t, 1, func(ports []int) *exec.Cmd {
		builds++
		if builds == 1 {
			// Someone else binds the port first.
			taken = append(taken, ports[0])
			if byRedis {
				other := exec.Command(bin, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
				if err := other.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
				otherPID = other.Process.Pid
				cl := plainClient("127.0.0.1:" + strconv.Itoa(ports[0]))
				defer cl.Close()
				waitFor(t, "the other server", func(ctx context.Context) error { return cl.Ping(ctx).Err() })
			} else {
				ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(ports[0]))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { ln.Close() })
			}
		}
		return exec.Command(bin, "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	}, nil)
	if builds != 2 {
		t.Fatalf("%d starts, want 2", builds)
	}
	if ports[0] == taken[0] {
		t.Fatalf("started again on the taken port %d", ports[0])
	}
	cl := plainClient("127.0.0.1:" + strconv.Itoa(ports[0]))
	defer cl.Close()
	info, err := cl.Info(t.Context(), "server").Result()
	if err != nil || !strings.Contains(info, "process_id:"+strconv.Itoa(cmd.Process.Pid)+"\r\n") {
		t.Fatalf("the server on %d is not the one started (%v)", ports[0], err)
	}
	if byRedis && otherPID == cmd.Process.Pid {
		t.Fatal("the other server was taken for the one started")
	}
}
