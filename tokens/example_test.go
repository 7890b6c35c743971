package tokens_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/rampart-api/rampart/tokens"
	"github.com/rampart-api/rampart/tokens/sqlitestore"
)

// A login handler that only checks the password; the exchange turns its
// answer into a token pair, and the token endpoint refreshes it.
func ExampleService_LoginExchange() {
	dir, _ := os.MkdirTemp("", "tokens")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "tokens.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	svc, err := tokens.New(ctx, tokens.Config{
		Issuer: "https://api.example.com", Audience: "api", Store: st,
		KeyEncryptionKey: []byte("an example key, use 32 random bytes"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close()

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The password was right: name the user.
		w.Header().Set(tokens.LoginSubjectHeader, "user-42")
		w.Header().Set(tokens.LoginRolesHeader, "admin")
		fmt.Fprint(w, `{"ok":true}`)
	})
	login, _ := svc.LoginExchange(tokens.LoginConfig{})
	w := httptest.NewRecorder()
	login(app).ServeHTTP(w, httptest.NewRequest("POST", "/api/login", nil))
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), strings.Contains(w.Body.String(), `"refresh_token"`))

	// The refresh token the app never saw, exchanged for a new pair.
	var pair tokens.Response
	_ = json.Unmarshal(w.Body.Bytes(), &pair)
	r := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pair.RefreshToken}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	svc.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 200 no-store true
	// 200
}

// Wrong use: a password as the key-encryption key. It is expanded with
// HKDF, which adds no work factor, so it must be random and long.
func ExampleNewSealer_password() {
	_, err := tokens.NewSealer([]byte("hunter2"))
	fmt.Println(err)
	// Output:
	// tokens: key encryption key of 7 bytes; at least 32 random bytes are required
}
