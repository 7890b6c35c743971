//go:build ignore

// gen writes rampart.schema.json from the config package's types; run it
// with go generate from this folder.
package main

import (
	"log"
	"os"

	"github.com/rampart-api/rampart/internal/schemagen"
)

func main() {
	b, err := schemagen.Generate("github.com/rampart-api/rampart/schema", "../config")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("rampart.schema.json", b, 0o644); err != nil {
		log.Fatal(err)
	}
}
