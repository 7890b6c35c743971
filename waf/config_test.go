package waf_test

import (
	"errors"
	"testing"

	"github.com/rampart-api/rampart/waf"
)

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name       string
		cfg        waf.Config
		wantFields []string
		wantExcl   []int
	}{
		{"paranoia 0 is the default, 5 is not a level", waf.Config{ParanoiaLevel: 5}, []string{"ParanoiaLevel"}, nil},
		{"negative paranoia", waf.Config{ParanoiaLevel: -1}, []string{"ParanoiaLevel"}, nil},
		{"negative threshold", waf.Config{AnomalyThreshold: -5}, []string{"AnomalyThreshold"}, nil},
		{"threshold so high it never blocks", waf.Config{AnomalyThreshold: 1 << 30}, []string{"AnomalyThreshold"}, nil},
		{"negative body limit", waf.Config{MaxBodyBytes: -1}, []string{"MaxBodyBytes"}, nil},
		{"body limit over 64 MiB", waf.Config{MaxBodyBytes: waf.MaxMaxBodyBytes + 1}, []string{"MaxBodyBytes"}, nil},
		{"excluding the anomaly evaluation switches blocking off", waf.Config{Exclusions: []int{949110}}, nil, []int{949110}},
		{"excluding CRS initialisation", waf.Config{Exclusions: []int{901001}}, nil, []int{901001}},
		{"excluding the paranoia setting", waf.Config{Exclusions: []int{900000}}, nil, []int{900000}},
		{"excluding the body parse error rule", waf.Config{Exclusions: []int{200002}}, nil, []int{200002}},
		{"zero and negative ids", waf.Config{Exclusions: []int{0, -942100}}, nil, []int{0, -942100}},
		{"every problem at once", waf.Config{ParanoiaLevel: 9, AnomalyThreshold: -1, MaxBodyBytes: -1, Exclusions: []int{949110}},
			[]string{"ParanoiaLevel", "AnomalyThreshold", "MaxBodyBytes"}, []int{949110}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := waf.New(tt.cfg)
			if err == nil || w != nil {
				t.Fatalf("New = %v, %v; want an error", w, err)
			}
			if !errors.Is(err, waf.ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			assertConfigErrors(t, err, tt.wantFields, tt.wantExcl)
		})
	}
}

// assertConfigErrors checks that err joins exactly the expected typed
// errors.
func assertConfigErrors(t *testing.T, err error, fields []string, ids []int) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not a join", err)
	}
	var gotFields []string
	var gotIDs []int
	for _, e := range joined.Unwrap() {
		var ce *waf.ConfigError
		var ee *waf.ExclusionError
		switch {
		case errors.As(e, &ce):
			gotFields = append(gotFields, ce.Field)
		case errors.As(e, &ee):
			gotIDs = append(gotIDs, ee.ID)
		default:
			t.Fatalf("untyped error %v", e)
		}
	}
	if len(gotFields) != len(fields) || len(gotIDs) != len(ids) {
		t.Fatalf("errors = %v; want fields %v, exclusions %v", err, fields, ids)
	}
	for i := range fields {
		if gotFields[i] != fields[i] {
			t.Fatalf("fields = %v, want %v", gotFields, fields)
		}
	}
	for i := range ids {
		if gotIDs[i] != ids[i] {
			t.Fatalf("exclusions = %v, want %v", gotIDs, ids)
		}
	}
}

func TestNewRefusesUnknownExclusion(t *testing.T) {
	// A typo in an exclusion must not pass silently: the rule it meant
	// to remove would go on blocking, and the id it names means nothing.
	w, err := waf.New(waf.Config{Exclusions: []int{942100, 942999999}})
	if err == nil || w != nil {
		t.Fatalf("New = %v, %v; want an error", w, err)
	}
	if !errors.Is(err, waf.ErrInvalidConfig) {
		t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
	}
	assertConfigErrors(t, err, nil, []int{942999999})
}
