// Package schemagen generates the JSON Schema of rampart.yaml from the
// config package's types, with each field's doc comment as its
// description. The schema is committed as schema/rampart.schema.json
// (go generate ./schema) and checked against a fresh one by the schema
// package's tests.
package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/rampart-api/rampart/config"
)

// ID is the schema's $id, where editors fetch it from.
const ID = "https://raw.githubusercontent.com/rampart-api/rampart/main/schema/rampart.schema.json"

// durationPattern is what time.ParseDuration accepts.
const durationPattern = `^-?(0|([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$|^0$`

// Generate returns the schema, indented, with a final newline. configDir
// is the config package's folder and base the import path that configDir
// is relative to (the import path of the working directory), so that the
// comments found there are matched to the reflected types.
func Generate(base, configDir string) ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		Mapper:                     mapType,
	}
	if err := r.AddGoComments(base, configDir); err != nil {
		return nil, fmt.Errorf("reading doc comments: %w", err)
	}
	s := r.Reflect(&config.Config{})
	for def, props := range enums {
		for prop, values := range props {
			d, ok := s.Definitions[def]
			if !ok {
				return nil, fmt.Errorf("no definition %s", def)
			}
			p, ok := d.Properties.Get(prop)
			if !ok {
				return nil, fmt.Errorf("no property %s.%s", def, prop)
			}
			for _, v := range values {
				p.Enum = append(p.Enum, v)
			}
		}
	}
	s.ID = ID
	s.Title = "rampart.yaml"
	s.Description = "Configuration of the Rampart API gateway (rampart serve, rampart check)."
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encoding the schema: %w", err)
	}
	return buf.Bytes(), nil
}

// enums lists the values of string fields that take one of a few, for
// completion; the empty string means the default.
var enums = map[string]map[string][]string{
	"Redis":      {"mode": {"", config.RedisSingle, config.RedisCluster, config.RedisSentinel}},
	"RateLimits": {"store": {"", config.StoreMemory, config.StoreRedis}, "on_store_error": {"", "fail_closed", "fail_open", "local"}, "headers": {"", "draft-7", "none"}},
}

// mapType gives the types that decode themselves from YAML the shape they
// accept in the file.
func mapType(t reflect.Type) *jsonschema.Schema {
	stringOrList := func(desc string) *jsonschema.Schema {
		return &jsonschema.Schema{
			Description: desc,
			OneOf: []*jsonschema.Schema{
				{Type: "string"},
				{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
			},
		}
	}
	switch t {
	case reflect.TypeFor[config.Secret]():
		return &jsonschema.Schema{
			Type:        "string",
			Description: "A secret: a ${env:NAME} or ${file:PATH} reference, alone or inside a larger string. A literal value is accepted with a warning.",
		}
	case reflect.TypeFor[time.Duration]():
		return &jsonschema.Schema{
			Description: "A duration such as 300ms, 15m or 1h30m.",
			OneOf: []*jsonschema.Schema{
				{Type: "string", Pattern: durationPattern},
				{Type: "integer", Description: "nanoseconds"},
			},
		}
	case reflect.TypeFor[config.StringList]():
		return stringOrList("One name or a list of names.")
	case reflect.TypeFor[config.ClaimPath]():
		return stringOrList(`A claim path: "userId", "data.role", or a list of segments for names that hold dots.`)
	}
	return nil
}
