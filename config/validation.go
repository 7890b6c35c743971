package config

// Limits are the structural limits every JSON request body must respect,
// with or without an OpenAPI document.
type Limits struct{}

func (v *validator) validation(c *Config) {}
