package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/testproc"
)

// readyTimeout bounds each wait for servers to come up or agree; it is
// generous because CI machines are small and busy.
const readyTimeout = 60 * time.Second

// Cluster is a Redis Cluster of masters without replicas that a test
// owns, on free loopback ports in a temporary folder.
type Cluster struct {
	// Addrs are the masters' host:port.
	Addrs []string
}

// StartCluster starts n redis-server processes in cluster mode, joins
// them with redis-cli --cluster create, waits until every node reports
// the cluster ok with all 16384 slots, and stops them when the test ends.
// Without redis-server or redis-cli the test is skipped (failed under
// CI).
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	testproc.Require(t, err == nil, "redis-server not found (apt-get install redis-server)")
	cli, err := exec.LookPath("redis-cli")
	testproc.Require(t, err == nil, "redis-cli not found (apt-get install redis-tools)")
	dir := t.TempDir()
	c := &Cluster{}
	for range n {
		_, ports := startServer(t, 2, func(ports []int) *exec.Cmd {
			port, bus := strconv.Itoa(ports[0]), strconv.Itoa(ports[1])
			return exec.Command(server,
				"--port", port, "--bind", "127.0.0.1",
				"--cluster-enabled", "yes", "--cluster-port", bus,
				"--cluster-config-file", filepath.Join(dir, "nodes-"+port+".conf"),
				"--cluster-node-timeout", "5000", "--dir", dir,
				"--save", "", "--appendonly", "no")
		}, nil)
		c.Addrs = append(c.Addrs, "127.0.0.1:"+strconv.Itoa(ports[0]))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range c.Addrs {
		waitFor(t, "cluster ok on "+a, func(ctx context.Context) error {
			cl := goredis.NewClient(&goredis.Options{Addr: a, MaxRetries: -1})
			defer cl.Close()
			info, err := cl.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			for _, want := range []string{"cluster_state:ok", "cluster_slots_ok:16384", "cluster_known_nodes:" + strconv.Itoa(n)} {
				if !strings.Contains(info, want) {
					return fmt.Errorf("no %s yet", want)
				}
			}
			return nil
		})
	}
	return c
}

// Client returns a cluster client seeded with every node, closed when the
// test ends.
func (c *Cluster) Client(t testing.TB) *goredis.ClusterClient {
	t.Helper()
	cl := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { cl.Close() })
	waitFor(t, "a cluster client's first command", func(ctx context.Context) error { return cl.Ping(ctx).Err() })
	return cl
}

// KeysPerNode counts the keys on each master, in the order of Addrs.
func (c *Cluster) KeysPerNode(t testing.TB) []int64 {
	t.Helper()
	counts := make([]int64, len(c.Addrs))
	for i, a := range c.Addrs {
		cl := goredis.NewClient(&goredis.Options{Addr: a})
		n, err := cl.DBSize(context.Background()).Result()
		cl.Close()
		if err != nil {
			t.Fatalf("DBSIZE on %s: %v", a, err)
		}
		counts[i] = n
	}
	return counts
}

// waitFor polls cond every 100ms until it returns nil, failing the test
// after readyTimeout with cond's last error.
func waitFor(t testing.TB, what string, cond func(ctx context.Context) error) {
	t.Helper()
	if err := poll(cond, nil); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// poll calls cond every 100ms until it returns nil, and returns nil; or
// errExited as soon as exited (nil: never) is closed; or, after
// readyTimeout, cond's last error.
func poll(cond func(ctx context.Context) error, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := cond(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errExited
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no success within %v: %w", readyTimeout, err)
		}
		select {
		case <-exited:
			return errExited
		case <-time.After(100 * time.Millisecond):
		}
	}
}
