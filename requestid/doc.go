// Package requestid gives every request an id that ties together the
// access log, security events, problem responses and upstream logs.
//
// A client's X-Request-Id is kept only when it is well formed (1–128
// characters of letters, digits and "-._:"); anything else — too long,
// spaces, quotes, control characters that could forge log lines — is
// replaced by a fresh id. The id is returned to the client and forwarded
// upstream.
//
// [Handler] stores the id in [rampart.Info] (see the example).
package requestid
