package apikey_test

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/auth/apikey"
)

func TestParseFile(t *testing.T) {
	h := apikey.Hash(goodKey)
	tests := []struct {
		name     string
		data     string
		subjects []string
		wantErr  error
	}{
		{"yaml list", "- hash: " + h + "\n  subject: alice\n  roles: [user]\n", []string{"alice"}, nil},
		{"yaml keys mapping", "keys:\n  - hash: " + h + "\n    subject: alice\n    name: laptop\n", []string{"alice"}, nil},
		{"json lines", `{"hash":"` + h + `","subject":"alice","roles":["user"]}` + "\n\n" + `{"hash":"x","subject":"bob"}` + "\n", []string{"alice", "bob"}, nil},
		{"empty file", "  \n", nil, nil},
		{"yaml typo in a field", "- hash: " + h + "\n  subject: alice\n  role: [admin]\n", nil, apikey.ErrKeysFile},
		{"json typo in a field", `{"hash":"` + h + `","subject":"alice","rolez":["admin"]}`, nil, apikey.ErrKeysFile},
		{"two objects on a line", `{"hash":"a","subject":"a"} {"hash":"b","subject":"b"}`, nil, apikey.ErrKeysFile},
		{"json roles of the wrong type", `{"hash":"` + h + `","subject":"alice","roles":"admin"}`, nil, apikey.ErrKeysFile},
		{"not yaml", "- hash: [unclosed\n", nil, apikey.ErrKeysFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apikey.ParseFile([]byte(tt.data))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.subjects) {
				t.Fatalf("got %+v, %v", got, err)
			}
			for i, s := range tt.subjects {
				if got[i].Subject != s {
					t.Fatalf("entry %d = %+v", i, got[i])
				}
			}
		})
	}
}

func TestKeysFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.yaml")
	data := "keys:\n  - hash: " + apikey.Hash(otherKey) + "\n    subject: billing\n    roles: [service]\n  - hash: nope\n    subject: broken\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := apikey.New(apikey.Config{KeysFile: path})
	var ee *apikey.EntryError
	if !errors.As(err, &ee) || ee.Source != path || ee.Index != 1 || !errors.Is(err, apikey.ErrHashFormat) {
		t.Fatalf("err = %v", err)
	}

	data = data[:strings.Index(data, "  - hash: nope")]
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := apikey.New(apikey.Config{KeysFile: path, Keys: []apikey.Entry{{Hash: apikey.Hash(goodKey), Subject: "alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{goodKey: "alice", otherKey: "billing"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-API-Key", key)
		if p, err := a.Authenticate(r); err != nil || p.Subject != want {
			t.Fatalf("%s: %v %v", want, p, err)
		}
	}

	if _, err := apikey.New(apikey.Config{KeysFile: filepath.Join(dir, "missing.yaml")}); !errors.Is(err, apikey.ErrKeysFile) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte("- hash: " + apikey.Hash(goodKey) + "\n  subject: alice\n"))
	f.Add([]byte("keys:\n  - hash: x\n    subject: y\n    roles: [a, b]\n"))
	f.Add([]byte(`{"hash":"x","subject":"alice","roles":["user"]}` + "\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := apikey.ParseFile(data)
		if err != nil && entries != nil {
			t.Fatal("entries returned with an error")
		}
		if err != nil && !errors.Is(err, apikey.ErrKeysFile) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}
