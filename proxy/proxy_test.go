package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/clientip"
	"github.com/rampart-api/rampart/problem"
	"github.com/rampart-api/rampart/proxy"
	"github.com/rampart-api/rampart/secureheaders"
)

type seen struct {
	header http.Header
	path   string
	host   string
}

func upstream(t *testing.T, h http.HandlerFunc) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.header = r.Header.Clone()
		s.path = r.URL.EscapedPath()
		s.host = r.Host
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func newProxy(t *testing.T, cfg proxy.Config) *proxy.Proxy {
	t.Helper()
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func serve(p http.Handler, r *http.Request) *httptest.ResponseRecorder {
	r, info := rampart.WithInfo(r)
	info.RequestID = "rid-1"
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	return w
}

func TestForwardedHeaders(t *testing.T) {
	srv, s := upstream(t, func(w http.ResponseWriter, _ *http.Request) {})
	trusted, _ := clientip.New([]string{"10.0.0.0/8"})
	p := newProxy(t, proxy.Config{Target: srv.URL + "/base", Proxies: trusted})
	tests := []struct {
		name                         string
		remote                       string
		in                           map[string]string
		wantXFF, wantProto, wantHost string
		wantReal                     string
	}{
		{"untrusted peer's copies discarded", "203.0.113.9:5000",
			map[string]string{"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "Forwarded": "for=1.2.3.4"},
			"203.0.113.9", "http", "api.example.com", "203.0.113.9"},
		{"trusted proxy chain kept", "10.0.0.5:5000",
			map[string]string{"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example"},
			"198.51.100.1, 10.0.0.5", "https", "public.example", "198.51.100.1"},
		{"trusted proxy, junk proto", "10.0.0.5:5000",
			map[string]string{"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "a b"},
			"10.0.0.5", "http", "api.example.com", "10.0.0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://api.example.com/api/x", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.in {
				r.Header.Set(k, v)
			}
			r.Header.Set("Connection", "Upgrade, X-Secret")
			r.Header.Set("Upgrade", "h2c")
			r.Header.Set("X-Secret", "hop")
			r.Header.Set("Keep-Alive", "timeout=5")
			w := serve(p, r)
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			h := s.header
			if h.Get("X-Forwarded-For") != tt.wantXFF || h.Get("X-Forwarded-Proto") != tt.wantProto || h.Get("X-Forwarded-Host") != tt.wantHost {
				t.Fatalf("forwarded %q %q %q", h.Get("X-Forwarded-For"), h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Host"))
			}
			if got, want := h.Values("Forwarded"), "for="+tt.wantReal+";host="+tt.wantHost+";proto="+tt.wantProto; len(got) != 1 || got[0] != want {
				t.Errorf("Forwarded %q, want %q", got, want)
			}
			if got := h.Values("X-Real-Ip"); len(got) != 1 || got[0] != tt.wantReal {
				t.Errorf("X-Real-IP %q, want %q", got, tt.wantReal)
			}
			for _, k := range []string{"Upgrade", "X-Secret", "Keep-Alive"} {
				if h.Get(k) != "" {
					t.Errorf("%s reached the upstream", k)
				}
			}
			if s.path != "/base/api/x" {
				t.Errorf("path %q", s.path)
			}
		})
	}
}

func TestResponseScrubbing(t *testing.T) {
	policy, _ := secureheaders.New(secureheaders.Config{})
	var logBuf bytes.Buffer
	tests := []struct {
		name       string
		status     int
		body       string
		wantStatus int
		scrubbed   bool
	}{
		{"500 stack trace", 500, "TypeError: boom\n    at /srv/app/node_modules/pg/lib/client.js:526:17\nSELECT * FROM users", 500, true},
		{"502", 502, "<html>nginx/1.18.0 bad gateway</html>", 502, true},
		{"503 keeps Retry-After", 503, "db pool exhausted at 10.2.3.4", 503, true},
		{"504", 504, "upstream timed out (110: Connection timed out) while reading upstream, client: 10.0.0.1", 504, true},
		{"501", 501, "not implemented: /srv/app/routes.js", 501, true},
		{"507", 507, "disk full on /var/lib/postgresql", 507, true},
		{"599 unregistered", 599, "proxy internals 10.0.0.7", 599, true},
		{"999 is not HTTP", 999, "garbage from 10.0.0.7", 502, true},
		{"499 JSON passes", 499, `{"error":"client closed"}`, 499, false},
		{"404 passes", 404, `{"error":"not found"}`, 404, false},
		{"200 passes", 200, `{"ok":true}`, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := upstream(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Server", "Express/4.17.1")
				w.Header().Set("X-Powered-By", "Express")
				w.Header().Set("X-Frame-Options", "ALLOWALL")
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("Retry-After", "7")
				w.Header().Set("X-Internal-Trace", "abc")
				if strings.HasPrefix(tt.body, "{") {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			logBuf.Reset()
			p := newProxy(t, proxy.Config{Target: srv.URL, Headers: policy, Log: slog.New(slog.NewJSONHandler(&logBuf, nil))})
			w := httptest.NewRecorder()
			policy.Apply(w.Header())
			r, info := rampart.WithInfo(httptest.NewRequest("GET", "/x", nil))
			info.RequestID = "rid-1"
			p.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d", w.Code)
			}
			for _, k := range []string{"Server", "X-Powered-By", "Access-Control-Allow-Origin"} {
				if w.Header().Get(k) != "" {
					t.Errorf("%s leaked", k)
				}
			}
			for k, v := range w.Header() {
				if len(v) != 1 {
					t.Errorf("%s sent %d times: %q", k, len(v), v)
				}
			}
			if got := w.Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
				t.Errorf("X-Frame-Options = %q", got)
			}
			if !tt.scrubbed {
				if w.Body.String() != tt.body {
					t.Fatalf("body changed: %q", w.Body)
				}
				return
			}
			var pb map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &pb); err != nil {
				t.Fatalf("not problem JSON: %q", w.Body)
			}
			if w.Header().Get("Content-Type") != problem.ContentType || pb["status"] != float64(tt.wantStatus) || pb["title"] == "" || pb["request_id"] != "rid-1" {
				t.Fatalf("problem = %v", pb)
			}
			if strings.Contains(w.Body.String(), tt.body[:8]) || w.Header().Get("X-Internal-Trace") != "" {
				t.Fatalf("upstream details leaked: %q %v", w.Body, w.Header())
			}
			if tt.status == 503 && w.Header().Get("Retry-After") != "7" {
				t.Error("Retry-After dropped from 503")
			}
			if !strings.Contains(logBuf.String(), `"request_id":"rid-1"`) || !strings.Contains(logBuf.String(), `"status":`+itoa(tt.status)) {
				t.Fatalf("server log lacks the original: %s", logBuf.String())
			}
		})
	}
}

// Framework 4xx error pages name the framework and echo the request,
// tokens included; JSON 4xx bodies carry messages clients need.
func TestClientErrorPages(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOjF9.c2lnbmF0dXJl"
	tests := []struct {
		name     string
		status   int
		ct       string
		body     string
		keep     bool
		replaced bool
	}{
		{"express HTML 404", 404, "text/html; charset=utf-8", "<!DOCTYPE html><pre>Cannot GET /api/" + token + "</pre>", false, true},
		{"express 400 text", 400, "text/plain", "SyntaxError: Unexpected token } in JSON at position 12 Express 4.17.1", false, true},
		{"gin 404 text", 404, "text/plain", "404 page not found", false, true},
		{"no content type", 401, "", "Unauthorized: " + token, false, true},
		{"405 keeps Allow", 405, "text/html", "<h1>Method Not Allowed</h1>", false, true},
		{"JSON 400 passes", 400, "application/json", `{"error":""email" must be a valid email"}`, false, false},
		{"problem+json 422 passes", 422, "application/problem+json", `{"title":"invalid"}`, false, false},
		{"vendor +json passes", 409, "application/vnd.api+json; charset=utf-8", `{"errors":[]}`, false, false},
		{"json-looking text is not JSON", 400, "text/json-ish", `{"a":1}`, false, true},
		{"kept when asked", 404, "text/html", "<h1>Not Found</h1>", true, false},
		{"3xx untouched", 302, "text/html", "<a href=/x>Found</a>", false, false},
		{"empty 404 untouched", 404, "text/html", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := upstream(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = []string{tt.ct}
				w.Header().Set("Allow", "GET")
				w.Header().Set("X-Powered-By", "Express")
				w.Header().Set("Location", "/x")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			var events bytes.Buffer
			p := newProxy(t, proxy.Config{Target: srv.URL, KeepClientErrorPages: tt.keep, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			w := httptest.NewRecorder()
			r, info := rampart.WithInfo(httptest.NewRequest("GET", "/x", nil))
			info.RequestID = "rid-2"
			p.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if !tt.replaced {
				if w.Body.String() != tt.body {
					t.Fatalf("body changed: %q", w.Body)
				}
				if events.Len() != 0 {
					t.Fatalf("event for an untouched body: %s", events.String())
				}
				return
			}
			var pb map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &pb); err != nil || w.Header().Get("Content-Type") != problem.ContentType {
				t.Fatalf("not a problem: %q %q", w.Header().Get("Content-Type"), w.Body)
			}
			if pb["status"] != float64(tt.status) || pb["request_id"] != "rid-2" {
				t.Fatalf("problem = %v", pb)
			}
			if strings.Contains(w.Body.String(), token) || strings.Contains(w.Body.String(), "Express") || w.Header().Get("Location") != "" {
				t.Fatalf("upstream page leaked: %q %v", w.Body, w.Header())
			}
			if w.Header().Get("Allow") != "GET" {
				t.Errorf("Allow dropped")
			}
			if !strings.Contains(events.String(), `"event":"upstream.error_scrubbed"`) || !strings.Contains(events.String(), `"owasp":"API8:2023"`) || strings.Contains(events.String(), token) {
				t.Fatalf("event = %s", events.String())
			}
		})
	}
}

// An upstream's 103 Early Hints must neither reach the client with its
// unfiltered headers nor wipe the headers the gateway set before proxying.
func TestInformationalResponsesDropped(t *testing.T) {
	srv, _ := upstream(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "</app.js>; rel=preload")
		w.Header().Set("X-Internal-Host", "db-7.internal")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("X-Internal-Host")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	p := newProxy(t, proxy.Config{Target: srv.URL})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "rid-1")
		w.Header().Set("Vary", "Origin")
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	var informational []int
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
		informational = append(informational, code)
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", front.URL+"/x", nil)
	res, err := front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("status %d body %q", res.StatusCode, body)
	}
	if len(informational) != 0 {
		t.Errorf("client saw informational responses %v", informational)
	}
	if res.Header.Get("X-Request-Id") != "rid-1" || res.Header.Get("Vary") != "Origin" {
		t.Errorf("gateway headers lost: %v", res.Header)
	}
	if res.Header.Get("X-Internal-Host") != "" {
		t.Errorf("informational header leaked: %v", res.Header)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestUpstreamDownAndHanging(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(func() { close(release); hang.Close() })

	tests := []struct {
		name   string
		target string
		want   int
	}{
		{"down", down, http.StatusBadGateway},
		{"hangs", hang.URL, http.StatusGatewayTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProxy(t, proxy.Config{Target: tt.target, Timeout: 50 * time.Millisecond})
			w := serve(p, httptest.NewRequest("GET", "/x", nil))
			if w.Code != tt.want || w.Header().Get("Content-Type") != problem.ContentType {
				t.Fatalf("status %d, %q", w.Code, w.Body)
			}
			if strings.Contains(w.Body.String(), "127.0.0.1") || strings.Contains(w.Body.String(), "dial") {
				t.Fatalf("internal detail leaked: %s", w.Body)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	for _, bad := range []string{"", "ftp://x", "http://", "http://user:pw@x", "http://x/?q=1", "://",
		"http://x/?api_key=s3cr3t", "user:s3cr3t@host", "http://u:s3cr3t@[::1", "http://x/%zz?s3cr3t", "ftp://u:s3cr3t@x"} {
		_, err := proxy.ParseTarget(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "pw") {
			t.Errorf("%q: error quotes the secret: %v", bad, err)
		}
	}
	if _, err := proxy.ParseTarget("https://api.internal:8443/v1"); err != nil {
		t.Fatal(err)
	}
}

// An upstream that believes any of these (chi's RealIP trusts
// True-Client-IP, Symfony routes on X-Original-URL) would take the
// client's word for its address, URL or prefix.
func TestSpoofedForwardingHeadersRemoved(t *testing.T) {
	srv, s := upstream(t, func(w http.ResponseWriter, _ *http.Request) {})
	p := newProxy(t, proxy.Config{Target: srv.URL})
	spoofed := map[string]string{
		"True-Client-IP":      "10.0.0.5",
		"X-Real-IP":           "10.0.0.5",
		"X-Client-IP":         "10.0.0.5",
		"CF-Connecting-IP":    "10.0.0.5",
		"Fastly-Client-IP":    "10.0.0.5",
		"X-Cluster-Client-IP": "10.0.0.5",
		"X-Original-URL":      "/admin",
		"X-Rewrite-URL":       "/admin",
		"X-Original-Host":     "internal.example",
		"X-Forwarded-Prefix":  "/evil",
		"X-Forwarded-Port":    "8443",
		"X-Forwarded-Server":  "internal",
		"X-Forwarded-Ssl":     "on",
		"X-Forwarded":         "for=10.0.0.5",
		"Forwarded":           "for=10.0.0.5;proto=https",
	}
	r := httptest.NewRequest("GET", "http://api.example.com/x", nil)
	r.RemoteAddr = "203.0.113.9:5000"
	for k, v := range spoofed {
		r.Header.Set(k, v)
	}
	// Names a CGI-style server maps onto the same variables.
	r.Header["X_real_ip"] = []string{"10.0.0.5"}
	r.Header["True_Client_IP"] = []string{"10.0.0.5"}
	r.Header["x-original-url"] = []string{"/admin"}
	// A Connection header naming the gateway's own request id.
	r.Header.Set("Connection", "X-Request-Id")
	r.Header.Set("X-Request-Id", "rid-1")
	if w := serve(p, r); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	for k, vs := range s.header {
		for _, v := range vs {
			if strings.Contains(v, "10.0.0.5") || strings.Contains(v, "/admin") || strings.Contains(v, "internal") || v == "/evil" || v == "8443" || v == "on" {
				t.Errorf("%s: %q reached the upstream", k, v)
			}
		}
	}
	if got := s.header.Get("X-Real-Ip"); got != "203.0.113.9" {
		t.Errorf("X-Real-IP %q", got)
	}
	if got := s.header.Get("Forwarded"); got != "for=203.0.113.9;host=api.example.com;proto=http" {
		t.Errorf("Forwarded %q", got)
	}
	if got := s.header.Values("X-Request-Id"); len(got) != 1 || got[0] != "rid-1" {
		t.Errorf("X-Request-Id %q after Connection named it", got)
	}
}

// StripHeader removes the headers it names, in any form the client
// sends them, in the pass that removes the forwarding headers.
func TestStripHeader(t *testing.T) {
	srv, s := upstream(t, func(w http.ResponseWriter, _ *http.Request) {})
	strip := func(name string) bool {
		return strings.ToLower(strings.ReplaceAll(name, "_", "-")) == "x-user"
	}
	p := newProxy(t, proxy.Config{Target: srv.URL, StripHeader: strip})
	r := httptest.NewRequest("GET", "http://api.example.com/x", nil)
	r.RemoteAddr = "203.0.113.9:5000"
	r.Header["X-User"] = []string{"admin"}
	r.Header["x_user"] = []string{"admin"}
	r.Header["X-Users"] = []string{"kept"}
	r.Header["X-Forwarded-Host"] = []string{"internal.example"}
	if w := serve(p, r); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	for k := range s.header {
		if strip(k) {
			t.Errorf("%s reached the upstream", k)
		}
	}
	if s.header.Get("X-Users") != "kept" || s.header.Get("X-Forwarded-For") != "203.0.113.9" || s.header.Get("X-Forwarded-Host") != "api.example.com" {
		t.Errorf("upstream headers %v", s.header)
	}
}

func TestForwardedElementIPv6(t *testing.T) {
	srv, s := upstream(t, func(w http.ResponseWriter, _ *http.Request) {})
	p := newProxy(t, proxy.Config{Target: srv.URL})
	r := httptest.NewRequest("GET", "http://api.example.com:8080/x", nil)
	r.RemoteAddr = "[2001:db8::1]:5000"
	serve(p, r)
	if got := s.header.Get("Forwarded"); got != `for="[2001:db8::1]";host="api.example.com:8080";proto=http` {
		t.Errorf("Forwarded %q", got)
	}
}

func FuzzIsForwardingHeader(f *testing.F) {
	for _, s := range []string{"X-Forwarded-Prefix", "x_forwarded_for", "True-Client-IP", "X-Request-Id", "Content-Type", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := proxy.IsForwardingHeader(name)
		if got != proxy.IsForwardingHeader(textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(name, "-", "_"))) {
			t.Fatalf("%q: case or separator changed the answer", name)
		}
		if strings.HasPrefix(strings.ToLower(name), "x-forwarded-") && !got {
			t.Fatalf("%q kept", name)
		}
	})
}

func FuzzIsJSON(f *testing.F) {
	for _, s := range []string{"application/json", "application/json; charset=utf-8", "APPLICATION/PROBLEM+JSON", "text/html", "+json", "/+json", "text/json-ish", "", ";", "application/json ;x=y", "a/b+json;", "a/+json", "a/b/+json"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		got := proxy.IsJSON(ct)
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return
		}
		// On every Content-Type the standard library can parse, the
		// allocation-free check agrees with it.
		typ, sub, _ := strings.Cut(mt, "/")
		want := mt == "application/json" || typ != "" && len(sub) > len("+json") && strings.HasSuffix(sub, "+json")
		if got != want {
			t.Fatalf("isJSON(%q) = %v, media type %q", ct, got, mt)
		}
	})
}

// The upstream sees the client's User-Agent, and none rather than Go's
// when the client sent none.
func TestUserAgent(t *testing.T) {
	srv, s := upstream(t, func(w http.ResponseWriter, _ *http.Request) {})
	p := newProxy(t, proxy.Config{Target: srv.URL})
	for _, ua := range []string{"", "curl/8.5.0"} {
		r := httptest.NewRequest("GET", "http://api.example.com/x", nil)
		if ua != "" {
			r.Header.Set("User-Agent", ua)
		}
		if w := serve(p, r); w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		if got := s.header.Values("User-Agent"); ua == "" && len(got) != 0 || ua != "" && (len(got) != 1 || got[0] != ua) {
			t.Errorf("client User-Agent %q: upstream got %q", ua, got)
		}
	}
}

// The peer the gateway resolved is the one the proxy trusts or not: a
// RemoteAddr rewritten later changes nothing.
func TestPeerFromInfo(t *testing.T) {
	srv, s := upstream(t, func(w http.ResponseWriter, _ *http.Request) {})
	res, err := clientip.New([]string{"10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, proxy.Config{Target: srv.URL, Proxies: res})
	r := httptest.NewRequest("GET", "http://api.example.com/x", nil)
	r.RemoteAddr = "10.0.0.1:4000"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	r, info := rampart.WithInfo(r)
	res.Resolve(r, info)
	r.RemoteAddr = "203.0.113.9:5000"
	if w := serve(p, r); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if got := s.header.Get("X-Forwarded-For"); got != "198.51.100.7, 10.0.0.1" {
		t.Errorf("X-Forwarded-For %q, want the trusted peer's chain", got)
	}
	if got := s.header.Get("X-Real-Ip"); got != "198.51.100.7" {
		t.Errorf("X-Real-Ip %q", got)
	}
}
