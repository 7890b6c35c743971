package bruteforce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Errors for login requests whose username cannot be read unambiguously.
// Each is refused rather than counted per client IP only, which would let
// an attacker escape the username lockout by choosing the form.
var (
	// ErrBodyTooLarge: the body is longer than MaxBodyBytes (413).
	ErrBodyTooLarge = errors.New("bruteforce: login body over the read limit")
	// ErrCharset: the body or a part declares a charset other than UTF-8
	// (415); an upstream that decodes UTF-7 would read "+AGEAbABpAGMAZQ-"
	// as "alice".
	ErrCharset = errors.New("bruteforce: login body charset is not UTF-8")
	// ErrEncoding: a Content-Encoding or Content-Transfer-Encoding the
	// guard does not decode (415).
	ErrEncoding = errors.New("bruteforce: login body is encoded")
	// ErrMediaType: a body that is not JSON, a URL-encoded form or
	// multipart/form-data (415).
	ErrMediaType = errors.New("bruteforce: login body media type not understood")
	// ErrMalformed: a body, query string or Basic credentials that do not
	// parse (400).
	ErrMalformed = errors.New("bruteforce: login request malformed")
	// ErrUsernameShape: the username is an array, object, number or file,
	// or a bracketed key such as username[0] or username[$ne] (400).
	ErrUsernameShape = errors.New("bruteforce: username is not a single string")
	// ErrUsernameConflict: the query string, the body, Basic credentials
	// or duplicate fields give different usernames (400). Frameworks that merge query and
	// body (Express's req.query and req.body, Flask's request.values)
	// disagree on which wins.
	ErrUsernameConflict = errors.New("bruteforce: the request gives different usernames")
)

// NormalizeUsername folds the spellings of one username together, so that
// "Alice", "ALICE", "Ａｌｉｃｅ" (fullwidth), "\u00a0alice" and
// "\ufeffalice" share one failure counter: Unicode white space, control and
// format characters (and other default-ignorable code points) are removed
// wherever they are, then NFKC, case folding and NFKC again (folding can
// denormalise). Upstreams trim, ignore case or compare compatibility forms
// in ways the gateway cannot know, so it folds more than any of them.
func NormalizeUsername(s string) string {
	s = norm.NFKC.String(strip(s))
	s = norm.NFKC.String(cases.Fold().String(s))
	return strip(s)
}

func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s)
}

func invisible(r rune) bool {
	return unicode.Is(unicode.White_Space, r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r)
}

// foldKey is how field names are compared: case-insensitively with full
// Unicode folding, as Go's encoding/json matches struct fields ("USERNAME"
// and "uſername" both fill a Username field).
func foldKey(s string) string { return cases.Fold().String(s) }

// username returns the one username a login request gives in field: from
// the query string, from a JSON, URL-encoded or multipart body, and from
// Authorization: Basic credentials, all of them, since frameworks merge
// query and body and an upstream may read either the form or the header.
// It returns "" when none gives one, and an error wrapping one of the
// errors above when the request is ambiguous or unreadable. body is the
// complete body.
func username(r *http.Request, body []byte, field string) (string, error) {
	found, err := fromBasic(nil, r.Header)
	if err != nil {
		return "", err
	}
	want := foldKey(field)
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", ErrMalformed
	}
	if found, err = fromValues(found, q, want); err != nil {
		return "", err
	}
	if len(body) > 0 {
		if found, err = fromBody(found, r.Header, body, want); err != nil {
			return "", err
		}
	}
	u := ""
	for i, v := range found {
		if !utf8.ValidString(v) {
			return "", ErrMalformed
		}
		n := NormalizeUsername(v)
		if i > 0 && n != u {
			return "", ErrUsernameConflict
		}
		u = n
	}
	return u, nil
}

// fromBasic collects the user-id of every Authorization header with the
// Basic scheme (RFC 7617; the scheme name is case-insensitive), every
// header and not only the first, since servers disagree on which of
// several they read. Credentials the guard cannot read exactly — not
// padded standard base64, or without the colon that ends the user-id —
// are malformed rather than skipped: lenient decoders (Node's Buffer
// accepts the URL alphabet and missing padding) would still find a
// username in them upstream. Other schemes are ignored.
func fromBasic(found []string, h http.Header) ([]string, error) {
	for _, v := range h.Values("Authorization") {
		v = strings.TrimLeft(v, " \t")
		scheme, cred := v, ""
		if i := strings.IndexAny(v, " \t"); i >= 0 {
			scheme, cred = v[:i], v[i+1:]
		}
		if !strings.EqualFold(scheme, "Basic") {
			continue
		}
		// DecodeString skips CR and LF; a header has neither.
		b, err := base64.StdEncoding.Strict().DecodeString(strings.Trim(cred, " \t"))
		if err != nil || strings.ContainsAny(cred, "\r\n") {
			return nil, ErrMalformed
		}
		user, _, ok := strings.Cut(string(b), ":")
		if !ok {
			return nil, ErrMalformed
		}
		found = append(found, user)
	}
	return found, nil
}

func fromBody(found []string, h http.Header, body []byte, want string) ([]string, error) {
	for _, ce := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(ce, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				return nil, ErrEncoding
			}
		}
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return nil, ErrMediaType
	}
	if cs, ok := params["charset"]; ok && !utf8Charset(cs) {
		return nil, ErrCharset
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return fromJSON(found, body, want)
	case mt == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, ErrMalformed
		}
		if cs := v["_charset_"]; len(cs) > 0 && !utf8Charset(cs[0]) {
			return nil, ErrCharset
		}
		return fromValues(found, v, want)
	case mt == "multipart/form-data":
		return fromMultipart(found, body, params["boundary"], want)
	}
	return nil, ErrMediaType
}

func utf8Charset(cs string) bool {
	return strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8") || strings.EqualFold(cs, "us-ascii")
}

// fromValues collects the values of want, refusing bracketed forms that
// qs (Express) and PHP turn into arrays or objects.
func fromValues(found []string, v url.Values, want string) ([]string, error) {
	for k, vs := range v {
		switch fk := foldKey(k); {
		case fk == want:
			found = append(found, vs...)
		case strings.HasPrefix(fk, want+"[") || strings.HasPrefix(fk, want+"."):
			return nil, ErrUsernameShape
		}
	}
	return found, nil
}

// fromJSON collects every top-level member named want; each must be a
// string. A body that is not JSON is malformed; one that is not an object
// gives no username.
func fromJSON(found []string, body []byte, want string) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	t, err := dec.Token()
	if err != nil {
		return nil, ErrMalformed
	}
	if t != json.Delim('{') {
		if !json.Valid(body) {
			return nil, ErrMalformed
		}
		return found, nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, ErrMalformed
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, ErrMalformed
		}
		fk := foldKey(name)
		if fk != want {
			if strings.HasPrefix(fk, want+"[") {
				return nil, ErrUsernameShape
			}
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, ErrUsernameShape
		}
		found = append(found, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, ErrMalformed
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrMalformed
	}
	return found, nil
}

// fromMultipart collects the form fields named want. Parts are read raw:
// a Content-Transfer-Encoding other than the identity ones is refused
// rather than decoded, since upstream parsers differ on it.
func fromMultipart(found []string, body []byte, boundary, want string) ([]string, error) {
	if boundary == "" {
		return nil, ErrMalformed
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return nil, ErrMalformed
		}
		if err := checkPart(p.Header); err != nil {
			return nil, err
		}
		name := p.FormName()
		fk := foldKey(name)
		switch {
		case fk == "_charset_":
			v, err := io.ReadAll(p)
			if err != nil {
				return nil, ErrMalformed
			}
			if !utf8Charset(strings.TrimSpace(string(v))) {
				return nil, ErrCharset
			}
		case fk == want:
			if p.FileName() != "" {
				return nil, ErrUsernameShape
			}
			v, err := io.ReadAll(p)
			if err != nil {
				return nil, ErrMalformed
			}
			found = append(found, string(v))
		case strings.HasPrefix(fk, want+"[") || strings.HasPrefix(fk, want+"."):
			return nil, ErrUsernameShape
		}
	}
}

func checkPart(h textproto.MIMEHeader) error {
	switch cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte {
	case "", "7bit", "8bit", "binary":
	default:
		return ErrEncoding
	}
	if ct := h.Get("Content-Type"); ct != "" {
		_, params, err := mime.ParseMediaType(ct)
		if err != nil {
			return ErrMalformed
		}
		if cs, ok := params["charset"]; ok && !utf8Charset(cs) {
			return ErrCharset
		}
	}
	return nil
}

// hashKey returns a compact digest of v: HMAC-SHA-256 under secret when
// one is set (so that store contents cannot be checked against a list of
// likely usernames), plain SHA-256 otherwise; 128 bits, base64url.
func hashKey(secret []byte, v string) string {
	var sum []byte
	if len(secret) > 0 {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(v))
		sum = h.Sum(nil)
	} else {
		s := sha256.Sum256([]byte(v))
		sum = s[:]
	}
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
