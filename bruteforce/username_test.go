package bruteforce

import (
	"encoding/base64"
	"errors"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
)

func multipartBody(t testing.TB, fields ...string) (string, string) {
	t.Helper()
	var b strings.Builder
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.String()
}

func TestUsername(t *testing.T) {
	mpCT, mpBody := multipartBody(t, "username", "Alice", "password", "x")
	mpDupCT, mpDupBody := multipartBody(t, "username", "alice", "username", "bob")
	tests := []struct {
		name, target, ct, ce, body, want string
		err                              error
	}{
		{"json", "/login", "application/json", "", `{"username":"alice"}`, "alice", nil},
		{"json with charset", "/login", "application/json; charset=utf-8", "", `{"username":"alice"}`, "alice", nil},
		{"vendor json", "/login", "application/vnd.api+json", "", `{"username":"alice"}`, "alice", nil},
		{"json, key case as Go's decoder matches it", "/login", "application/json", "", `{"USERNAME":"alice"}`, "alice", nil},
		{"json, long s folds to s", "/login", "application/json", "", `{"u\u017fername":"alice"}`, "alice", nil},
		{"json escaped key", "/login", "application/json", "", `{"user\u006eame":"alice"}`, "alice", nil},
		{"duplicate json members disagree", "/login", "application/json", "", `{"username":"a","username":"b"}`, "", ErrUsernameConflict},
		{"duplicate json members agree", "/login", "application/json", "", `{"username":"alice","username":"ALICE"}`, "alice", nil},
		{"nested field is not the field", "/login", "application/json", "", `{"user":{"username":"alice"}}`, "", nil},
		{"number", "/login", "application/json", "", `{"username":42}`, "", ErrUsernameShape},
		{"array", "/login", "application/json", "", `{"username":["alice"]}`, "", ErrUsernameShape},
		{"operator object", "/login", "application/json", "", `{"username":{"$ne":""}}`, "", ErrUsernameShape},
		{"array body", "/login", "application/json", "", `["username","alice"]`, "", nil},
		{"broken json", "/login", "application/json", "", `{"username":`, "", ErrMalformed},
		{"trailing data", "/login", "application/json", "", `{"username":"a"} {"username":"b"}`, "", ErrMalformed},
		{"form", "/login", "application/x-www-form-urlencoded", "", "username=alice&password=x", "alice", nil},
		{"form with bad escape", "/login", "application/x-www-form-urlencoded", "", "username=al%zzice", "", ErrMalformed},
		{"form qs array", "/login", "application/x-www-form-urlencoded", "", "username[]=alice", "", ErrUsernameShape},
		{"form qs operator", "/login", "application/x-www-form-urlencoded", "", "username[$ne]=x", "", ErrUsernameShape},
		{"form _charset_", "/login", "application/x-www-form-urlencoded", "", "_charset_=utf-7&username=%2BAGE-", "", ErrCharset},
		{"multipart", "/login", mpCT, "", mpBody, "alice", nil},
		{"multipart duplicates disagree", "/login", mpDupCT, "", mpDupBody, "", ErrUsernameConflict},
		{"multipart without boundary", "/login", "multipart/form-data", "", mpBody, "", ErrMalformed},
		{"utf-7 charset", "/login", "application/json; charset=utf-7", "", `{"username":"+AGEAbABpAGMAZQ-"}`, "", ErrCharset},
		{"latin-1 charset", "/login", "application/x-www-form-urlencoded; charset=iso-8859-1", "", "username=alice", "", ErrCharset},
		{"gzip body", "/login", "application/json", "gzip", "\x1f\x8b", "", ErrEncoding},
		{"identity encoding", "/login", "application/json", "identity", `{"username":"alice"}`, "alice", nil},
		{"text/plain body", "/login", "text/plain", "", "username=alice", "", ErrMediaType},
		{"no content type", "/login", "", "", `{"username":"alice"}`, "", ErrMediaType},
		{"query only", "/login?username=alice", "", "", "", "alice", nil},
		{"query and body agree", "/login?username=Alice", "application/json", "", `{"username":"alice"}`, "alice", nil},
		{"query credentials, decoy body", "/login?username=alice", "application/json", "", `{"username":"decoy"}`, "", ErrUsernameConflict},
		{"query duplicates disagree", "/login?username=alice&username=bob", "", "", "", "", ErrUsernameConflict},
		{"query array", "/login?username[0]=alice", "", "", "", "", ErrUsernameShape},
		{"query bad escape", "/login?username=%zz", "", "", "", "", ErrMalformed},
		{"invalid UTF-8", "/login?username=%ff%fe", "", "", "", "", ErrMalformed},
		{"leading BOM", "/login", "application/json", "", `{"username":"\ufeffalice"}`, "alice", nil},
		{"leading control trimmed upstream", "/login", "application/json", "", `{"username":"\u0001alice"}`, "alice", nil},
		{"nbsp and zero-width space", "/login", "application/json", "", `{"username":"\u00a0al\u200bice"}`, "alice", nil},
		{"only invisible characters", "/login", "application/json", "", `{"username":"\u200b"}`, "", nil},
		{"no username anywhere", "/login", "application/json", "", `{"password":"x"}`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			if tt.ce != "" {
				r.Header.Set("Content-Encoding", tt.ce)
			}
			got, err := username(r, []byte(tt.body), "username")
			if !errors.Is(err, tt.err) || tt.err == nil && err != nil {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("username %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeUsername(t *testing.T) {
	for _, in := range []string{
		"alice", "Alice", " ALICE\t", "\uff41\uff4c\uff49\uff43\uff45", "\ufeffalice", "\x00alice", "\x1balice",
		"al\u00adice", "ali\u2060ce", "\u3000alice\u3000", "alice\u180e", "ALİCE", /* dotted I folds apart */
	} {
		got := NormalizeUsername(in)
		want := "alice"
		if in == "ALİCE" {
			want = "ali\u0307ce"
		}
		if got != want {
			t.Errorf("NormalizeUsername(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzUsername(f *testing.F) {
	f.Add("username=a", "application/json", `{"username":"alice"}`)
	f.Add("", "application/x-www-form-urlencoded", "username=alice&password=x")
	f.Add("", "application/json", `{"username":"a","username":"b"}`)
	f.Add("username[$ne]=1", "application/json", `{"username":`)
	f.Add("", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n--x--\r\n")
	f.Fuzz(func(t *testing.T, query, ct, body string) {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", ct)
		u, err := username(r, []byte(body), "username")
		if err != nil && u != "" {
			t.Fatalf("username %q with error %v", u, err)
		}
		if NormalizeUsername(u) != u {
			t.Fatalf("normalisation not idempotent for %q", u)
		}
		if k := hashKey(nil, u); len(k) != 22 {
			t.Fatalf("key %q", k)
		}
	})
}

func basic(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

func TestBasicUsername(t *testing.T) {
	// A password whose standard encoding has '+' or '/', so that the URL
	// alphabet spells it differently.
	std := base64.StdEncoding.EncodeToString([]byte("alice:\xfb\xff\xbe"))
	urlAlphabet := "Basic " + strings.NewReplacer("+", "-", "/", "_").Replace(std)
	if "Basic "+std == urlAlphabet {
		t.Fatal("the URL-alphabet case spells the credentials the same")
	}
	tests := []struct {
		name   string
		auth   []string
		target string
		body   string // JSON
		want   string
		err    error
	}{
		{"basic", []string{basic("alice:pw")}, "/login", "", "alice", nil},
		{"scheme in any case", []string{"bAsIc " + base64.StdEncoding.EncodeToString([]byte("alice:pw"))}, "/login", "", "alice", nil},
		{"tab after the scheme", []string{"Basic\t" + base64.StdEncoding.EncodeToString([]byte("alice:pw"))}, "/login", "", "alice", nil},
		{"extra white space", []string{"  Basic   " + base64.StdEncoding.EncodeToString([]byte("alice:pw")) + " "}, "/login", "", "alice", nil},
		{"colons in the password", []string{basic("alice:p:w:")}, "/login", "", "alice", nil},
		{"empty password", []string{basic("alice:")}, "/login", "", "alice", nil},
		{"spelling folded", []string{basic("\ufeff\uff21LICE:pw")}, "/login", "", "alice", nil},
		{"no colon", []string{basic("alice")}, "/login", "", "", ErrMalformed},
		{"no credentials", []string{"Basic"}, "/login", "", "", ErrMalformed},
		{"blank credentials", []string{"Basic   "}, "/login", "", "", ErrMalformed},
		{"unpadded", []string{"Basic " + base64.RawStdEncoding.EncodeToString([]byte("alice:pw"))}, "/login", "", "", ErrMalformed},
		{"URL alphabet", []string{urlAlphabet}, "/login", "", "", ErrMalformed},
		{"non-zero trailing bits", []string{"Basic YWxpY2U6cB=="}, "/login", "", "", ErrMalformed},
		{"line break inside", []string{"Basic YWxp\r\nY2U6cA=="}, "/login", "", "", ErrMalformed},
		{"invalid UTF-8 user-id", []string{basic("\xff\xfe:pw")}, "/login", "", "", ErrMalformed},
		{"bearer is not a username", []string{"Bearer YWxpY2U6cHc="}, "/login", "", "", nil},
		{"scheme glued to the credentials", []string{"Basic" + base64.StdEncoding.EncodeToString([]byte("alice:pw"))}, "/login", "", "", nil},
		{"bearer beside basic", []string{"Bearer x", basic("alice:pw")}, "/login", "", "alice", nil},
		{"two basic headers agree", []string{basic("alice:a"), basic("ALICE:b")}, "/login", "", "alice", nil},
		{"second basic header is another user", []string{basic("decoy:x"), basic("alice:pw")}, "/login", "", "", ErrUsernameConflict},
		{"basic and body agree", []string{basic("Alice:pw")}, "/login", `{"username":"alice"}`, "alice", nil},
		{"basic credentials, decoy body", []string{basic("alice:pw")}, "/login", `{"username":"decoy"}`, "", ErrUsernameConflict},
		{"basic credentials, decoy query", []string{basic("alice:pw")}, "/login?username=decoy", "", "", ErrUsernameConflict},
		{"empty basic user-id, body user", []string{basic(":pw")}, "/login", `{"username":"alice"}`, "", ErrUsernameConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			for _, a := range tt.auth {
				r.Header.Add("Authorization", a)
			}
			got, err := username(r, []byte(tt.body), "username")
			if !errors.Is(err, tt.err) || tt.err == nil && err != nil {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("username %q, want %q", got, tt.want)
			}
		})
	}
}

// Whatever username net/http's Request.BasicAuth reads from a header, the
// guard reads the same one or refuses the request: an upstream in Go
// cannot see a user the guard did not count.
func FuzzBasicUsername(f *testing.F) {
	for _, s := range []string{basic("alice:pw"), "bAsIc YWxpY2U6cHc=", "Basic\tYWxpY2U6cHc=", "Basic YWxpY2U", "Basic YWxpY2U6cB==", "Bearer x", "Basic", "Basic :", basic(":")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		r := httptest.NewRequest("GET", "/login", nil)
		r.Header["Authorization"] = []string{auth}
		found, err := fromBasic(nil, r.Header)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v", err)
		}
		if len(found) > 1 || err != nil && len(found) > 0 {
			t.Fatalf("found %q with %v", found, err)
		}
		if len(found) == 1 && strings.Contains(found[0], ":") {
			t.Fatalf("user-id %q has a colon", found[0])
		}
		if user, _, ok := r.BasicAuth(); ok && err == nil && (len(found) != 1 || found[0] != user) {
			t.Fatalf("net/http reads %q, the guard %q", user, found)
		}
	})
}
