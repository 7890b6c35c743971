// Package respwriter wraps an http.ResponseWriter to record the status and
// size of a response and, when a [Holder] is given, to let it decide from
// the status, just before it is written, whether the response is held
// back. It is the one response-writer wrapper of the pipeline: the access
// log, brute-force accounting and response filtering each use it.
// Writers are pooled: a request allocates none.
package respwriter
