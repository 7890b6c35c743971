package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
	"github.com/rampart-api/rampart/internal/redistest"
)

// topologyYAML limits each tenant (X-Tenant) to 10 requests an hour on
// /api and locks a username out after 3 failed logins; %[1]s is the
// upstream, %[2]s the rate_limits.redis block.
const topologyYAML = `upstreams:
  app: {url: %[1]s}
rate_limits:
  store: redis
  redis: %[2]s
  on_store_error: %[3]s
  default: [{key: "header:X-Tenant", limit: 10, window: 1h}]
routes:
  - {path: /api, upstream: app, auth: none}
  - path: /login
    methods: [POST]
    upstream: app
    auth: none
    rate_limit: [{limit: 1000, window: 1h}]
    brute_force: {username_field: username, max_failures: 3, window: 1h}
`

// threeGateways builds three gateways from one file, each with its own
// Redis client and pool, as three replicas would have.
func threeGateways(t *testing.T, redisBlock, onStoreError string) []*gateway.Gateway {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(up.Close)
	cfg, diags := config.Parse([]byte(fmt.Sprintf(topologyYAML, up.URL, redisBlock, onStoreError)), "topology.yaml")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var gws []*gateway.Gateway
	for range 3 {
		gw, err := gateway.New(cfg, gateway.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gw.Close() })
		gws = append(gws, gw)
	}
	return gws
}

func tenantRequest(gw http.Handler, tenant string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/api", nil)
	r.RemoteAddr = "203.0.113.5:1234"
	r.Header.Set("X-Tenant", tenant)
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	return w
}

func loginRequest2(gw http.Handler, user string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(`{"username":"`+user+`","password":"wrong"}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = "203.0.113.6:1234"
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	return w
}

// admitted sends perTenant concurrent requests for each tenant, spread
// over gws, and returns how many each tenant got through; any answer but
// 200 or 429 fails the test.
func admitted(t *testing.T, gws []*gateway.Gateway, tenants []string, perTenant int) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k, tenant := range tenants {
		for i := range perTenant {
			wg.Go(func() {
				<-start
				w := tenantRequest(gws[(k+i)%len(gws)], tenant)
				switch w.Code {
				case http.StatusOK:
					mu.Lock()
					got[tenant]++
					mu.Unlock()
				case http.StatusTooManyRequests:
				default:
					t.Errorf("tenant %s: status %d: %s", tenant, w.Code, w.Body)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	return got
}

func TestThreeGatewaysOnARedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	cluster := redistest.StartCluster(t, 3)
	gws := threeGateways(t, fmt.Sprintf(`{mode: cluster, addrs: [%s], timeout: 5s}`, strings.Join(cluster.Addrs, ", ")), "fail_closed")

	tenants := make([]string, 12)
	for i := range tenants {
		tenants[i] = "tenant-" + strconv.Itoa(i)
	}
	got := admitted(t, gws, tenants, 30)
	for _, tenant := range tenants {
		if got[tenant] != 10 {
			t.Errorf("%s: %d admitted across three gateways, want exactly 10", tenant, got[tenant])
		}
	}
	used := 0
	for _, n := range cluster.KeysPerNode(t) {
		if n > 0 {
			used++
		}
	}
	if used < 2 {
		t.Errorf("tenants' counters on %d master(s); their hash tags should spread them", used)
	}

	// Three failures through three different gateways lock the user out
	// through all of them.
	for i := range 3 {
		if w := loginRequest2(gws[i], "victim"); w.Code != http.StatusUnauthorized {
			t.Fatalf("failed login %d through gateway %d: %d %s", i+1, i, w.Code, w.Body)
		}
	}
	for i, gw := range gws {
		if w := loginRequest2(gw, "victim"); w.Code != http.StatusTooManyRequests {
			t.Errorf("gateway %d after the lockout: %d, want 429", i, w.Code)
		}
	}
	if w := loginRequest2(gws[0], "bystander"); w.Code != http.StatusUnauthorized {
		t.Errorf("another user was refused: %d", w.Code)
	}
}

// TestSentinelFailover promotes the replica while three gateways serve
// (asked politely, or because the master was killed),
// and checks that every answer during the failover is what the
// configured on_store_error mode promises, that the gateways find the
// new master on their own, and that limits are exact afterwards.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis with Sentinels")
	}
	for _, tt := range []struct {
		mode string
		kill bool
		// allowed are the answers the mode permits while the master is
		// away.
		allowed []int
	}{
		{"fail_closed", true, []int{http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable}},
		{"local", true, []int{http.StatusOK, http.StatusTooManyRequests}},
		{"fail_closed", false, []int{http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable}},
	} {
		how := "SENTINEL FAILOVER"
		if tt.kill {
			how = "master killed"
		}
		t.Run(tt.mode+", "+how, func(t *testing.T) {
			s := redistest.StartSentinels(t)
			gws := threeGateways(t, fmt.Sprintf(`{mode: sentinel, master_name: %s, addrs: [%s], timeout: 3s}`,
				redistest.SentinelMaster, strings.Join(s.Addrs, ", ")), tt.mode)

			if got := admitted(t, gws, []string{"before"}, 30); got["before"] != 10 {
				t.Fatalf("before the failover: %d admitted, want exactly 10", got["before"])
			}

			// Traffic runs through the failover; each request is a new
			// tenant, so every answer is the store's, not the limit's.
			var stop atomic.Bool
			var mu sync.Mutex
			codes := map[int]int{}
			var wg sync.WaitGroup
			for g := range gws {
				wg.Go(func() {
					for i := 0; !stop.Load(); i++ {
						w := tenantRequest(gws[g], fmt.Sprintf("during-%d-%d", g, i))
						if w.Code == http.StatusServiceUnavailable && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
							t.Errorf("503 without a problem: %q", w.Header().Get("Content-Type"))
						}
						mu.Lock()
						codes[w.Code]++
						mu.Unlock()
						time.Sleep(10 * time.Millisecond)
					}
				})
			}
			from, to := s.Failover(t, tt.kill)
			stop.Store(true)
			wg.Wait()
			// Until each gateway has reached the new master: a fresh
			// tenant's request is admitted and its counter appears
			// there (with local, a fallback would admit it too).
			newMaster := redistest.ClientFor(t, to)
			for g, gw := range gws {
				deadline := time.Now().Add(60 * time.Second)
				for i := 0; ; i++ {
					before, err1 := newMaster.DBSize(context.Background()).Result()
					w := tenantRequest(gw, fmt.Sprintf("probe-%d-%d", g, i))
					after, err2 := newMaster.DBSize(context.Background()).Result()
					if w.Code == http.StatusOK && err1 == nil && err2 == nil && after == before+1 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("gateway %d did not reach the new master %s (was %s) within 60s: last answer %d", g, to, from, w.Code)
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			t.Logf("answers while failing over from %s to %s: %v", from, to, codes)
			for code, n := range codes {
				ok := false
				for _, a := range tt.allowed {
					ok = ok || code == a
				}
				if !ok {
					t.Errorf("%d answers with status %d, which %s does not allow", n, code, tt.mode)
				}
			}

			if got := admitted(t, gws, []string{"after"}, 30); got["after"] != 10 {
				t.Fatalf("after the failover: %d admitted, want exactly 10", got["after"])
			}
		})
	}
}
