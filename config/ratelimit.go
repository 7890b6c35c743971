package config

// RateLimits configures rate limiting, brute-force protection and
// concurrency caps.
type RateLimits struct{}

func (v *validator) rateLimits(c *Config) {}
