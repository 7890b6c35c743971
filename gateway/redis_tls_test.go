package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart-api/rampart/internal/redistest"
)

// testCA is a certificate authority for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM
}

func newTestCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key, file: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// issue writes a server certificate for dnsName and 127.0.0.1 and its
// key, returning their files.
func (ca *testCA) issue(t *testing.T, dir, dnsName string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: dnsName},
		DNSNames:     []string{dnsName},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, dnsName+".crt"), filepath.Join(dir, dnsName+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRedisOverTLS runs the gateway against a Redis that speaks only TLS:
// with the right CA and name the limit is exact; a server the CA did not
// sign (someone in the path), a certificate for another name, or no TLS
// at all count nothing and fail closed.
func TestRedisOverTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server with TLS")
	}
	t.Setenv("REDIS_PASSWORD", "s3cret-over-tls")
	dir := t.TempDir()
	ca := newTestCA(t, dir, "redis-ca")
	impostor := newTestCA(t, dir, "impostor-ca")
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	cert, key := ca.issue(t, dir, "redis.test")
	srv := redistest.StartTLS(t, cert, key, "s3cret-over-tls", &tls.Config{RootCAs: roots, ServerName: "redis.test", MinVersion: tls.VersionTLS12})

	block := func(tlsBlock string) string {
		return fmt.Sprintf(`{url: "redis://%s/0", password: "${env:REDIS_PASSWORD}", timeout: 5s%s}`, srv.Addr, tlsBlock)
	}
	t.Run("trusted CA and name: exact", func(t *testing.T) {
		gws := threeGateways(t, block(fmt.Sprintf(`, tls: {ca_file: %q, server_name: redis.test}`, ca.file)), "fail_closed")
		if got := admitted(t, gws, []string{"tls"}, 30); got["tls"] != 10 {
			t.Fatalf("%d admitted over TLS, want exactly 10", got["tls"])
		}
	})
	for _, tt := range []struct{ name, tls string }{
		{"a CA that did not sign the server", fmt.Sprintf(`, tls: {ca_file: %q, server_name: redis.test}`, impostor.file)},
		{"a certificate for another name", fmt.Sprintf(`, tls: {ca_file: %q, server_name: cache.test}`, ca.file)},
		{"no TLS to a TLS port", ""},
	} {
		t.Run(tt.name+": fails closed", func(t *testing.T) {
			gws := threeGateways(t, block(tt.tls), "fail_closed")
			for i, gw := range gws {
				if w := tenantRequest(gw, "refused"); w.Code != http.StatusServiceUnavailable {
					t.Errorf("gateway %d: %d, want 503 while Redis cannot be trusted", i, w.Code)
				}
			}
		})
	}
}
