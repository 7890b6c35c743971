// Package schema holds the JSON Schema of rampart.yaml, generated from the
// config package's types and their doc comments. Editors that speak the
// YAML language server protocol complete and check a file that starts with
//
//	# yaml-language-server: $schema=https://raw.githubusercontent.com/rampart-api/rampart/main/schema/rampart.schema.json
//
// The schema describes the file's shape only (names, types, durations,
// secrets); rampart check remains the judge of what a file means.
//
// After changing a type in package config, regenerate it:
//
//	go generate ./schema
package schema

//go:generate go run gen.go
