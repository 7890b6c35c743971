// Package secureheaders sets security response headers the way helmet does
// for Express, and removes headers that disclose the server.
//
// The "helmet" profile is byte for byte helmet 8's defaults. The "api"
// profile is stricter, for JSON-only APIs: nothing may be loaded, framed or
// cached. Per-header overrides replace or remove single headers.
//
// [New] compiles a [Config] once; the examples list a profile's headers and
// show [Headers.Handler] in front of an app.
//
// Headers are set before the wrapped handler runs, so the handler can still
// change them; a reverse proxy calls [Headers.Scrub] on the upstream
// response so that the upstream cannot weaken them.
package secureheaders
