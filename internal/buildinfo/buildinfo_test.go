package buildinfo

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{Info{Version: "v1.2.0", Revision: "0123456789abcdef0123", Time: "2026-11-30T05:00:00Z", GoVersion: "go1.27.3"},
			"rampart v1.2.0 (revision 0123456789ab, 2026-11-30T05:00:00Z, go1.27.3)"},
		{Info{Version: "(devel)", Revision: "0123456789abcdef", Modified: true, GoVersion: "go1.27.3"},
			"rampart (devel) (revision 0123456789ab-dirty, go1.27.3)"},
		{Info{Version: "(devel)", GoVersion: "go1.27.3"}, "rampart (devel) (revision unknown, go1.27.3)"},
	}
	for _, tt := range tests {
		if got := tt.info.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestReadOverride(t *testing.T) {
	if got := Read("v9.9.9"); got.Version != "v9.9.9" || !strings.HasPrefix(got.GoVersion, "go") {
		t.Fatalf("Read(override) = %+v", got)
	}
	if got := Read(""); got.Version == "" {
		t.Fatal("empty version")
	}
}
