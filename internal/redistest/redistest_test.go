package redistest_test

import (
	"context"
	"testing"

	"github.com/rampart-api/rampart/internal/redistest"
)

func TestURLFromEnvironment(t *testing.T) {
	t.Setenv("RAMPART_TEST_REDIS", "redis://10.0.0.1:6380/3")
	if got := redistest.URL(); got != "redis://10.0.0.1:6380/3" {
		t.Fatalf("URL() = %q", got)
	}
	t.Setenv("RAMPART_TEST_REDIS", "")
	if got := redistest.URL(); got != redistest.DefaultURL {
		t.Fatalf("URL() without RAMPART_TEST_REDIS = %q, want %q", got, redistest.DefaultURL)
	}
}

// TestClientDeletesOnlyItsPrefix checks that the keys a test writes under
// its prefix are gone when it ends and that a neighbour's keys are not.
func TestClientDeletesOnlyItsPrefix(t *testing.T) {
	c, other := redistest.Client(t)
	ctx := context.Background()
	if err := c.Set(ctx, other+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var mine string
	t.Run("inner", func(t *testing.T) {
		ci, prefix := redistest.Client(t)
		if prefix == other {
			t.Fatalf("two tests share the prefix %q", prefix)
		}
		mine = prefix
		if err := ci.Set(ctx, prefix+"a", "1", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	if n, err := c.Exists(ctx, mine+"a").Result(); err != nil || n != 0 {
		t.Fatalf("key under the ended test's prefix: exists=%d err=%v", n, err)
	}
	if n, err := c.Exists(ctx, other+"k").Result(); err != nil || n != 1 {
		t.Fatalf("neighbour's key: exists=%d err=%v", n, err)
	}
}
