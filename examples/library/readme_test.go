package main

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// TestREADMELibraryBlock keeps the README's Library section the program in
// this folder, so that the snippet readers copy compiles.
func TestREADMELibraryBlock(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := libraryBlock(readme)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the Go block under README's \"## Library\" differs from examples/library/main.go; copy the file into the README")
	}
}

// libraryBlock returns the first Go code block of the README's Library
// section.
func libraryBlock(readme []byte) ([]byte, error) {
	_, section, ok := bytes.Cut(readme, []byte("\n## Library\n"))
	if !ok {
		return nil, errors.New("README has no \"## Library\" section")
	}
	if end := bytes.Index(section, []byte("\n## ")); end >= 0 {
		section = section[:end+1]
	}
	_, block, ok := bytes.Cut(section, []byte("\n```go\n"))
	if !ok {
		return nil, errors.New("the Library section has no Go code block")
	}
	block, _, ok = bytes.Cut(block, []byte("\n```\n"))
	if !ok {
		return nil, errors.New("the Library section's Go code block is not closed")
	}
	return append(block, '\n'), nil
}

func TestLibraryBlock(t *testing.T) {
	for _, tt := range []struct {
		name, readme, want string
		ok                 bool
	}{
		{"block", "# R\n## Library\ntext\n```go\npackage main\n```\n## Next\n", "package main\n", true},
		{"block in a later section only", "# R\n## Library\ntext\n## Next\n```go\npackage main\n```\n", "", false},
		{"no section", "# R\n```go\npackage main\n```\n", "", false},
		{"unclosed block", "# R\n## Library\n```go\npackage main\n", "", false},
		{"other language first", "# R\n## Library\n```sh\ngo run .\n```\n```go\nx\n```\n", "x\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := libraryBlock([]byte(tt.readme))
			if (err == nil) != tt.ok || string(got) != tt.want {
				t.Fatalf("libraryBlock = %q, %v; want %q, ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}
