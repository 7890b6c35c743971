// Package cors applies a strict CORS policy on top of rs/cors: only listed
// origins ever receive CORS headers, preflights are answered here and never
// reach the application, and every response varies on Origin.
//
// The configuration is validated before use and every problem is reported
// at once. "*" together with credentials is refused, as are the "null"
// origin, origins with paths, and wildcards anywhere but a subdomain label.
//
//	c, err := cors.New(cors.Config{
//		AllowedOrigins:   []string{"https://app.example.com"},
//		AllowedMethods:   []string{"GET", "POST"},
//		AllowCredentials: true,
//	})
//	handler := c.Handler(app)
package cors
