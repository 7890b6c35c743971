// Package validate holds requests and responses to an upstream's OpenAPI
// document (3.0 or 3.1), on getkin/kin-openapi.
//
// One [Validator] per upstream finds the operation for each request from its
// (already normalised) path and method, and then:
//
//   - inventory: answers 404 to a path+method the document does not
//     describe, so shadow and zombie endpoints never reach the upstream
//     (OWASP API9);
//   - requests: checks path, query, header and cookie parameters and JSON or
//     form bodies, and answers 400 with at most MaxErrors field errors, each
//     a JSON pointer and a short reason that never quotes the value;
//   - mass assignment: with RejectUnknownProperties, refuses any body
//     property the schema does not declare, and always refuses readOnly
//     properties in requests (OWASP API3);
//   - media types: the Content-Type is parsed once (lower-cased); a media
//     type, charset or Content-Encoding the operation or the limits do not
//     accept is 415, a body with a byte order mark 400, and form and
//     multipart fields are held to the schema as JSON properties are
//     (declared names only; bracket names and repeats only where the schema
//     declares the object or array they build);
//   - responses: filter removes every property the response schema does not
//     declare (a leaked password_hash never reaches the client) and every
//     writeOnly one (a password the API takes must not come back), enforce
//     also replaces a non-conforming response with a 502 problem, report
//     only emits events. A 2xx whose media type the document does not
//     declare (JSONP, HTML, CSV), or that is not JSON under a schema the
//     filter reads (an object schema declared under */*, application/* or
//     an XML type), is a 502 under filter and enforce; an
//     operation without any response schema passes unchanged under filter
//     ([Validator.WithoutResponseSchema] lists them). A held response is
//     bounded by MaxResponseBody and, when Config.Budget is set, by a
//     [Budget] shared with other buffers (503 past it); at most GOMAXPROCS
//     responses per Validator are decoded at once;
//   - HEAD: a document that does not describe HEAD has it checked as GET.
//
// Declared, for the filter and for mass assignment, means named in
// properties, matched by a patternProperties pattern (every matching
// pattern's schema then applies to the value, and a property of it
// survives only if each declares it), or admitted by additionalProperties
// or unevaluatedProperties, through allOf, anyOf and oneOf; a branch with
// no type only asserts and admits no name, and a free-form allOf branch
// admits every name only where nothing beside it declares any. Arrays are
// walked position by position through prefixItems, then items; an object
// or array past a prefix with no items is a mismatch. A name that is not
// declared as written but equals a declared one under Unicode case
// folding ("Role", "ROLE" or "rolE" beside or instead of "role") is never
// declared, whatever admits extras: encoding/json, and other clients that
// match names without case, read it as the declared property, so it is
// removed from responses and refused in requests. patternProperties are
// compiled once by [New] as RE2 patterns; one RE2 cannot compile
// (lookaround, backreferences) refuses the document with a [PatternError].
//
// Schemas of a 3.1 document are checked as JSON Schema 2020-12. An
// operation whose schemas use only keywords 3.0 shares with 3.1 is checked
// by kin-openapi's schema walker, which needs no per-request work; one
// using a keyword only 2020-12 gives a meaning to goes through kin-openapi's
// 2020-12 validator, which compiles the schema on every call. New makes
// the choice once per operation.
//
// What the document decides is compiled once by New: each response
// schema's shape, against which a held JSON response is read as a stream
// and, when it conforms, sent as it came without being decoded; and, for
// operations whose only inputs are plain path, query and header
// parameters, a plan that accepts them without kin-openapi's per-request
// machinery. Neither ever
// refuses: what they do not accept is decided by the decoding path and
// kin-openapi, as it would be without them.
//
// The [Validator.Handler] examples hold a request to a document and show
// what goes wrong when a handler in front consumes the body.
package validate
