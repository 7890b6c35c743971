package waf_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/waf"
)

// BenchmarkNew measures building a WAF: parsing the CRS and compiling its
// patterns. Coraza memoizes compiled patterns across WAFs, so the first
// build of a process is the expensive one; this measures a fresh build
// while another WAF keeps the cache warm, as on a reload.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		w, err := waf.New(waf.Config{})
		if err != nil {
			b.Fatal(err)
		}
		_ = w.Close()
	}
}

// jsonKB is an ordinary 1 KB JSON document.
func jsonKB() string {
	var sb strings.Builder
	sb.WriteString(`{"user":{"name":"Siobhán O'Brien","email":"siobhan@example.com","age":34},"items":[`)
	for i := 0; sb.Len() < 1000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"sku":"SKU-` + strconv.Itoa(1000+i) + `","qty":` + strconv.Itoa(i%5+1) + `,"note":"gift wrap"}`)
	}
	sb.WriteString(`]}`)
	return sb.String()
}

type discard struct{}

func (discard) ServeHTTP(http.ResponseWriter, *http.Request) {}

func benchRequests(b *testing.B, c reqCase) {
	w := build(b, "default", waf.Config{})
	h := w.Handler(discard{})
	b.ReportAllocs()
	b.SetBytes(int64(len(c.body)))
	for b.Loop() {
		b.StopTimer()
		r := c.request(b)
		rec := httptest.NewRecorder()
		b.StartTimer()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func BenchmarkHandlerCleanGET(b *testing.B) {
	benchRequests(b, reqCase{target: "/api/search?q=rampart&limit=10&sort=desc"})
}

func BenchmarkHandlerCleanJSONPost1KB(b *testing.B) {
	benchRequests(b, reqCase{target: "/api/orders", contentType: ctJSON, body: jsonKB()})
}
