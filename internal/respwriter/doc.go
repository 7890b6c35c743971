// Package respwriter wraps an http.ResponseWriter to record the status and
// size of a response and to run a hook just before the status is written.
// Writers are pooled: a request allocates none.
package respwriter
