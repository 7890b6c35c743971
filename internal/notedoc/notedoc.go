package notedoc

import "fmt"

// Body is what the upstream answers to GET /api/notes/{id}.
var Body = []byte(`{"id":42,"owner":7,"title":"A note","body":"Some text that an API would return, kept short.","created":"2026-11-30T05:00:00Z","tags":["garden","spring","tulips"],"version":3}`)

// Document returns the OpenAPI document of the note under the given
// version ("3.0.3", "3.1.0").
func Document(version string) []byte { return fmt.Appendf(nil, document, version) }

const document = `openapi: %s
info: {title: bench, version: "1"}
paths:
  /api/notes/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: a note
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: integer}
                  owner: {type: integer}
                  title: {type: string, maxLength: 200}
                  body: {type: string, maxLength: 10000}
                  created: {type: string, format: date-time}
                  tags: {type: array, items: {type: string}}
                  version: {type: integer}
`
