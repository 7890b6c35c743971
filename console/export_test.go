package console

// TrackedKeys is how many keys the top tables hold, for tests.
func (c *Console) TrackedKeys() int {
	c.agg.mu.Lock()
	defer c.agg.mu.Unlock()
	return c.agg.ips.entries() + c.agg.subjects.entries() + c.agg.routes.entries() + c.agg.policies.entries()
}

// Publish sends data to every stream subscriber, for tests.
func (c *Console) Publish(data []byte) { c.stream.publish(data) }
