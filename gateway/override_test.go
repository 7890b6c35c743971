package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/jsonlimits"
)

var overrideCases = []struct {
	name, query string
	header      []string
	method      string
	inQuery     bool
	conflict    bool
}{
	{"none", "a=1", nil, "", false, false},
	{"header", "", []string{"X-HTTP-Method-Override", "delete"}, "DELETE", false, false},
	{"joined header takes every value", "", []string{"X-HTTP-Method-Override", "DELETE, PUT"}, "", false, true},
	{"two header names agreeing", "", []string{"X-HTTP-Method", "DELETE", "X-Method-Override", "DELETE"}, "DELETE", false, false},
	{"query", "_method=DELETE&a=1", nil, "DELETE", true, false},
	{"encoded query name", "%5Fmethod=DELETE", nil, "DELETE", true, false},
	{"upper-case query name", "_METHOD=put", nil, "PUT", true, false},
	{"bracket query name", "_method[]=DELETE", nil, "DELETE", true, false},
	{"semicolon separator", "a=1;_method=DELETE", nil, "DELETE", true, false},
	{"query and header disagree", "_method=DELETE", []string{"X-HTTP-Method-Override", "PATCH"}, "", true, true},
	{"not a method field", "x_method=DELETE&method=PUT", nil, "", false, false},
}

func TestTakeOverride(t *testing.T) {
	for _, tt := range overrideCases {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x?"+tt.query, nil)
			for i := 0; i+1 < len(tt.header); i += 2 {
				r.Header.Add(tt.header[i], tt.header[i+1])
			}
			o, perr := takeOverride(r)
			for _, h := range overrideHeaders {
				if _, ok := r.Header[h]; ok {
					t.Fatalf("%s left on the request", h)
				}
			}
			if tt.conflict {
				if perr == nil || perr.Status != http.StatusBadRequest {
					t.Fatalf("conflict not refused: %+v", o)
				}
				return
			}
			if perr != nil || o.method != tt.method || o.inQuery != tt.inQuery {
				t.Fatalf("got %+v, %v", o, perr)
			}
			if strings.Contains(strings.ToLower(o.query), "method=") && tt.inQuery {
				t.Fatalf("query kept the override: %q", o.query)
			}
		})
	}
}

// FuzzTakeOverride checks that no _method field survives in the query
// handed on when an override is taken from it, and that every query Go
// itself decodes with a _method field is seen.
func FuzzTakeOverride(f *testing.F) {
	for _, tt := range overrideCases {
		f.Add(tt.query)
	}
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("POST", "/x", nil)
		r.URL.RawQuery = query
		o, perr := takeOverride(r)
		if q, err := url.ParseQuery(query); err == nil {
			for k := range q {
				if jsonlimits.IsMethodOverrideField(k) && !o.found {
					t.Fatalf("%q: field %q not seen", query, k)
				}
			}
		}
		if perr != nil || !o.inQuery {
			return
		}
		for _, seg := range strings.Split(o.query, "&") {
			k, _, _ := strings.Cut(seg, "=")
			if name, err := url.QueryUnescape(k); jsonlimits.IsMethodOverrideField(k) || (err == nil && jsonlimits.IsMethodOverrideField(name)) {
				t.Fatalf("%q: %q survives in %q", query, k, o.query)
			}
		}
	})
}
