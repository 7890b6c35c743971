package redistest

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/testproc"
)

// startTries is how many times startServer picks new ports for a server
// that exits before it answers.
const startTries = 5

// errExited is a server that ended before it answered.
var errExited = errors.New("the server exited before it answered")

// startServer starts the server that build makes for n loopback ports,
// each free a moment before, and waits until it answers on the first
// (through a client from dial when not nil, else in plain text without a
// password) with its own process id, not another server's that holds the
// port; it kills the server when the test ends. A port can be taken
// between that moment and the server's bind, by another test's server or
// by the local end of any outgoing connection, and the server then exits
// at once; it is started again on other ports, up to startTries times.
// A server that does not answer fails the test with its output.
func startServer(t testing.TB, n int, build func(ports []int) *exec.Cmd, dial func(addr string) *goredis.Client) (*exec.Cmd, []int) {
	t.Helper()
	if dial == nil {
		dial = plainClient
	}
	for try := 1; ; try++ {
		ports := make([]int, n)
		for i := range ports {
			ports[i] = testproc.FreePort(t)
		}
		cmd := build(ports)
		out := &testproc.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		// A child the server forked (an RDB for a replica) may hold the
		// output open after the server is killed.
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			_ = cmd.Wait()
			close(exited)
		}()
		addr := "127.0.0.1:" + strconv.Itoa(ports[0])
		err := answers(addr, cmd.Process.Pid, exited, dial)
		if err == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Signal(syscall.SIGCONT)
				_ = cmd.Process.Kill()
				<-exited
			})
			return cmd, ports
		}
		_ = cmd.Process.Kill()
		<-exited
		if errors.Is(err, errExited) && try < startTries {
			t.Logf("%s on %s exited before it answered; starting it on other ports:\n%s", filepath.Base(cmd.Path), addr, out)
			continue
		}
		t.Fatalf("%s on %s: %v\n%s", filepath.Base(cmd.Path), addr, err, out)
	}
}

// plainClient is a client of addr in plain text.
func plainClient(addr string) *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
}

// answers waits until the server on addr says it is process pid, or the
// process exits, or readyTimeout passes.
func answers(addr string, pid int, exited <-chan struct{}, dial func(addr string) *goredis.Client) error {
	cl := dial(addr)
	defer cl.Close()
	want := "process_id:" + strconv.Itoa(pid) + "\r\n"
	return poll(func(ctx context.Context) error {
		info, err := cl.Info(ctx, "server").Result()
		if err == nil && !strings.Contains(info, want) {
			err = errors.New("another server answers on the port")
		}
		return err
	}, exited)
}
