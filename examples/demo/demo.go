package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"text/template"
	"time"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth/devtoken"
	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/console"
	"github.com/rampart-api/rampart/gateway"
)

// ConfigYAML is examples/demo/rampart.yaml.
//
//go:embed rampart.yaml
var ConfigYAML []byte

// OpenAPIYAML is examples/demo/openapi.yaml, the API's OpenAPI document.
// Start writes it next to the configuration, where rampart.yaml's
// "openapi: ./openapi.yaml" finds it from any working directory.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

// Issuer and Audience of the demo's tokens, as in rampart.yaml.
const (
	Issuer   = "https://demo.rampart.invalid/"
	Audience = "rampart-demo-api"
)

// Options choose the demo's addresses and outputs.
type Options struct {
	// APIListen and GatewayListen default to 127.0.0.1:0 (any free port).
	APIListen, GatewayListen string
	// Logs receives the gateway's logs; nil discards them.
	Logs io.Writer
	// AdminListen is the address of the admin listener, a loopback
	// address, which serves health, readiness and the security console
	// behind a random token; empty means none.
	AdminListen string
}

// Demo is a running naive API with Rampart in front of it.
type Demo struct {
	API        *NaiveAPI
	APIURL     string
	GatewayURL string
	// Tokens are valid tokens for alice, bob and admin.
	Tokens map[string]string

	// Console is the security console, when Options.AdminListen was
	// set; AdminURL is the admin listener, ConsoleURL the console's page
	// on it and ConsoleToken the admin bearer token the page asks for,
	// random for each run.
	Console      *console.Console
	AdminURL     string
	ConsoleURL   string
	ConsoleToken string

	// HeapFloor is server.heap_floor of the demo's configuration. The
	// package never changes the garbage collector; rampart demo applies
	// the floor, as rampart serve does.
	HeapFloor int64
	// Log is the gateway's server log.
	Log *slog.Logger

	Gateway   *gateway.Server
	stopAdmin func() error
	dir       string
	stop      context.CancelFunc
	done      chan error
	apiSrv    *http.Server
	logs      *gateway.Logs
}

// Start runs the naive API and the gateway until ctx is done or Close is
// called. The gateway's configuration is rampart.yaml with the upstream
// address and a freshly generated key set filled in.
func Start(ctx context.Context, o Options) (*Demo, error) {
	if o.APIListen == "" {
		o.APIListen = "127.0.0.1:0"
	}
	if o.GatewayListen == "" {
		o.GatewayListen = "127.0.0.1:0"
	}
	if o.Logs == nil {
		o.Logs = io.Discard
	}
	key, err := devtoken.Keygen("ES256")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rampart-demo-")
	if err != nil {
		return nil, err
	}
	d := &Demo{dir: dir, Tokens: map[string]string{}}
	fail := func(err error) (*Demo, error) {
		d.Close()
		return nil, err
	}
	jwksPath := filepath.Join(dir, "demo-jwks.json")
	f, err := os.OpenFile(jwksPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail(err)
	}
	err = key.WriteJWKS(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(fmt.Errorf("writing demo key set: %w", err))
	}

	d.API = NewNaiveAPI(NaiveOptions{Key: key, Issuer: Issuer, Audience: Audience})
	apiLn, err := net.Listen("tcp", o.APIListen)
	if err != nil {
		return fail(fmt.Errorf("demo API: %w", err))
	}
	d.apiSrv = &http.Server{Handler: d.API, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.apiSrv.Serve(apiLn) }()
	d.APIURL = "http://" + apiLn.Addr().String()

	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), OpenAPIYAML, 0o600); err != nil {
		return fail(fmt.Errorf("writing demo OpenAPI document: %w", err))
	}
	cfg, diags := config.Parse(ConfigYAML, filepath.Join(dir, "rampart.yaml"))
	if diags.HasErrors() {
		return fail(diags.Err())
	}
	cfg.Upstreams["app"] = withURL(cfg.Upstreams["app"], d.APIURL)
	cfg.Auth.JWT.Issuers[0].JWKSFile = jwksPath
	d.HeapFloor = cfg.Server.HeapFloorBytes()
	d.logs, err = gateway.OpenLogs(cfg.Log, o.Logs)
	if err != nil {
		return fail(err)
	}
	d.Log = d.logs.Server
	hub := audit.NewHub()
	d.Gateway, err = gateway.NewServer(cfg, gateway.Options{Log: d.logs.Server, Access: d.logs.Access, Events: d.logs.Events, Hub: hub})
	if err != nil {
		return fail(err)
	}
	if o.AdminListen != "" {
		if err := d.startAdmin(o.AdminListen, hub, d.Gateway.Ready); err != nil {
			return fail(err)
		}
	}
	gwLn, err := net.Listen("tcp", o.GatewayListen)
	if err != nil {
		return fail(fmt.Errorf("demo gateway: %w", err))
	}
	d.GatewayURL = "http://" + gwLn.Addr().String()
	for i, u := range DemoUsers {
		if d.Tokens[u.Username], err = d.API.Mint(i+1, 12*time.Hour); err != nil {
			return fail(err)
		}
	}
	sctx, stop := context.WithCancel(ctx)
	d.stop, d.done = stop, make(chan error, 1)
	go func() { d.done <- d.Gateway.Serve(sctx, gwLn) }()
	return d, nil
}

func withURL(u config.Upstream, url string) config.Upstream {
	u.URL = url
	return u
}

// Wait blocks until the gateway stops.
func (d *Demo) Wait() error { return <-d.done }

// Close stops both servers and removes the temporary key set.
func (d *Demo) Close() error {
	var errs []error
	if d.stop != nil {
		d.stop()
		if err := <-d.done; err != nil {
			errs = append(errs, err)
		}
		d.done <- nil // let a concurrent Wait return
	}
	if d.apiSrv != nil {
		errs = append(errs, d.apiSrv.Close())
	}
	if d.stopAdmin != nil {
		errs = append(errs, d.stopAdmin())
	}
	if d.logs != nil {
		errs = append(errs, d.logs.Close())
	}
	errs = append(errs, os.RemoveAll(d.dir))
	return errors.Join(errs...)
}

// guide is parsed on first use, not at start: rampart serve links this
// package but never prints the guide.
var guide = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("guide").Parse(`Rampart demo
  naive API (no protection):  {{.APIURL}}
  the same API through Rampart: {{.GatewayURL}}
{{- if .ConsoleURL}}
  security console:             {{.ConsoleURL}}
  console token:                {{.ConsoleToken}}
  admin listener (same token):  {{.AdminURL}}/readyz
{{- end}}

Copy these lines into a shell (the tokens are valid for 12h and signed
with a key generated for this run), then try each command below against
both addresses:

  API={{.APIURL}}; GW={{.GatewayURL}}
  ALICE={{index .Tokens "alice"}}
  BOB={{index .Tokens "bob"}}
  ADMIN={{index .Tokens "admin"}}

1. Security headers: the API sends none and names its server; Rampart sends
   helmet's set and hides the banner.
     curl -si $API/api/health
     curl -si $GW/api/health

2. CORS: the API reflects any origin with credentials; Rampart answers only
   http://localhost:3000.
     curl -si -H 'Origin: https://evil.example' $API/api/health | grep -i access-control
     curl -si -H 'Origin: https://evil.example' $GW/api/health | grep -i access-control
     curl -si -H 'Origin: http://localhost:3000' $GW/api/health | grep -i access-control

3. Errors: malformed JSON gets a stack trace and SQL from the API; a
   problem+json with a request id from Rampart (the trace goes to its log).
     curl -si -X POST -H 'Content-Type: application/json' -d '{bad' $API/api/login
     curl -si -X POST -H 'Content-Type: application/json' -d '{bad' $GW/api/login

4. Authentication: the API decodes tokens without checking signatures, so a
   forged "alg: none" token works; Rampart answers 401.
     FORGED=$(printf '{"alg":"none"}' | base64 | tr -d '=' | tr '/+' '_-').$(printf '{"sub":"admin","uid":3,"roles":["admin"]}' | base64 | tr -d '=\n' | tr '/+' '_-').
     curl -si -H "Authorization: Bearer $FORGED" $API/api/admin/stats
     curl -si -H "Authorization: Bearer $FORGED" $GW/api/admin/stats

5. Authorization: alice (user) is refused the admin area (403); the admin
   gets in.
     curl -si -H "Authorization: Bearer $ALICE" $API/api/admin/stats
     curl -si -H "Authorization: Bearer $ALICE" $GW/api/admin/stats
     curl -si -H "Authorization: Bearer $ADMIN" $GW/api/admin/stats

6. Object-level authorization (BOLA): alice reads bob's account and notes on
   the API; Rampart's owner rule refuses it (403) but lets her read her own.
     curl -si -H "Authorization: Bearer $ALICE" $API/api/users/2/notes/2
     curl -si -H "Authorization: Bearer $ALICE" $GW/api/users/2/notes/2
     curl -si -H "Authorization: Bearer $ALICE" $GW/api/users/1/notes/1

7. Shadow endpoints: the API still serves a forgotten /api/notes/{id} to
   anyone; Rampart forwards only configured routes (404).
     curl -si -H "Authorization: Bearer $BOB" $API/api/notes/1
     curl -si -H "Authorization: Bearer $BOB" $GW/api/notes/1

8. Path tricks never reach a route their policy did not match:
     curl -si --path-as-is "$GW/api/health/../admin/stats"
     curl -si --path-as-is "$GW/api/users/1%2f..%2f2"

9. Mass assignment: the API lets a sign-up choose its role; Rampart
   validates against the OpenAPI document and refuses it (400, pointer /role).
     curl -si -X POST -H 'Content-Type: application/json' -d '{"username":"mallory","password":"pw-123456","email":"m@example.com","role":"admin"}' $API/api/signup
     curl -si -X POST -H 'Content-Type: application/json' -d '{"username":"mallory","password":"pw-123456","email":"m@example.com","role":"admin"}' $GW/api/signup

10. Excessive data exposure: the API returns password hashes; Rampart removes
    every property the document does not declare.
     curl -s -H "Authorization: Bearer $ALICE" $API/api/users/1
     curl -s -H "Authorization: Bearer $ALICE" $GW/api/users/1

11. Brute force: five wrong passwords lock the username (429, the same
    answer whether the user exists), the lockout doubles each time, and
    the login is also limited per IP.
     for i in $(seq 8); do curl -s -o /dev/null -w '%{http_code} ' -X POST -H 'Content-Type: application/json' -d '{"username":"bob","password":"wrong-password-'$i'"}' $GW/api/login; done; echo

12. Injection: a script in a note is stored by the API; Rampart's WAF
    (OWASP CRS) refuses it with 403.
     curl -si -X POST -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' -d '{"title":"hi","body":"<script>alert(document.cookie)</script>"}' $API/api/users/1/notes
     curl -si -X POST -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' -d '{"title":"hi","body":"<script>alert(document.cookie)</script>"}' $GW/api/users/1/notes

Every refusal above is also a line in the security event log (stderr){{if .ConsoleURL}}
and a row in the security console: open {{.ConsoleURL}} and paste the
console token{{end}}.

Logins (same tokens as above, through the real login):
     curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"alice","password":"alice-demo-password"}' $GW/api/login

Press Ctrl-C to stop.
`))
})

// PrintGuide writes the addresses, tokens and curl commands.
func (d *Demo) PrintGuide(w io.Writer) error { return guide().Execute(w, d) }
