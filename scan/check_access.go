package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

var userPathRe = regexp.MustCompile(`(?i)/(users?|accounts?|profiles?|members?|customers?)/\{`)

var ownerKeys = []string{"owner", "owner_id", "ownerId", "user_id", "userId", "author", "author_id", "authorId", "created_by", "createdBy", "username", "email", "sub"}

// ownerOf returns the index of the identity that owns the JSON object in
// body, or -1 when it cannot be told.
func ownerOf(o *Operation, body []byte, ids []Identity) int {
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		return -1
	}
	keys := ownerKeys
	if userPathRe.MatchString(o.Path) {
		keys = append([]string{"id", "_id", "uuid"}, keys...)
	}
	owner := -1
	for _, k := range keys {
		v, ok := obj[k]
		if !ok {
			continue
		}
		s := fmt.Sprint(v)
		if f, ok := v.(float64); ok {
			s = fmt.Sprint(f)
		}
		for i := range ids {
			if slices.Contains(ids[i].marks(), s) {
				if owner >= 0 && owner != i {
					return -1
				}
				owner = i
			}
		}
	}
	return owner
}

// checkBOLA reads each object by id as every identity. An object owned by
// one identity that another, non-admin identity can read (or, with Unsafe,
// change) is a finding. Admins reading others' objects is what an
// owner rule's exception for them (routes[].owner.except_roles) allows, so
// it proves nothing.
func (r *run) checkBOLA(ctx context.Context) {
	ids := r.cfg.Identities
	if len(ids) < 2 {
		r.notef("bola: needs two identities (--identity NAME=TOKEN twice)")
		return
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Method == http.MethodGet && len(o.Params) > 0 }) {
		cands := o.sampleIDs()
		for i := range ids {
			for _, m := range ids[i].marks() {
				if !slices.Contains(cands, m) && !strings.Contains(m, "@") {
					cands = append(cands, m)
				}
			}
		}
		for _, v := range []string{"1", "2"} {
			if !slices.Contains(cands, v) {
				cands = append(cands, v)
			}
		}
		if len(cands) > 6 {
			cands = cands[:6]
		}
		for _, v := range cands {
			if r.bolaObject(ctx, o, v) {
				break
			}
		}
	}
}

func (r *run) bolaObject(ctx context.Context, o *Operation, v string) bool {
	ids := r.cfg.Identities
	path := o.fill(v)
	res := make([]*exchange, len(ids))
	for i := range ids {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: path, Op: o.String(), Auth: ids[i].Authorization})
		if err != nil {
			return r.stop(err)
		}
		res[i] = ex
	}
	for i := range ids {
		if ids[i].Admin || !res[i].ok() {
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
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return x["id"] != nil && fmt.Sprint(x["id"]) == fmt.Sprint(y["id"])
}

// bolaWrite writes the object back unchanged as the other identity, so a
// successful write changes nothing but proves the hole. Only with Unsafe.
func (r *run) bolaWrite(ctx context.Context, get *Operation, path string, id *Identity, body []byte) {
	for _, o := range r.ops {
		if o.Path != get.Path || (o.Method != http.MethodPut && o.Method != http.MethodPatch) {
			continue
		}
		ex, err := r.send(ctx, &probe{Method: o.Method, Path: path, Op: o.String(), Auth: id.Authorization, Body: body})
		if err == nil && ex.ok() {
			r.add(CheckBOLAWrite, o.String(), "Identity "+id.Name+" wrote another identity's object.", r.evidence(ex))
		}
	}
}

// checkBFLA calls admin operations (admin paths, tags or x-rampart-roles)
// as each identity that is not an admin.
func (r *run) checkBFLA(ctx context.Context) {
	var users []Identity
	for _, id := range r.cfg.Identities {
		if !id.Admin {
			users = append(users, id)
		}
	}
	if len(users) == 0 {
		r.notef("bfla: needs an identity without the admin role")
		return
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Admin }) {
		if isWrite(o.Method) && !r.unsafe {
			continue
		}
		if len(o.Params) > 0 && len(o.sampleIDs()) == 0 {
			continue
		}
		for _, id := range users {
			ex, err := r.send(ctx, &probe{Method: o.Method, Path: r.concrete(o), Op: o.String(), Auth: id.Authorization})
			if err != nil {
				if r.stop(err) {
					return
				}
				continue
			}
			if ex.ok() && ex.contentType() != "text/html" {
				r.add(CheckBFLA, o.String(), "Identity "+id.Name+", which is not an admin, called this admin operation.", r.evidence(ex))
				break
			}
		}
	}
}
