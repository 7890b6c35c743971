package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"log/slog"

	"github.com/rampart-api/rampart"
)

// accessPair logs the same request through the slog JSON handler and
// through the fast encoder and returns both lines.
func accessPair(t testing.TB, at time.Time, method, path, id, route, subject string, ip netip.Addr, status int, n int64, d time.Duration) (slogLine, fastLine string) {
	t.Helper()
	saved := now
	now = func() time.Time { return at }
	defer func() { now = saved }()
	r := httptest.NewRequest("GET", "/", nil)
	r.Method = method
	r.URL.Path = path
	r, info := rampart.WithInfo(r)
	info.RequestID, info.Route, info.ClientIP = id, route, ip
	if subject != "" {
		info.Principal = &rampart.Principal{Subject: subject}
	}
	var a, b bytes.Buffer
	NewAccessLog(slog.NewJSONHandler(&a, nil)).Log(r, status, n, d)
	NewJSONAccessLog(&b).Log(r, status, n, d)
	return a.String(), b.String()
}

func TestJSONAccessLogWritesTheSlogLine(t *testing.T) {
	at := time.Date(2026, 11, 30, 5, 17, 39, 123456789, time.FixedZone("X", 3600))
	v4, v6 := netip.MustParseAddr("198.51.100.4"), netip.MustParseAddr("2001:db8::1")
	cases := []struct {
		name, method, path, id, route, subject string
		ip                                     netip.Addr
		status                                 int
		bytes                                  int64
		d                                      time.Duration
	}{
		{"plain GET", "GET", "/api/notes/42", "0123456789abcdef-1", "/api/notes/{id}", "", v4, 200, 103, 1500 * time.Microsecond},
		{"subject and IPv6", "POST", "/api/notes", "rid", "/api/notes", "user-7", v6, 201, 0, 42 * time.Millisecond},
		{"no route, no client ip", "GET", "/nowhere", "x", "", "", netip.Addr{}, 404, 120, 0},
		{"quotes and backslashes in the path", "GET", `/a"b\c`, "id", "", "", v4, 400, 1, time.Microsecond},
		{"script tag in the path", "GET", "/<script>alert(1)</script>&x", "id", "", "", v4, 404, 1, time.Second},
		{"control characters", "GET", "/a\x00b\x1f\n\t", "id", "", "", v4, 400, 1, 3 * time.Millisecond},
		{"non-ASCII and invalid UTF-8", "GET", "/caf\u00e9/\xff\xfe/\u2028", "id", "", "\u00fcser", v4, 200, 1, time.Hour},
		{"very long duration", "GET", "/", "id", "", "", v4, 200, 1 << 40, 1000 * time.Hour},
		{"zero duration", "GET", "/", "", "", "", netip.Addr{}, 499, 0, 0},
		{"IPv4-mapped IPv6 with zone", "GET", "/", "id", "", "", netip.MustParseAddr("::ffff:10.0.0.1%eth0"), 200, 1, time.Nanosecond},
		{"zone with HTML characters", "GET", "/", "id", "", "", netip.MustParseAddr("fe80::1%<script>&"), 200, 1, time.Nanosecond},
		{"zone with a quote and a backslash", "GET", "/", "id", "", "", netip.MustParseAddr(`fe80::1%a"b\c`), 200, 1, time.Nanosecond},
		{"quote and backslash in every text", "PO\"ST", `/\"`, `i"d\`, `/r"\`, `s\u"`, v4, 200, 1, time.Nanosecond},
		{"duration under a microsecond", "GET", "/", "id", "", "", v4, 200, 1, 999 * time.Nanosecond},
		{"negative duration and bytes", "GET", "/", "id", "", "", v4, -1, -5, -3 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, got := accessPair(t, at, tc.method, tc.path, tc.id, tc.route, tc.subject, tc.ip, tc.status, tc.bytes, tc.d)
			if got != want {
				t.Errorf("fast line differs from slog's:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzJSONAccessLogWritesTheSlogLine(f *testing.F) {
	f.Add("GET", "/api/notes/42", "rid", "/api/notes/{id}", "", int64(1500), 200, int64(103), int64(1764479859123456789))
	f.Add("POST", "/<a>&\"\\\x00\xff\u2028", "id", "", "s\u00fc", int64(0), 404, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, method, path, id, route, subject string, micros int64, status int, n int64, unixNano int64) {
		at := time.Unix(0, unixNano).UTC()
		want, got := accessPair(t, at, method, path, id, route, subject, netip.MustParseAddr("203.0.113.9"), status, n, time.Duration(micros)*time.Microsecond)
		if got != want {
			t.Errorf("fast line differs from slog's:\n got %q\nwant %q", got, want)
		}
	})
}

func TestJSONAccessLogDoesNotAllocate(t *testing.T) {
	a := NewJSONAccessLog(discard{})
	r, info := rampart.WithInfo(httptest.NewRequest("GET", "/api/notes/1", nil))
	info.RequestID, info.Route, info.ClientIP = "0123456789abcdef-1", "/api/notes/{id}", netip.MustParseAddr("198.51.100.4")
	info.Principal = &rampart.Principal{Subject: "user-1"}
	if n := testing.AllocsPerRun(1000, func() { a.Log(r, 200, 42, time.Millisecond) }); n != 0 {
		t.Errorf("%v allocations per line, want 0", n)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Lines encoded at once in pooled buffers never carry each other's text,
// long ones (past what the pool keeps) included.
func TestJSONAccessLogConcurrentLinesStayApart(t *testing.T) {
	sink := newStallingOutput()
	a := NewJSONAccessLog(sink)
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("g%d-%d", g, i)
				path := "/notes/" + id
				if i%50 == 0 {
					path += "/" + strings.Repeat("x", maxPooledLine)
				}
				r, info := rampart.WithInfo(httptest.NewRequest("GET", "/", nil))
				r.URL.Path = path
				info.RequestID, info.ClientIP = id, netip.MustParseAddr("198.51.100.4")
				a.Log(r, 200, int64(i), time.Duration(i)*time.Microsecond)
			}
		}()
	}
	wg.Wait()
	lines := sink.lines()
	if len(lines) != workers*each {
		t.Fatalf("%d lines, want %d", len(lines), workers*each)
	}
	seen := map[string]bool{}
	for _, line := range lines {
		var rec struct {
			Path      string `json:"path"`
			RequestID string `json:"request_id"`
			Bytes     int64  `json:"bytes"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line is not JSON (%v): %.200q", err, line)
		}
		if !strings.HasPrefix(rec.Path, "/notes/"+rec.RequestID) || seen[rec.RequestID] {
			t.Fatalf("line mixes requests or repeats one: %.200q", line)
		}
		seen[rec.RequestID] = true
	}
}

func TestTextClass(t *testing.T) {
	if len(textClass) != 256 {
		t.Fatalf("textClass has %d entries", len(textClass))
	}
	for c := range 256 {
		want := byte(0)
		switch {
		case c == '"' || c == '\\':
			want = 2
		case c >= 0x20 && c <= 0x7e && c != '<' && c != '>' && c != '&':
			want = 1
		}
		if textClass[c] != want {
			t.Errorf("textClass[%#x] = %d, want %d", c, textClass[c], want)
		}
	}
}

// TestDurationMSWritesTheFloat holds the integer formatting of a duration
// to encoding/json's text of the float the slog line carries: every
// microsecond up to two seconds, both sides of each power of ten up to
// the bound, and the durations left to slog (negative, past the bound).
func TestDurationMSWritesTheFloat(t *testing.T) {
	check := func(d time.Duration) {
		t.Helper()
		got, ok := appendDurationMS(nil, d)
		if us := d.Microseconds(); us < 0 || us >= 1e15 {
			if ok {
				t.Fatalf("%v (%d µs): wrote %s, want it left to slog", d, us, got)
			}
			return
		}
		want, err := json.Marshal(durationMS(d))
		if err != nil {
			t.Fatal(err)
		}
		if !ok || string(got) != string(want) {
			t.Fatalf("%v (%d µs): %s, %v; want %s", d, d.Microseconds(), got, ok, want)
		}
	}
	for us := int64(0); us <= 2_000_000; us++ {
		check(time.Duration(us) * time.Microsecond)
	}
	for p := int64(10); p <= 1e17; p *= 10 {
		for _, us := range []int64{p - 1, p, p + 1, p + 7, p*3 - 11} {
			check(time.Duration(us) * time.Microsecond)
		}
	}
	for _, d := range []time.Duration{-1, -999, -1000, -1500 * time.Microsecond, -time.Hour, 999, 1001, math.MaxInt64, math.MinInt64,
		time.Duration(1e15-1) * time.Microsecond, time.Duration(1e15) * time.Microsecond} {
		check(d)
	}
}

func FuzzDurationMS(f *testing.F) {
	f.Add(int64(1234567))
	f.Add(int64(-1))
	f.Fuzz(func(t *testing.T, ns int64) {
		d := time.Duration(ns)
		got, ok := appendDurationMS(nil, d)
		if !ok {
			if us := d.Microseconds(); us >= 0 && us < 1e15 {
				t.Fatalf("%d ns left to slog", ns)
			}
			return
		}
		if want, err := json.Marshal(durationMS(d)); err != nil || string(got) != string(want) {
			t.Fatalf("%d ns: %s, want %s (%v)", ns, got, want, err)
		}
	})
}

// TestAppendTimeFormatsAsRFC3339Nano holds the cached second to
// time.RFC3339Nano across locations, offsets that change (daylight saving
// in both directions, a historic offset with seconds), fractions with
// and without trailing zeros, and seconds visited out of order.
func TestAppendTimeFormatsAsRFC3339Nano(t *testing.T) {
	var locs []*time.Location
	for _, name := range []string{"UTC", "Local", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "Europe/Amsterdam"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("LoadLocation(%s): %v", name, err)
		}
		locs = append(locs, loc)
	}
	locs = append(locs, time.FixedZone("odd", -(3*3600+25*60+52)), time.FixedZone("east", 5*3600+45*60))
	check := func(tm time.Time) {
		t.Helper()
		if y := tm.Year(); y < 0 || y >= 10000 {
			return // the slog handler writes these lines
		}
		if got, want := appendTime(nil, tm), tm.Round(0).AppendFormat(nil, time.RFC3339Nano); string(got) != string(want) {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
	edges := []time.Time{
		time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC),    // New York springs forward
		time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC),   // and falls back
		time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC),   // London, Amsterdam
		time.Date(2026, 10, 3, 15, 30, 0, 0, time.UTC), // Lord Howe's half hour
		time.Date(1883, 11, 18, 17, 0, 0, 0, time.UTC), // New York's local mean time
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Now(),
	}
	fracs := []int{0, 1, 10, 100_000_000, 120_000_000, 999_999_999, 500_000_000, 123_456_789, 100}
	for _, loc := range locs {
		for _, e := range edges {
			for s := -3; s <= 3; s++ {
				for _, f := range fracs {
					check(e.Add(time.Duration(s) * time.Second).Add(time.Duration(f)).In(loc))
				}
			}
			// The same second in another location, then back.
			check(e.In(loc))
			check(e.In(time.UTC))
			check(e.In(loc))
		}
	}
	for i := range 20000 {
		// Wall clock readings carry a monotonic reading, which the text
		// leaves out.
		check(time.Now().In(locs[i%len(locs)]))
	}
}
