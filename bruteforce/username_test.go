package bruteforce

import "testing"

func TestUsernameFrom(t *testing.T) {
	tests := []struct{ name, ct, body, want string }{
		{"json", "application/json", `{"username":"alice"}`, "alice"},
		{"json with charset", "application/json; charset=utf-8", `{"username":"alice"}`, "alice"},
		{"vendor json", "application/vnd.api+json", `{"username":"alice"}`, "alice"},
		{"last duplicate wins, as in JSON.parse", "application/json", `{"username":"a","username":"b"}`, "b"},
		{"nested field is not the field", "application/json", `{"user":{"username":"alice"}}`, ""},
		{"number is not a username", "application/json", `{"username":42}`, ""},
		{"array body", "application/json", `["username","alice"]`, ""},
		{"case differs", "application/json", `{"Username":"alice"}`, ""},
		{"form", "application/x-www-form-urlencoded", "username=alice&password=x", "alice"},
		{"form with bad escape", "application/x-www-form-urlencoded", "username=al%zzice", ""},
		{"no content type", "", `{"username":"alice"}`, ""},
	}
	for _, tt := range tests {
		if got := usernameFrom(tt.ct, []byte(tt.body), "username"); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNormalizeUsername(t *testing.T) {
	for _, in := range []string{"alice", "Alice", " ALICE\t", "\uff41\uff4c\uff49\uff43\uff45"} {
		if got := NormalizeUsername(in); got != "alice" {
			t.Errorf("NormalizeUsername(%q) = %q", in, got)
		}
	}
}

func FuzzUsernameFrom(f *testing.F) {
	f.Add("application/json", `{"username":"alice"}`)
	f.Add("application/x-www-form-urlencoded", "username=alice&password=x")
	f.Add("application/json", `{"username":"a","username":"b"}`)
	f.Add("application/json", `{"username":`)
	f.Fuzz(func(t *testing.T, ct, body string) {
		u := usernameFrom(ct, []byte(body), "username")
		n := NormalizeUsername(u)
		if NormalizeUsername(n) != n {
			t.Fatalf("normalisation not idempotent for %q", u)
		}
		if k := hashKey(nil, n); len(k) != 22 {
			t.Fatalf("key %q", k)
		}
	})
}
