// Package challenge holds what the WWW-Authenticate challenges of
// authentication and authorization share.
package challenge

// ValidRealm reports whether s can stand inside a quoted-string without
// escapes: printable ASCII without '"' or '\'. A configured realm that
// passes cannot break the challenge header's syntax or inject another
// parameter.
func ValidRealm(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
