package main

import (
	"regexp"
	"testing"

	"github.com/alexedwards/argon2id"
)

func TestTokenClientPrintsASecretOnceAndItsHash(t *testing.T) {
	code, out := execute("token", "client", "--id", "billing")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	secret := regexp.MustCompile(`client_secret: (\S+)`).FindStringSubmatch(out)
	hash := regexp.MustCompile(`secret_hash: "(\S+)"`).FindStringSubmatch(out)
	if secret == nil || hash == nil || !regexp.MustCompile(`client_id:\s+billing`).MatchString(out) {
		t.Fatalf("output:\n%s", out)
	}
	if ok, err := argon2id.ComparePasswordAndHash(secret[1], hash[1]); !ok || err != nil {
		t.Fatalf("the printed hash does not match the printed secret: %v", err)
	}
	if regexp.MustCompile(regexp.QuoteMeta(secret[1])).FindAllStringIndex(out, -1) == nil || len(regexp.MustCompile(regexp.QuoteMeta(secret[1])).FindAllString(out, -1)) != 1 {
		t.Fatal("the secret is printed more than once")
	}
}
