// Package notedoc holds the note that the OpenAPI benchmarks measure: a
// document with one integer path parameter and a ~200-byte JSON answer
// that conforms to it, so a response filter passes it unchanged, as it
// does for a well-behaved upstream. The process benchmark, the
// validator's benchmarks and its allocation test share it, so their
// figures describe the same request.
package notedoc
