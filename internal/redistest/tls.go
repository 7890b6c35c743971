package redistest

import (
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
	p := &Process{}
	cmd, ports := startServer(t, 1, func(ports []int) *exec.Cmd {
		args := []string{"--port", "0", "--tls-port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1",
			"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-auth-clients", "no",
			"--save", "", "--appendonly", "no"}
		if password != "" {
			args = append(args, "--requirepass", password)
		}
		return exec.Command(bin, args...)
	}, func(addr string) *goredis.Client {
		return goredis.NewClient(&goredis.Options{Addr: addr, Password: password, TLSConfig: clientTLS.Clone(), MaxRetries: -1})
	})
	p.cmd, p.Addr = cmd, "127.0.0.1:"+strconv.Itoa(ports[0])
	return p
}
