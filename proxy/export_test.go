package proxy

// IsJSON exposes isJSON to the external tests.
var IsJSON = isJSON
