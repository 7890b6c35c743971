package schema

import _ "embed"

// JSON is the JSON Schema (draft 2020-12) of rampart.yaml.
//
//go:embed rampart.schema.json
var JSON []byte
