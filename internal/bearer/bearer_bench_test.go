package bearer

import "testing"

// BenchmarkParse parses the header of an ES256 JWT of the usual size.
func BenchmarkParse(b *testing.B) {
	v := "Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0." +
		"eyJhdWQiOlsiYXBpIl0sImV4cCI6MTc5OTk5OTk5OSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUvIiwicm9sZXMiOlsidXNlciJdLCJzdWIiOiJ1c2VyLTQyIn0." +
		"MEUCIQDx3y3m0nB0a3Yl5yQy2d8fKq1Vb1rZr2sX9m0t6g7pQwIgZ1q2w3e4r5t6y7u8i9o0p1a2s3d4f5g6h7j8k9l0z1x2c3v4"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(v, 8192); err != nil {
			b.Fatal(err)
		}
	}
}
