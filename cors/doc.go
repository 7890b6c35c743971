// Package cors applies a strict CORS policy on top of rs/cors: only listed
// origins ever receive CORS headers, preflights are answered here and never
// reach the application, and every response varies on Origin.
//
// The configuration is validated before use and every problem is reported
// at once. "*" together with credentials is refused, as are the "null"
// origin, origins with paths, and wildcards anywhere but a subdomain label.
//
// [New] compiles a [Config] into a [Policy]; the examples show an allowed
// and a refused origin, and a config New refuses.
package cors
