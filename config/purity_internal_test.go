package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestValidationDoesNotMutate validates decoded configurations, valid and
// broken, and wants them unchanged: references, paths, documents and
// defaults are the loader's, done once before validation.
func TestValidationDoesNotMutate(t *testing.T) {
	t.Setenv("JWT_SECRET", strings.Repeat("s", 32))
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/realapis/*.yaml")
	files = append(files, more...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			before, _ := decode(data, f)
			after, _ := decode(data, f)
			if before == nil {
				t.Skip("does not decode")
			}
			v := &validator{file: f, lines: after.lines}
			v.config(after)
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("validation changed the configuration:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}
