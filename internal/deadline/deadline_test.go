package deadline_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rampart-api/rampart/internal/deadline"
)

func TestCallReturnsResult(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := deadline.Call(ctx, func(context.Context) (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("got %d, %v", v, err)
	}
	boom := errors.New("boom")
	if _, err := deadline.Call(ctx, func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

// A callee that ignores its context does not hold the caller past it.
func TestCallAbandonsOverstayingCallee(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release, returned := make(chan struct{}), make(chan struct{})
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	_, err := deadline.Call(ctx, func(context.Context) (int, error) {
		close(started)
		<-release // ignores ctx
		close(returned)
		return 1, nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(release)
	<-returned // the abandoned call still finishes
}

func TestCallWithoutDoneRunsInline(t *testing.T) {
	v, err := deadline.Call(context.Background(), func(context.Context) (string, error) { return "x", nil })
	if v != "x" || err != nil {
		t.Fatalf("got %q, %v", v, err)
	}
}
