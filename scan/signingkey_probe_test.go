package scan

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// With --signing-key, the scanner signs tokens with a key the API trusts
// and changes one claim at a time: each probe finds exactly the claim the
// API ignores, and nothing is concluded when the API does not trust the
// key.
func TestSigningKeyProbes(t *testing.T) {
	all := []string{CheckAuthExpired, CheckAuthAudience, CheckAuthIssuer}
	cases := []struct {
		name     string
		api      trustedKeyAPI
		noKey    bool
		want     []string
		wantNote string
	}{
		{"every claim checked", trustedKeyAPI{}, false, nil, ""},
		{"exp ignored", trustedKeyAPI{ignore: []string{"exp"}}, false, []string{CheckAuthExpired}, ""},
		{"aud ignored", trustedKeyAPI{ignore: []string{"aud"}}, false, []string{CheckAuthAudience}, ""},
		{"iss ignored", trustedKeyAPI{ignore: []string{"iss"}}, false, []string{CheckAuthIssuer}, ""},
		{"all ignored", trustedKeyAPI{ignore: []string{"exp", "aud", "iss"}}, false, all, ""},
		{"identity from the identity provider, test key under its own kid", trustedKeyAPI{ignore: []string{"aud"}, fromIdP: true}, false, []string{CheckAuthAudience}, ""},
		{"test key not trusted", trustedKeyAPI{ignore: []string{"exp", "aud", "iss"}, untrusted: true}, false, nil, "signed with the test key was refused"},
		{"no signing key", trustedKeyAPI{ignore: []string{"exp", "aud", "iss"}}, true, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, id, key := tc.api.start(t)
			cfg := Config{Target: url, Identities: []Identity{id}, SigningKey: key, Checks: []string{"authentication"}, RPS: 1000}
			if tc.noKey {
				cfg.SigningKey = nil
			}
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range checkIDs(rep) {
				if slices.Contains(all, id) {
					got = append(got, id)
				}
			}
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("found %v, want %v; notes %q", got, want, rep.Notes)
			}
			if tc.wantNote != "" && !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, tc.wantNote) }) {
				t.Errorf("no note %q in %q", tc.wantNote, rep.Notes)
			}
		})
	}
}

// Key confusion is found whichever PEM encoding the confused verifier
// keeps its public key in, and not when the algorithm is pinned or no
// public key is published to forge with.
func TestKeyConfusion(t *testing.T) {
	cases := []struct {
		name  string
		api   rsaAPI
		found bool
	}{
		{"PUBLIC KEY PEM as HMAC secret", rsaAPI{verifier: confusedPKIX}, true},
		{"RSA PUBLIC KEY PEM as HMAC secret", rsaAPI{verifier: confusedPKCS1}, true},
		{"RS256 pinned", rsaAPI{verifier: pinnedRS256}, false},
		{"confused, JWKS not published", rsaAPI{verifier: confusedPKIX, hideJWKS: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, id := tc.api.start(t)
			s, err := New(Config{Target: url, Identities: []Identity{id}, Checks: []string{"authentication"}, RPS: 1000})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ids := checkIDs(rep)
			if got := slices.Contains(ids, CheckAuthKeyConfusion); got != tc.found {
				t.Errorf("key confusion found = %v, want %v (found %v)", got, tc.found, ids)
			}
			if slices.Contains(ids, CheckAuthAlgNone) || slices.Contains(ids, CheckAuthSignature) {
				t.Errorf("a verifying API reported as not verifying: %v", ids)
			}
		})
	}
}
