package config

// ResolveSecretForTest resolves a reference as Load would, relative to dir.
func ResolveSecretForTest(ref, dir string, o Options) (Secret, Diagnostics) {
	if o.ReadFile == nil {
		o.ReadFile = readFileLimited
	}
	s := Secret{ref: ref}
	r := resolver{env: o.LookupEnv, read: o.ReadFile, dir: dir}
	v := &validator{file: "x.yaml"}
	if err := r.resolve(&s); err != nil {
		for _, e := range unjoin(err) {
			v.errorf("secret", "%v", e)
		}
	}
	v.secret("secret", &s)
	return s, v.diags
}
