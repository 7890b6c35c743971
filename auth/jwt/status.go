package jwt

// KeySetStatus describes one issuer's verification keys, for readiness
// probes and metrics. It never carries key material.
type KeySetStatus struct {
	// Issuer is the configured issuer, or its label when it has no name.
	Issuer string
	// Remote is true for keys fetched from a JWKS URL or through
	// discovery, false for static keys from the file.
	Remote bool
	// Keys is the number of keys held now; a remote set holds none until
	// its first fetch succeeds.
	Keys int
	// Fetches and FetchFailures count the remote set's fetches that
	// replaced its keys and those (discovery included) that failed.
	Fetches, FetchFailures uint64
}

// KeySets describes each issuer's keys, in configuration order. It is
// safe for concurrent use and cheap enough for every scrape.
func (a *Authenticator) KeySets() []KeySetStatus {
	out := make([]KeySetStatus, 0, len(a.ordered))
	for _, iss := range a.ordered {
		st := KeySetStatus{Issuer: iss.name}
		if ks := iss.keys.Load(); ks != nil {
			st.Keys = len(ks.all)
		}
		if r := iss.remote; r != nil {
			st.Remote = true
			st.Issuer = r.issuer
			st.Fetches, st.FetchFailures = r.fetched.Load(), r.failed.Load()
		}
		if st.Issuer == "" {
			st.Issuer = "(any)"
		}
		out = append(out, st)
	}
	return out
}
