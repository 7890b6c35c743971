package tokens

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alexedwards/argon2id"
)

// Client is a registered third party allowed the client_credentials
// grant.
type Client struct {
	ID string
	// SecretHash is the argon2id hash of the secret in PHC string format
	// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), as [NewClientSecret] makes.
	SecretHash string
	Scopes     []string
	Roles      []string
}

// Validate checks the id and that SecretHash is an argon2id PHC string.
func (c Client) Validate() error {
	var errs []error
	if c.ID == "" || strings.ContainsAny(c.ID, ":\x00") {
		errs = append(errs, errors.New("ID: required, without ':'"))
	}
	if _, _, _, err := argon2id.DecodeHash(c.SecretHash); err != nil {
		errs = append(errs, fmt.Errorf("SecretHash: not an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash): %w", err))
	}
	return errors.Join(errs...)
}

// ClientSecretParams are the argon2id parameters of new client secrets
// (RFC 9106's second recommended option: 64 MiB, 3 passes).
var ClientSecretParams = &argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 2, SaltLength: 16, KeyLength: 32}

// NewClientSecret makes a random 256-bit secret and its argon2id hash.
// The secret is shown once; only the hash goes into the configuration.
func NewClientSecret() (secret, hash string, err error) {
	secret = "rs_" + randomString(32)
	hash, err = argon2id.CreateHash(secret, ClientSecretParams)
	return secret, hash, err
}

// NewClientID returns a random client id.
func NewClientID() string {
	return "client_" + randomString(9)
}
