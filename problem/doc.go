// Package problem writes the only error bodies Rampart ever sends:
// application/problem+json documents (RFC 9457).
//
// A middleware that refuses a request returns or writes a [*Error]; its
// Reason and wrapped cause are for logs and security events and are never
// rendered. Any other error becomes a generic 500 whose only detail is the
// request id, so that Go error text, stack traces and upstream bodies cannot
// reach a client:
//
// A middleware that refuses a request calls [Write] with [New]'s result (see
// the example), or hands it to its ErrorHandler hook, a [ErrorHandler] that
// defaults to [Write].
package problem
