package auth_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/auth"
)

var bearerCases = []struct {
	name    string
	headers []string
	want    string
	wantErr error
}{
	{"canonical", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", nil},
	{"scheme is case-insensitive", []string{"bEaReR abc"}, "abc", nil},
	{"several spaces", []string{"Bearer    abc"}, "abc", nil},
	{"padding", []string{"Bearer YWJj=="}, "YWJj==", nil},
	{"no header", nil, "", rampart.ErrNoCredentials},
	{"basic is someone else's", []string{"Basic YWxpY2U6cHc="}, "", rampart.ErrNoCredentials},
	{"scheme prefix trick", []string{"Bearerx abc"}, "", rampart.ErrNoCredentials},
	{"short value", []string{"Bea"}, "", rampart.ErrNoCredentials},
	{"scheme alone", []string{"Bearer"}, "", auth.ErrMalformedBearer},
	{"empty token", []string{"Bearer "}, "", auth.ErrMalformedBearer},
	{"two headers smuggle a second token", []string{"Bearer good", "Bearer evil"}, "", auth.ErrMultipleAuthorization},
	{"comma-joined tokens", []string{"Bearer a, Bearer b"}, "", auth.ErrMalformedBearer},
	{"space inside token", []string{"Bearer abc def"}, "", auth.ErrMalformedBearer},
	{"padding in the middle", []string{"Bearer ab=c"}, "", auth.ErrMalformedBearer},
	{"only padding", []string{"Bearer =="}, "", auth.ErrMalformedBearer},
	{"tab separator", []string{"Bearer\tabc"}, "", rampart.ErrNoCredentials},
	{"nul byte", []string{"Bearer abc\x00"}, "", auth.ErrMalformedBearer},
	{"quotes", []string{`Bearer "abc"`}, "", auth.ErrMalformedBearer},
	{"non-ascii", []string{"Bearer ab\u00e7"}, "", auth.ErrMalformedBearer},
	{"oversized", []string{"Bearer " + strings.Repeat("a", auth.MaxBearerLength+1)}, "", auth.ErrBearerTooLong},
}

func TestBearerToken(t *testing.T) {
	for _, tt := range bearerCases {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?access_token=from-query", nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := auth.BearerToken(r)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || got != "" {
				t.Fatalf("got %q, %v; want %v", got, err, tt.wantErr)
			}
			if tt.wantErr != rampart.ErrNoCredentials && !errors.Is(err, rampart.ErrInvalidCredentials) {
				t.Fatalf("%v does not wrap ErrInvalidCredentials", err)
			}
		})
	}
}

func FuzzParseBearer(f *testing.F) {
	for _, tt := range bearerCases {
		for _, h := range tt.headers {
			f.Add(h)
		}
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := auth.ParseBearer(v)
		if err != nil {
			if tok != "" {
				t.Fatal("token returned with an error")
			}
			if !errors.Is(err, rampart.ErrNoCredentials) && !errors.Is(err, rampart.ErrInvalidCredentials) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if tok == "" || len(tok) > auth.MaxBearerLength || !strings.HasSuffix(v, tok) {
			t.Fatalf("ParseBearer(%q) = %q", v, tok)
		}
		if strings.ContainsAny(tok, " \t\r\n,\"\\") {
			t.Fatalf("token %q carries separators", tok)
		}
		if !strings.EqualFold(v[:6], "bearer") {
			t.Fatalf("accepted scheme of %q", v)
		}
	})
}
