// Package route normalises request paths and matches them against a
// compiled table of route patterns.
//
// A pattern is a path whose segments are literals, parameters "{name}"
// (exactly one segment), or, as the last segment only, "*" (the rest of the
// path, including nothing). Literal beats parameter beats wildcard.
//
// Normalisation happens once, before matching, and the normalised path is
// the one forwarded upstream, so a policy always applies to the path the
// upstream will see: dot segments (also percent-encoded ones) are resolved,
// duplicate slashes collapse, percent-encoding is made canonical, and an
// encoded "/" or "\" inside a segment, a raw "\", a ";" (a path parameter to
// Java servers), control characters and invalid UTF-8 are refused.
//
// [NewTable] compiles the patterns once; [Table.Match] takes the decoded
// path [Normalize] returns, as the examples show.
package route
