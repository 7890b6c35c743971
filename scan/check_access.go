package scan

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

var userPathRe = lazyregexp.New(`(?i)/(users?|accounts?|profiles?|members?|customers?)/\{`)

// ownerKeys are member names, folded by normKey, that name an object's
// owner: userId, UserId, user_id and owner.id all count.
var ownerKeys = map[string]bool{"owner": true, "ownerid": true, "userid": true, "user": true, "author": true, "authorid": true,
	"createdby": true, "username": true, "email": true, "sub": true, "customerid": true, "accountid": true, "memberid": true, "uid": true}

// wrappers are members APIs wrap the object in: their id is the object's.
var wrappers = map[string]bool{"data": true, "user": true, "result": true, "item": true, "object": true, "profile": true, "account": true}

// ownerOf returns the index of the identity that owns the JSON object in
// body, or -1 when it cannot be told (no owner member, or two identities'
// marks). Owner members count at the top and inside wrappers (data,
// result…), never in a related object (a ticket's reporter) or an array;
// an "id" counts only on user-like paths, at the top or in a wrapper.
func ownerOf(o *Operation, body []byte, ids []Identity) int {
	switch v := decodeJSON(body).(type) {
	case map[string]any:
		// A list wrapped in an object ({"data": [...]}) is a list.
		for _, w := range []string{"data", "items", "results"} {
			if l, ok := v[w].([]any); ok && len(v) <= 3 {
				return listOwner(o, l, ids)
			}
		}
		return objectOwner(o, v, ids)
	case []any:
		return listOwner(o, v, ids)
	}
	return -1
}

// listOwner is the identity owning every object of a list, or -1.
func listOwner(o *Operation, l []any, ids []Identity) int {
	owner := -1
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return -1
		}
		i := objectOwner(o, m, ids)
		if i < 0 || owner >= 0 && i != owner {
			return -1
		}
		owner = i
	}
	return owner
}

func objectOwner(o *Operation, m map[string]any, ids []Identity) int {
	q := normKey(idQuery(o))
	if q == "" && len(o.Params) > 0 {
		// A parameter named for a claim ({tenant}) makes that member an
		// owner member.
		q = normKey(o.Params[len(o.Params)-1])
		if q == "id" {
			q = ""
		}
	}
	marks := make([][]string, len(ids))
	for i := range ids {
		marks[i] = append(ids[i].marks(), ids[i].claimValues(q)...)
	}
	userPath := userPathRe.MatchString(o.Path)
	// Owner members decide first; an object's own id says whose it is
	// only when no owner member does (a user's own record).
	var byOwner, byID []int
	match := func(v any, into *[]int) {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = fmt.Sprint(x)
		default:
			return
		}
		for i := range ids {
			if s != "" && slices.Contains(marks[i], s) && !slices.Contains(*into, i) {
				*into = append(*into, i)
			}
		}
	}
	var visit func(m map[string]any, depth int, wrapped bool)
	visit = func(m map[string]any, depth int, wrapped bool) {
		for k, v := range m {
			nk := normKey(k)
			if sub, ok := v.(map[string]any); ok {
				switch {
				case ownerKeys[nk]:
					// owner: {id: 1}
					match(sub["id"], &byOwner)
					match(sub["_id"], &byOwner)
				case wrappers[nk] && depth < 3:
					// {"data": {...}} is the object itself; any other
					// nested object (a ticket's reporter) is a related one,
					// whose owner is not the object's.
					visit(sub, depth+1, true)
				}
				continue
			}
			switch {
			case ownerKeys[nk] || q != "" && nk == q:
				match(v, &byOwner)
			case userPath && (depth == 0 || wrapped) && (nk == "id" || nk == "_id" || nk == "uuid"):
				match(v, &byID)
			}
		}
	}
	visit(m, 0, false)
	for _, got := range [][]int{byOwner, byID} {
		switch len(got) {
		case 0:
			continue
		case 1:
			return got[0]
		}
		return -1
	}
	return -1
}

// checkBOLA reads each object by id as every identity, with the path (or
// id-like query) parameter filled with samples and with every identity's
// own ids. An object owned by one identity that another, non-admin
// identity can read (or, with Unsafe, change) is a finding. Admins reading
// others' objects is what an owner rule's exception for them
// (routes[].owner.except_roles) allows, so it proves nothing.
func (r *run) checkBOLA(ctx context.Context) {
	ids := r.acceptedIDs()
	if len(ids) < 2 {
		r.skipf("bola: needs two identities the API accepts (--identity NAME=TOKEN twice)")
		return
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Method == http.MethodGet && (len(o.Params) > 0 || idQuery(o) != "") }) {
		cands := o.sampleIDs()
		for i := range ids {
			if len(o.Params) > 0 {
				for _, v := range ids[i].claimValues(normKey(o.Params[len(o.Params)-1])) {
					if !slices.Contains(cands, v) {
						cands = append(cands, v)
					}
				}
			}
			for _, m := range ids[i].marks() {
				if !slices.Contains(cands, m) && !strings.Contains(m, "@") && len(m) <= 64 {
					cands = append(cands, m)
				}
			}
		}
		for _, v := range []string{"1", "2"} {
			if !slices.Contains(cands, v) {
				cands = append(cands, v)
			}
		}
		if len(cands) > 8 {
			cands = cands[:8]
		}
		for _, v := range cands {
			if r.bolaObject(ctx, o, ids, v) {
				break
			}
		}
	}
}

// idQuery returns the first query parameter of o whose name is id-like
// (userId, user_id, owner…), or "".
func idQuery(o *Operation) string {
	if len(o.Params) > 0 {
		return ""
	}
	for _, q := range o.Query {
		if nk := normKey(q); ownerKeys[nk] || idLike(nk) {
			return q
		}
	}
	return ""
}

// fillID is o's path with v as its id: in the path parameters, else in
// its id-like query parameter.
func fillID(o *Operation, v string) string {
	if len(o.Params) > 0 {
		return o.fill(v)
	}
	return o.Path + "?" + url.QueryEscape(idQuery(o)) + "=" + url.QueryEscape(v)
}

func (r *run) bolaObject(ctx context.Context, o *Operation, ids []Identity, v string) bool {
	path := fillID(o, v)
	res := make([]*exchange, len(ids))
	for i := range ids {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: path, Op: o.String(), As: &ids[i]})
		if err != nil {
			return r.stop(err)
		}
		res[i] = ex
	}
	for i := range ids {
		if ids[i].Admin || !res[i].ok() || r.base.matches(res[i]) {
			continue
		}
		owner := ownerOf(o, res[i].Body, ids)
		if owner < 0 || owner == i {
			continue
		}
		if res[owner].ok() && !bytes.Equal(res[owner].Body, res[i].Body) && !jsonSameID(res[owner].Body, res[i].Body) {
			continue
		}
		r.add(CheckBOLARead, o.String(), fmt.Sprintf("Identity %s read an object that belongs to identity %s (id %s).", ids[i].Name, ids[owner].Name, v), r.evidence(res[i]))
		if r.unsafe {
			r.bolaWrite(ctx, o, path, &ids[i], res[i].Body)
		}
		return true
	}
	return false
}

func jsonSameID(a, b []byte) bool {
	x, _ := decodeJSON(a).(map[string]any)
	y, _ := decodeJSON(b).(map[string]any)
	if x == nil || y == nil {
		return false
	}
	for _, w := range []string{"", "data"} {
		xm, ym := x, y
		if w != "" {
			xm, _ = x[w].(map[string]any)
			ym, _ = y[w].(map[string]any)
		}
		if xm != nil && ym != nil && xm["id"] != nil && fmt.Sprint(xm["id"]) == fmt.Sprint(ym["id"]) {
			return true
		}
	}
	return false
}

// bolaWrite writes the object back unchanged as the other identity, so a
// successful write changes nothing but proves the hole. Only with Unsafe.
func (r *run) bolaWrite(ctx context.Context, get *Operation, path string, id *Identity, body []byte) {
	writes := r.opsWhere(func(o *Operation) bool {
		return strings.EqualFold(o.Path, get.Path) && (o.Method == http.MethodPut || o.Method == http.MethodPatch)
	})
	if len(writes) == 0 && len(r.cfg.OpenAPI) == 0 {
		// Crawling cannot see writes: try them on the object just read. A
		// route that does not exist answers 404 or 405.
		writes = []*Operation{{Method: http.MethodPut, Path: get.Path}, {Method: http.MethodPatch, Path: get.Path}}
	}
	for _, o := range writes {
		ex, err := r.send(ctx, &probe{Method: o.Method, Path: path, Op: o.String(), As: id, Body: body})
		if err == nil && ex.ok() && !r.base.matches(ex) {
			r.add(CheckBOLAWrite, o.String(), "Identity "+id.Name+" wrote another identity's object.", r.evidence(ex))
		}
	}
}

// checkBFLA calls admin operations as each identity that is not an admin.
// A success is a finding only when the operation does not answer
// anonymous callers the same way (then it is simply public), and it is
// high only when the document says the operation is for admins (a tag or
// x-rampart-roles); a path that merely says "admin" is low.
func (r *run) checkBFLA(ctx context.Context) {
	var users []Identity
	for _, id := range r.acceptedIDs() {
		if !id.Admin {
			users = append(users, id)
		}
	}
	if len(users) == 0 {
		r.skipf("bfla: needs an identity without the admin role that the API accepts")
		return
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Admin }) {
		if isWrite(o.Method) && !r.unsafe {
			continue
		}
		if len(o.Params) > 0 && len(o.sampleIDs()) == 0 {
			continue
		}
		path := r.concrete(o)
		anon, err := r.send(ctx, &probe{Method: o.Method, Path: path, Op: o.String()})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		for _, id := range users {
			ex, err := r.send(ctx, &probe{Method: o.Method, Path: path, Op: o.String(), As: &id})
			if err != nil {
				if r.stop(err) {
					return
				}
				continue
			}
			if !ex.ok() || ex.contentType() == "text/html" || r.base.matches(ex) {
				continue
			}
			if anon.ok() && fingerprintOf(anon).same(fingerprintOf(ex)) {
				break
			}
			sev, why := High, "the document reserves it for admins"
			if o.AdminByName {
				sev, why = Low, "only its path suggests it is for admins"
			}
			anonSaw := "which answers anonymous callers differently"
			if refusal(anon) {
				anonSaw = "which refuses anonymous callers"
			}
			r.record(CheckBFLA, rootKey(o.String()), o.String(), "Identity "+id.Name+", which is not an admin, called this operation, "+anonSaw+"; "+why+".", r.evidence(ex), sev)
			break
		}
	}
}
