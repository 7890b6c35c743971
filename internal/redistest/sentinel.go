package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/testproc"
)

// SentinelMaster is the name the Sentinels of [StartSentinels] monitor.
const SentinelMaster = "rampart-test"

// Sentinels is a master, one replica and three Sentinels that a test
// owns, on free loopback ports in a temporary folder.
type Sentinels struct {
	// Addrs are the Sentinels' host:port.
	Addrs []string
	// Servers are the master's and the replica's host:port, in the order
	// they started (the first is the first master).
	Servers []string
	procs   map[string]*exec.Cmd
}

// StartSentinels starts a master, a replica of it and three Sentinels
// with a quorum of two, waits until the replica is in sync and every
// Sentinel knows the replica and the two other Sentinels (so that a
// failover can happen), and stops them all when the test ends. Without
// redis-server or redis-sentinel the test is skipped (failed under CI).
func StartSentinels(t testing.TB) *Sentinels {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	testproc.Require(t, err == nil, "redis-server not found (apt-get install redis-server)")
	sentinel, err := exec.LookPath("redis-sentinel")
	testproc.Require(t, err == nil, "redis-sentinel not found (apt-get install redis-sentinel)")
	dir := t.TempDir()
	s := &Sentinels{procs: map[string]*exec.Cmd{}}
	masterPort := 0
	for i := range 2 {
		cmd, ports := startServer(t, 1, func(ports []int) *exec.Cmd {
			args := []string{"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
				"--dbfilename", fmt.Sprintf("dump-%d.rdb", i)}
			if i == 1 {
				args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(masterPort))
			}
			return exec.Command(server, args...)
		}, nil)
		if i == 0 {
			masterPort = ports[0]
		}
		s.Servers = append(s.Servers, "127.0.0.1:"+strconv.Itoa(ports[0]))
		s.procs[s.Servers[i]] = cmd
	}
	waitFor(t, "the replica in sync", func(ctx context.Context) error {
		cl := goredis.NewClient(&goredis.Options{Addr: s.Servers[1], MaxRetries: -1})
		defer cl.Close()
		info, err := cl.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("replication: %s", info)
		}
		return nil
	})
	for i := range 3 {
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", i))
		_, ports := startServer(t, 1, func(ports []int) *exec.Cmd {
			// A Sentinel rewrites its file, so each has its own.
			text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\nsentinel down-after-milliseconds %[3]s 2000\nsentinel failover-timeout %[3]s 10000\n",
				ports[0], dir, SentinelMaster, masterPort)
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			return exec.Command(sentinel, conf)
		}, nil)
		s.Addrs = append(s.Addrs, "127.0.0.1:"+strconv.Itoa(ports[0]))
	}
	for _, a := range s.Addrs {
		waitFor(t, "Sentinel "+a+" to know the replica and the other Sentinels", func(ctx context.Context) error {
			cl := goredis.NewSentinelClient(&goredis.Options{Addr: a, MaxRetries: -1})
			defer cl.Close()
			m, err := cl.Master(ctx, SentinelMaster).Result()
			if err != nil {
				return err
			}
			if m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
				return fmt.Errorf("replicas %s, other Sentinels %s", m["num-slaves"], m["num-other-sentinels"])
			}
			return nil
		})
	}
	return s
}

// Master asks the first Sentinel that answers for the master's host:port.
func (s *Sentinels) Master(ctx context.Context) (string, error) {
	var last error
	for _, a := range s.Addrs {
		cl := goredis.NewSentinelClient(&goredis.Options{Addr: a, MaxRetries: -1})
		addr, err := cl.GetMasterAddrByName(ctx, SentinelMaster).Result()
		cl.Close()
		if err == nil && len(addr) == 2 {
			return addr[0] + ":" + addr[1], nil
		}
		last = err
	}
	return "", fmt.Errorf("no Sentinel named the master: %w", last)
}

// Failover makes the Sentinels promote the replica and waits until every
// Sentinel names the new master and it accepts writes. With kill, the
// master is killed (SIGKILL) and the Sentinels notice it down on their
// own; otherwise SENTINEL FAILOVER asks for the switch, and Failover
// also waits until the old master is the new one's replica, in sync.
func (s *Sentinels) Failover(t testing.TB, kill bool) (from, to string) {
	t.Helper()
	ctx := context.Background()
	from, err := s.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kill {
		if err := s.procs[from].Process.Kill(); err != nil {
			t.Fatal(err)
		}
	} else {
		cl := goredis.NewSentinelClient(&goredis.Options{Addr: s.Addrs[0], MaxRetries: -1})
		err := cl.Failover(ctx, SentinelMaster).Err()
		cl.Close()
		if err != nil {
			t.Fatalf("SENTINEL FAILOVER: %v", err)
		}
	}
	for _, a := range s.Addrs {
		waitFor(t, "Sentinel "+a+" to name the new master", func(ctx context.Context) error {
			sc := goredis.NewSentinelClient(&goredis.Options{Addr: a, MaxRetries: -1})
			defer sc.Close()
			addr, err := sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
			if err != nil {
				return err
			}
			if got := addr[0] + ":" + addr[1]; got == from {
				return fmt.Errorf("still %s", got)
			} else if to == "" {
				to = got
			} else if got != to {
				return fmt.Errorf("Sentinels disagree: %s and %s", to, got)
			}
			return nil
		})
	}
	waitFor(t, "the new master to accept writes", func(ctx context.Context) error {
		c := goredis.NewClient(&goredis.Options{Addr: to, MaxRetries: -1})
		defer c.Close()
		return c.Set(ctx, "rampart-test:failover-probe", "1", 0).Err()
	})
	if kill {
		return from, to
	}
	waitFor(t, "the old master to follow the new one", func(ctx context.Context) error {
		c := goredis.NewClient(&goredis.Options{Addr: from, MaxRetries: -1})
		defer c.Close()
		info, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "role:slave") || !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("replication: %s", info)
		}
		return nil
	})
	return from, to
}

// ClientFor returns a plain client for one server of a topology a test
// owns, closed when the test ends.
func ClientFor(t testing.TB, addr string) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}
