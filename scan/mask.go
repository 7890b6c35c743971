package scan

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

var (
	jwtRe       = lazyregexp.New(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	secretKV    = lazyregexp.New(`(?i)("(?:[a-z_]*password[a-z_]*|passwd|[a-z_]*secret[a-z_]*|[a-z_]*token|api_?key|[a-z_]*hash|private_?key|card_?number|cvv|ssn)"\s*:\s*)("(?:[^"\\]|\\.)*"|[0-9]+)`)
	envKV       = lazyregexp.New(`(?im)^([A-Z0-9_]*(?:SECRET|PASSWORD|TOKEN|KEY|PASS)[A-Z0-9_]*\s*=\s*)(\S+)`)
	pemRe       = lazyregexp.New(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`)
	cardRe      = lazyregexp.New(`\b(?:\d[ -]?){13,19}\b`)
	spaceRe     = lazyregexp.New(`\s+`)
	queryTokens = []string{"access_token", "token", "jwt", "api_key", "apikey", "password", "key"}
)

const masked = "[masked]"

// maskToken keeps a token's first characters, enough to tell two apart.
func maskToken(s string) string {
	if len(s) <= 8 {
		return masked
	}
	return s[:4] + "…" + masked
}

// maskText removes tokens, secrets, private keys and card numbers from s.
func maskText(s string, extra ...string) string {
	for _, e := range extra {
		if len(e) >= 6 {
			s = strings.ReplaceAll(s, e, masked)
		}
	}
	s = pemRe.ReplaceAllString(s, "-----BEGIN PRIVATE KEY-----"+masked)
	s = jwtRe.ReplaceAllStringFunc(s, maskToken)
	s = secretKV.ReplaceAllString(s, `${1}"`+masked+`"`)
	s = envKV.ReplaceAllString(s, "${1}"+masked)
	s = cardRe.ReplaceAllStringFunc(s, func(m string) string {
		if luhn(m) {
			return masked
		}
		return m
	})
	return s
}

// excerpt is a short, single-line, masked piece of a body for evidence.
func excerpt(b []byte, extra ...string) string {
	const n = 240
	s := string(b)
	if len(s) > 4*n {
		s = s[:4*n]
	}
	s = maskText(s, extra...)
	s = strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// maskPath masks credential-looking query parameters.
func maskPath(p string) string {
	path, q, ok := strings.Cut(p, "?")
	if !ok {
		return p
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return path + "?" + masked
	}
	changed := false
	for _, k := range queryTokens {
		if v := vals.Get(k); v != "" {
			vals.Set(k, maskToken(v))
			changed = true
		}
	}
	if !changed {
		return maskText(p)
	}
	return path + "?" + vals.Encode()
}

func luhn(s string) bool {
	sum, n, alt := 0, 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if alt {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		alt = !alt
		n++
	}
	return n >= 13 && sum%10 == 0
}

// evidence builds masked evidence from an exchange.
func (ex *exchange) evidence(extra ...string) Evidence {
	p := ex.probe
	var b strings.Builder
	b.WriteString(p.Method)
	b.WriteByte(' ')
	b.WriteString(maskPath(p.Path))
	var hs []string
	if ex.token != "" {
		hs = append(hs, ex.place.render(maskToken(ex.token)))
	}
	for _, k := range []string{"Origin", "Access-Control-Request-Method", "Content-Type"} {
		if v := p.Header.Get(k); v != "" {
			hs = append(hs, k+": "+v)
		}
	}
	if len(p.Body) > 0 {
		if len(p.Body) > 1024 {
			hs = append(hs, "body: "+strconv.Itoa(len(p.Body))+" bytes")
		} else {
			hs = append(hs, "body: "+excerpt(p.Body, extra...))
		}
	}
	if len(hs) > 0 {
		b.WriteString(" (" + strings.Join(hs, "; ") + ")")
	}
	return Evidence{Request: b.String(), Status: ex.Status, Response: excerpt(ex.Body, extra...)}
}
