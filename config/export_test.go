package config

// ResolveSecretForTest resolves a reference as Load would, relative to dir.
func ResolveSecretForTest(ref, dir string, o Options) (Secret, Diagnostics) {
	if o.ReadFile == nil {
		o.ReadFile = readFileLimited
	}
	s := Secret{ref: ref}
	v := &validator{file: "x.yaml", res: resolver{env: o.LookupEnv, read: o.ReadFile, dir: dir}}
	v.secret("secret", &s)
	return s, v.diags
}
