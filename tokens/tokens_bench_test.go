package tokens_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/pgtest"
	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/pgstore"
)

// BenchmarkRevoked is the check every request pays: a set of 10,000
// revoked ids, asked about an id that is not in it and one that is.
func BenchmarkRevoked(b *testing.B) {
	set := tokens.NewRevocationSet()
	var rs []tokens.Revocation
	for i := range 10000 {
		rs = append(rs, tokens.Revocation{JTI: fmt.Sprintf("jti-%022d", i), ExpiresAt: time.Now().Add(time.Hour)})
	}
	set.Add(time.Now(), rs...)
	for _, c := range []struct{ name, jti string }{{"miss", "Zm9vYmFyYmF6cXV1eHF1dXg"}, {"hit", rs[5000].JTI}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = set.Revoked(c.jti)
				}
			})
		})
	}
}

// BenchmarkVerifyCached is an ordinary request's authentication with the
// verified-token cache warm, with and without the revocation check.
func BenchmarkVerifyCached(b *testing.B) {
	s := newService(b, baseConfig(sqliteStore(b)))
	pair, err := s.Issue(context.Background(), tokens.Identity{Subject: "bench", Roles: []string{"user"}})
	if err != nil {
		b.Fatal(err)
	}
	v := verifier(b, s, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	if _, err := v.Authenticate(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRefresh(b *testing.B, st tokens.Store) {
	s := newService(b, baseConfig(st))
	ctx := context.Background()
	pair, err := s.Issue(ctx, tokens.Identity{Subject: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	rt := pair.RefreshToken
	start := time.Now()
	for b.Loop() {
		resp, _, err := s.Refresh(ctx, rt)
		if err != nil {
			b.Fatal(err)
		}
		rt = resp.RefreshToken
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "grants/s")
}

func benchRefreshParallel(b *testing.B, st tokens.Store) {
	s := newService(b, baseConfig(st))
	ctx := context.Background()
	// Several exchanges in flight per core, as from many clients: the
	// database's commits overlap.
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		pair, err := s.Issue(ctx, tokens.Identity{Subject: "bench"})
		if err != nil {
			b.Error(err)
			return
		}
		rt := pair.RefreshToken
		for pb.Next() {
			resp, _, err := s.Refresh(ctx, rt)
			if err != nil {
				b.Error(err)
				return
			}
			rt = resp.RefreshToken
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "grants/s")
}

// BenchmarkRefresh is refresh-token rotation (one transaction: retire the
// old token, record the new pair) plus signing, per store.
func BenchmarkRefresh(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRefresh(b, sqliteStore(b)) })
	b.Run("sqlite-parallel", func(b *testing.B) { benchRefreshParallel(b, sqliteStore(b)) })
	b.Run("postgres", func(b *testing.B) { benchRefresh(b, pgStore(b)) })
	b.Run("postgres-parallel", func(b *testing.B) { benchRefreshParallel(b, pgStore(b)) })
}

// BenchmarkLoginExchange is the time the exchange adds to a login: the
// same upstream answer with and without it, p50 reported.
func BenchmarkLoginExchange(b *testing.B) {
	s := newService(b, baseConfig(sqliteStore(b)))
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(tokens.LoginSubjectHeader, "user-1")
		w.Header().Set(tokens.LoginRolesHeader, "user")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	mw, err := s.LoginExchange(tokens.LoginConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"upstream-only", upstream}, {"with-exchange", mw(upstream)}} {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				r := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"email":"a","password":"b"}`))
				w := httptest.NewRecorder()
				t0 := time.Now()
				c.h.ServeHTTP(w, r)
				lat = append(lat, time.Since(t0))
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

func pgStore(b *testing.B) tokens.Store {
	u := pgtest.Schema(b)
	st, err := pgstore.Open(context.Background(), u)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}
