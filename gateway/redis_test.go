package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rampart-api/rampart/config"
)

// TestRedisClientKinds builds each kind of client without dialling and
// checks that no error quotes a password.
func TestRedisClientKinds(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("hunter2"), 0o600); err != nil {
		t.Fatal(err)
	}
	pw := config.NewSecret("hunter2")
	tests := []struct {
		name    string
		r       config.Redis
		kind    string
		wantErr string
	}{
		{"single", config.Redis{URL: config.NewSecret("redis://127.0.0.1:6379/0"), Password: pw}, "*redis.Client", ""},
		{"cluster", config.Redis{Mode: config.RedisCluster, Addrs: []string{"127.0.0.1:7000"}, Password: pw}, "*redis.ClusterClient", ""},
		{"sentinel", config.Redis{Mode: config.RedisSentinel, MasterName: "m", Addrs: []string{"127.0.0.1:26379"}, Password: pw}, "*redis.Client", ""},
		{"cluster over TLS", config.Redis{Mode: config.RedisCluster, Addrs: []string{"127.0.0.1:7000"}, TLS: &config.RedisTLS{ServerName: "redis"}}, "*redis.ClusterClient", ""},
		{"bad URL with a password", config.Redis{URL: config.NewSecret("redis://:hunter2@[::1")}, "", "url is not a valid Redis URL"},
		{"missing CA file", config.Redis{Mode: config.RedisCluster, Addrs: []string{"127.0.0.1:7000"}, TLS: &config.RedisTLS{CAFile: filepath.Join(dir, "nope.pem")}}, "", "tls: ca_file:"},
		{"CA file without a certificate", config.Redis{Mode: config.RedisCluster, Addrs: []string{"127.0.0.1:7000"}, TLS: &config.RedisTLS{CAFile: notPEM}}, "", "holds no PEM certificate"},
		{"client key missing", config.Redis{Mode: config.RedisCluster, Addrs: []string{"127.0.0.1:7000"}, TLS: &config.RedisTLS{CertFile: notPEM, KeyFile: filepath.Join(dir, "nope.key")}}, "", "cert_file/key_file"},
		{"unknown mode", config.Redis{Mode: "ring"}, "", `mode "ring"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := redisClient(&tt.r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := typeName(c); got != tt.kind {
				t.Fatalf("client %s, want %s", got, tt.kind)
			}
		})
	}
}

func typeName(c goredis.UniversalClient) string {
	switch c.(type) {
	case *goredis.ClusterClient:
		return "*redis.ClusterClient"
	case *goredis.Client:
		return "*redis.Client"
	}
	return "other"
}

func TestRedisSettingsTellClientsApart(t *testing.T) {
	a := &config.Redis{Mode: config.RedisCluster, Addrs: []string{"a:1"}, Password: config.NewSecret("x")}
	b := &config.Redis{Mode: config.RedisCluster, Addrs: []string{"a:1"}, Password: config.NewSecret("y")}
	c := &config.Redis{Mode: config.RedisSentinel, Addrs: []string{"a:1"}, MasterName: "m"}
	if redisSettings(a) == redisSettings(b) || redisSettings(a) == redisSettings(c) {
		t.Fatal("different Redis settings share one client")
	}
	if redisSettings(a) != redisSettings(&config.Redis{Mode: config.RedisCluster, Addrs: []string{"a:1"}, Password: config.NewSecret("x")}) {
		t.Fatal("equal settings do not share a client")
	}
}
