package challenge

import (
	"strings"
	"testing"
)

var realmCases = []struct {
	realm string
	ok    bool
}{
	{"", true},
	{"api", true},
	{"Rampart API, v2 (prod)", true},
	{"~!#$%&'()*+,-./:;<=>?@[]^_`{|}", true},
	{`api", error="invalid_token`, false},
	{`api\`, false},
	{"api\r\nSet-Cookie: a=b", false},
	{"api\x00", false},
	{"api\x7f", false},
	{"tab\there", false},
	{"réalm", false},
}

func TestValidRealm(t *testing.T) {
	for _, tt := range realmCases {
		if got := ValidRealm(tt.realm); got != tt.ok {
			t.Errorf("ValidRealm(%q) = %v, want %v", tt.realm, got, tt.ok)
		}
	}
}

func FuzzValidRealm(f *testing.F) {
	for _, tt := range realmCases {
		f.Add(tt.realm)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidRealm(s) {
			return
		}
		// What passes stays one quoted-string in one header line.
		if strings.ContainsAny(s, "\"\\\r\n\x00") {
			t.Fatalf("ValidRealm(%q) accepted a character that escapes the quoted-string", s)
		}
		for _, r := range s {
			if r < 0x20 || r > 0x7e {
				t.Fatalf("ValidRealm(%q) accepted %U", s, r)
			}
		}
	})
}
