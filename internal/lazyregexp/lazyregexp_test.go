package lazyregexp

import (
	"sync"
	"testing"
)

func TestCompilesOnFirstUseOnly(t *testing.T) {
	r := New(`^a+(b)$`)
	if r.rx != nil {
		t.Fatal("compiled by New")
	}
	if got := r.String(); got != `^a+(b)$` {
		t.Fatalf("String() = %q", got)
	}
	if r.rx != nil {
		t.Fatal("compiled by String")
	}
	if !r.MatchString("aab") || r.MatchString("ab\n") {
		t.Fatal("wrong match")
	}
	first := r.Regexp()
	if first == nil || r.Regexp() != first {
		t.Fatal("compiled more than once")
	}
}

func TestConcurrentFirstUse(t *testing.T) {
	r := New(`x`)
	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Go(func() { got[i] = r.Regexp() })
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] {
			t.Fatal("two goroutines compiled their own copy")
		}
	}
}

func TestBadPatternPanicsAtFirstUse(t *testing.T) {
	r := New(`(`)
	defer func() {
		if recover() == nil {
			t.Fatal("a pattern that does not compile did not panic")
		}
	}()
	r.MatchString("")
}

func TestMethodsMatchRegexp(t *testing.T) {
	r := New(`(\w)(\d)`)
	re := r.Regexp()
	const s = "a1 b2 c"
	if got, want := r.ReplaceAllString(s, "$2$1"), re.ReplaceAllString(s, "$2$1"); got != want {
		t.Errorf("ReplaceAllString = %q, want %q", got, want)
	}
	if got := r.FindAllString(s, -1); len(got) != 2 || got[1] != "b2" {
		t.Errorf("FindAllString = %q", got)
	}
	if got := r.FindStringSubmatch(s); len(got) != 3 || got[2] != "1" {
		t.Errorf("FindStringSubmatch = %q", got)
	}
	if got := r.Split(s, -1); len(got) != 3 || got[2] != " c" {
		t.Errorf("Split = %q", got)
	}
}
