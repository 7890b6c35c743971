package scan

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

// authState is what learnAuth found out about how the API takes tokens.
type authState struct {
	// target is an operation that refuses anonymous callers and accepts
	// an identity: what a forged token must not unlock.
	target *authTarget
	// accepted are the placements the API accepted a real token in, the
	// first one used for every probe.
	accepted []Placement
	// refused names identities refused by every operation tried.
	refused  map[string]bool
	describe string
}

// authTarget is an operation that refuses anonymous callers and accepts
// the identity.
type authTarget struct {
	op   *Operation
	path string
	id   *Identity
	// anon is the refusal an anonymous caller got.
	anon *exchange
}

// refusal reports an answer that refuses the caller's credentials.
func refusal(ex *exchange) bool {
	return ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden
}

// learnAuth finds an operation that refuses anonymous callers, learns
// where the API takes a token (unless the placement is given) and which
// identities it refuses everywhere. An identity refused everywhere makes
// the scan incomplete: every check acting as it proved nothing.
func (r *run) learnAuth(ctx context.Context) {
	r.auth.refused = map[string]bool{}
	ids := r.cfg.Identities
	if len(ids) == 0 {
		return
	}
	var targets []*authTarget
	for _, o := range r.ops {
		if o.Method != http.MethodGet || len(targets) >= 4 || (len(o.Params) > 0 && len(o.sampleIDs()) == 0) {
			continue
		}
		path := r.concrete(o)
		anon, err := r.send(ctx, &probe{Method: http.MethodGet, Path: path, Op: o.String()})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if refusal(anon) && !r.base.matches(anon) {
			targets = append(targets, &authTarget{op: o, path: path, anon: anon})
		}
	}
	// Admin operations refuse ordinary identities too: try others first.
	slices.SortStableFunc(targets, func(a, b *authTarget) int { return boolCmp(a.op.Admin, b.op.Admin) })
	given := r.cfg.Auth
	places := candidatePlacements
	if given != nil {
		places = []Placement{*given}
	}
	accepts := func(t *authTarget, id *Identity, pl *Placement) bool {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: t.path, Op: t.op.String(), As: id, Place: pl})
		return err == nil && ex.ok() && !r.base.matches(ex)
	}
	for _, t := range targets {
		for i := range ids {
			if ids[i].Place != nil {
				if accepts(t, &ids[i], nil) {
					t.id = &ids[i]
					r.auth.target = t
					r.auth.accepted = []Placement{*ids[i].Place}
				}
			} else {
				for _, pl := range places {
					if accepts(t, &ids[i], &pl) {
						r.auth.accepted = append(r.auth.accepted, pl)
					}
				}
				if len(r.auth.accepted) > 0 {
					t.id = &ids[i]
					r.auth.target = t
				}
			}
			if r.auth.target != nil {
				break
			}
		}
		if r.auth.target != nil {
			break
		}
	}
	switch {
	case len(targets) == 0:
		pl := bearer
		if given != nil {
			pl = *given
		}
		r.auth.describe = pl.String() + " (no operation refused anonymous callers, so how the API takes tokens could not be checked)"
		r.c.setPlace(pl)
		return
	case r.auth.target == nil:
		for _, id := range ids {
			r.auth.refused[id.Name] = true
		}
		r.auth.describe = "every identity was refused"
		r.fail(fmt.Sprintf("every identity was refused by %d operations that refuse anonymous callers, in %d ways of sending a token; authentication, bola and bfla checks proved nothing (check the tokens, or give --auth-header, --auth-cookie or --auth-scheme)",
			len(targets), len(places)))
		return
	}
	pl := r.auth.accepted[0]
	r.c.setPlace(pl)
	how := "learnt from " + r.auth.target.op.String()
	if given != nil {
		how = "given"
	}
	var also []string
	for _, p := range r.auth.accepted[1:] {
		also = append(also, p.String())
	}
	r.auth.describe = pl.String() + " (" + how + ")"
	if len(also) > 0 {
		r.auth.describe += "; also accepted: " + strings.Join(also, ", ")
	}
	// Every other identity must be accepted somewhere, or it is refused.
	for i := range ids {
		if &ids[i] == r.auth.target.id {
			continue
		}
		ok := false
		for _, t := range targets {
			if accepts(t, &ids[i], nil) {
				ok = true
				break
			}
		}
		if !ok {
			r.auth.refused[ids[i].Name] = true
			r.fail(fmt.Sprintf("identity %s was refused by every operation that accepted %s (sent as %s): checks acting as it proved nothing", ids[i].Name, r.auth.target.id.Name, pl))
		}
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// accepted returns the identities the API did not refuse.
func (r *run) acceptedIDs() []Identity {
	var out []Identity
	for _, id := range r.cfg.Identities {
		if !r.auth.refused[id.Name] {
			out = append(out, id)
		}
	}
	return out
}

// mePaths are where APIs answer with the caller's own user.
var mePaths = []string{"/api/me", "/api/users/me", "/me", "/whoami", "/api/whoami", "/rest/user/whoami", "/api/user", "/user", "/profile", "/api/profile", "/api/account", "/api/v1/me"}

// learnOwnIDs asks me-style operations, as each identity, for the ids the
// API knows it by; they fill path, query and body parameters for BOLA and
// tell whose object an answer is.
func (r *run) learnOwnIDs(ctx context.Context) {
	ids := r.cfg.Identities
	if len(ids) == 0 || !(r.fams["bola"] || r.fams["bfla"]) {
		return
	}
	paths := slices.Clone(mePaths)
	for _, o := range r.ops {
		if o.Method == http.MethodGet && len(o.Params) == 0 && meRe.MatchString(o.Path) && !slices.Contains(paths, o.Path) {
			paths = append([]string{o.Path}, paths...)
		}
	}
	first := r.anyID()
	if first == nil {
		return
	}
	var live []string
	for _, p := range paths {
		if len(live) >= 2 {
			break
		}
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + p, As: first})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if ex.ok() && ex.isJSON() && !r.base.matches(ex) {
			live = append(live, p)
			first.learn(ex.Body)
			r.meLinks = append(r.meLinks, apiLinks(ex.Body)...)
		}
	}
	for i := range ids {
		if &ids[i] == first || r.auth.refused[ids[i].Name] {
			continue
		}
		for _, p := range live {
			ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + p, As: &ids[i]})
			if err == nil && ex.ok() {
				ids[i].learn(ex.Body)
			}
		}
	}
}

// learn adds the id-like values of a me-style answer to the identity's
// marks.
func (id *Identity) learn(body []byte) {
	v := decodeJSON(body)
	var vals []string
	idValues(v, 0, &vals)
	for _, s := range vals {
		if !slices.Contains(id.learnt, s) && len(id.learnt) < 16 {
			id.learnt = append(id.learnt, s)
		}
	}
}

var uuidRe = lazyregexp.New(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{24}|\d+)$`)

// template turns a concrete path into an operation template: numeric
// and UUID segments become {id}, a segment equal to one of an identity's
// claims becomes that claim's name ({tenant}). It returns the template
// and the sample for its last parameter.
func template(p string, ids []Identity) (string, string) {
	segs := strings.Split(p, "/")
	sample := ""
	for i, seg := range segs {
		if seg == "" {
			continue
		}
		if uuidRe.MatchString(seg) {
			segs[i], sample = "{id}", seg
			continue
		}
		for _, id := range ids {
			if k := claimKeyOf(id.claims, seg); k != "" {
				segs[i], sample = "{"+k+"}", seg
				break
			}
		}
	}
	return strings.Join(segs, "/"), sample
}

// notObjectClaims name the token, the caller's privileges or state, never
// an object of the caller's: /admin/users is no {role}/users.
var notObjectClaims = map[string]bool{"iss": true, "aud": true, "typ": true, "type": true, "role": true, "roles": true, "scope": true,
	"scopes": true, "groups": true, "permissions": true, "status": true, "azp": true, "amr": true, "acr": true}

// claimKeyOf returns the name of a string claim whose value is v, or "".
func claimKeyOf(c map[string]any, v string) string {
	key := ""
	walkJSON(c, 0, func(k string, val any) {
		if s, ok := val.(string); ok && s == v && len(v) >= 2 && key == "" && !notObjectClaims[normKey(k)] {
			key = k
		}
	})
	return key
}

// followLinks reads, as the first accepted identity, the API paths that
// me-style answers link to, and the links in those answers: each becomes
// a sample of the operation it instantiates (/tenants/acme/tickets of
// /tenants/{tenant}/tickets), and, when crawling, a new operation.
func (r *run) followLinks(ctx context.Context) {
	first := r.anyID()
	if first == nil {
		return
	}
	ids := r.cfg.Identities
	known := map[string]*Operation{}
	for _, o := range r.ops {
		known[o.Method+" "+pathKey(o.Path)] = o
	}
	queue := slices.Clone(r.meLinks)
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < 12 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] || strings.Contains(p, ".") {
			continue
		}
		seen[p] = true
		tmpl, sample := template(p, ids)
		o := known[http.MethodGet+" "+pathKey(tmpl)]
		if o == nil && len(r.cfg.OpenAPI) > 0 {
			continue
		}
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + tmpl, As: first})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if !ex.ok() || !ex.isJSON() || r.base.matches(ex) {
			continue
		}
		if o == nil {
			o = &Operation{Method: http.MethodGet, Path: tmpl, crawled: true}
			classify(o)
			known[http.MethodGet+" "+pathKey(tmpl)] = o
			r.ops = append(r.ops, o)
		}
		if sample != "" {
			o.addSample(sample)
		}
		queue = append(queue, apiLinks(ex.Body)...)
	}
}
