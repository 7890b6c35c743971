package tokens

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// OAuthError is an RFC 6749 section 5.2 error response.
type OAuthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	// Basic asks for a WWW-Authenticate: Basic challenge (invalid_client
	// after an Authorization header).
	Basic bool `json:"-"`
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

// RFC 6749 section 5.2 error codes.
const (
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeInvalidGrant         = "invalid_grant"
	CodeUnauthorizedClient   = "unauthorized_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidScope         = "invalid_scope"
	CodeUnsupportedTokenType = "unsupported_token_type"
)

func badRequest(desc string) *OAuthError {
	return &OAuthError{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: desc}
}

// ParseForm reads an OAuth request body: POST, Content-Type
// application/x-www-form-urlencoded (charset, if given, UTF-8), at most
// maxBytes, every parameter at most once (RFC 6749 section 3.2), none in
// the query string (where credentials would reach logs). Parameters
// with an empty value are dropped, as the RFC treats them as omitted.
// Every refusal is an invalid_request [*OAuthError] that quotes nothing
// from the request.
func ParseForm(r *http.Request, maxBytes int64) (url.Values, *OAuthError) {
	if r.Method != http.MethodPost {
		return nil, &OAuthError{Status: http.StatusMethodNotAllowed, Code: CodeInvalidRequest, Description: "POST required"}
	}
	if r.URL.RawQuery != "" {
		return nil, badRequest("parameters belong in the body, not the query string")
	}
	ct := r.Header.Values("Content-Type")
	if len(ct) != 1 {
		return nil, badRequest("Content-Type application/x-www-form-urlencoded required")
	}
	mt, params, err := mime.ParseMediaType(ct[0])
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, badRequest("Content-Type application/x-www-form-urlencoded required")
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return nil, badRequest("only charset=utf-8 is accepted")
		}
	}
	if r.ContentLength > maxBytes {
		return nil, badRequest("request body too large")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, badRequest("request body too large")
		}
		return nil, badRequest("unreadable body")
	}
	if int64(len(body)) > maxBytes {
		return nil, badRequest("request body too large")
	}
	return ParseFormBody(string(body))
}

// ParseFormBody parses an application/x-www-form-urlencoded body with the
// rules of [ParseForm].
func ParseFormBody(body string) (url.Values, *OAuthError) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return nil, badRequest("malformed form body")
	}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, badRequest("a parameter is repeated")
		}
		if vs[0] == "" {
			delete(vals, k)
		}
	}
	return vals, nil
}
