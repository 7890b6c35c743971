package redistest

import (
	"context"
	"crypto/tls"
	"os/exec"
	"strconv"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/internal/testproc"
)

// StartTLS starts redis-server accepting only TLS on a free loopback port,
// with the certificate and key in the PEM files given, requiring password
// (none when empty) and no client certificate. It waits until a client
// using clientTLS answers, and stops the server when the test ends.
func StartTLS(t testing.TB, certFile, keyFile, password string, clientTLS *tls.Config) *Process {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	testproc.Require(t, err == nil, "redis-server not found")
	port := testproc.FreePort(t)
	p := &Process{Addr: "127.0.0.1:" + strconv.Itoa(port)}
	args := []string{"--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-auth-clients", "no",
		"--save", "", "--appendonly", "no"}
	if password != "" {
		args = append(args, "--requirepass", password)
	}
	p.cmd = exec.Command(bin, args...)
	startOwned(t, p.cmd)
	waitFor(t, "TLS PING on "+p.Addr, func(ctx context.Context) error {
		c := goredis.NewClient(&goredis.Options{Addr: p.Addr, Password: password, TLSConfig: clientTLS.Clone(), MaxRetries: -1})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
	return p
}
