// Package jsonlimits enforces structural limits on request bodies that hold
// without any schema: JSON nesting depth, array length, string length,
// properties per object, duplicate object keys, invalid UTF-8, and a
// Content-Type that does not match the body. Around them, it makes the
// gateway and the upstream read the same request: [ParseMediaType] parses
// the Content-Type once for every decision, [MediaType.CheckCharset]
// refuses charsets other than UTF-8 and US-ASCII, [Limits.ReadRequest]
// refuses or decodes a Content-Encoding, byte order marks and _method form
// fields are refused, and [FormFields] and [ParseFieldName] list form and
// multipart field names as qs, Rack, PHP and multer read them.
//
// The checks stream over the body with encoding/json's Decoder.Token and stop
// at the first violation, so a 100 000-deep array costs 33 tokens, not a
// parse tree. Every error carries the JSON pointer of the offending value.
//
// Build one with [New]; the [Limits.Check] example reads the pointer of
// the offending value out of the error.
//
// As middleware, [Limits.Handler] reads the body once, bounded by
// Config.MaxBody, and hands it on intact (decoded, with RequestEncoding:
// EncodingDecode).
package jsonlimits
