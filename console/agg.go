package console

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rampart-api/rampart/audit"
)

// Bounds of the aggregates, whatever the traffic.
const (
	maxEventNames = 32   // distinct event names counted; the rest count as "other"
	maxLockouts   = 1024 // lockouts tracked at once
	maxStores     = 16
	maxConfig     = 20 // config reload history
	recentEvents  = 200
	topSpan       = 30 * time.Minute
	recentHealth  = time.Minute // how long an outage event colours the health
)

// OWASPCategories are the OWASP API Security Top 10 (2023) categories, in
// order, with their names.
var OWASPCategories = []struct{ ID, Name string }{
	{audit.OWASPBOLA, "Broken Object Level Authorization"},
	{audit.OWASPAuth, "Broken Authentication"},
	{audit.OWASPPropertyAuthz, "Broken Object Property Level Authorization"},
	{audit.OWASPResource, "Unrestricted Resource Consumption"},
	{audit.OWASPFunctionAuthz, "Broken Function Level Authorization"},
	{audit.OWASPBusinessFlows, "Unrestricted Access to Sensitive Business Flows"},
	{audit.OWASPSSRF, "Server Side Request Forgery"},
	{audit.OWASPMisconfig, "Security Misconfiguration"},
	{audit.OWASPInventory, "Improper Inventory Management"},
	{audit.OWASPUnsafeConsumer, "Unsafe Consumption of APIs"},
}

var owaspIndex = func() map[string]int {
	m := make(map[string]int, len(OWASPCategories))
	for i, c := range OWASPCategories {
		m[c.ID] = i
	}
	return m
}()

// eventBucket counts events by name and OWASP category over one
// BucketWidth; the last slot of each array is "other"/"none".
type eventBucket struct {
	slot    int64
	byName  [maxEventNames + 1]int64
	byOWASP [11]int64
}

// Lockout is a brute-force lockout in force.
type Lockout struct {
	// LockedBy is "username" or "client_ip".
	LockedBy string `json:"locked_by"`
	// UsernameHash is a prefix of the keyed hash of the username; the
	// console never sees the username itself.
	UsernameHash string `json:"username_hash,omitempty"`
	ClientIP     string `json:"client_ip,omitempty"`
	Route        string `json:"route,omitempty"`
	Lockout      string `json:"lockout"`
	Since        int64  `json:"since"`
	Until        int64  `json:"until"`
}

// StoreState is the last outage or recovery a shared store reported.
type StoreState struct {
	Name  string `json:"name"`
	State string `json:"state"` // "up" or "down"
	Since int64  `json:"since"`
}

// ConfigChange is one reload, applied or rejected.
type ConfigChange struct {
	Time     int64  `json:"time"`
	Event    string `json:"event"`
	Problems int    `json:"problems,omitempty"`
}

// incident remembers the last occurrence of an outage-like event.
type incident struct {
	at     time.Time
	reason string
}

// aggregates are the console's event-side counts. Events are far rarer
// than requests, so one mutex guards them all.
type aggregates struct {
	mu       sync.Mutex
	names    []string
	nameIdx  map[string]int
	eb       [Buckets]eventBucket
	ips      *windowedTopK
	subjects *windowedTopK
	routes   *windowedTopK
	policies *windowedTopK
	lockouts map[string]Lockout
	stores   map[string]StoreState
	config   []ConfigChange
	reloads  int64     // config.reloaded events seen
	recent   []*stored // ring of recentEvents
	next     int
	upstream incident
	idp      incident
}

func newAggregates(k int) *aggregates {
	return &aggregates{
		nameIdx:  make(map[string]int, maxEventNames),
		ips:      newWindowedTopK(k, topSpan),
		subjects: newWindowedTopK(k, topSpan),
		routes:   newWindowedTopK(k, topSpan),
		policies: newWindowedTopK(k, topSpan),
		lockouts: make(map[string]Lockout),
		stores:   make(map[string]StoreState),
		recent:   make([]*stored, 0, recentEvents),
	}
}

func (a *aggregates) observe(t time.Time, ev *stored, f eventFields) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := slotOf(t)
	b := &a.eb[s%Buckets]
	if b.slot != s {
		if b.slot > s {
			b = nil // older than the ring
		} else {
			*b = eventBucket{slot: s}
		}
	}
	if b != nil {
		b.byName[a.nameIndex(f.name)]++
		if i, ok := owaspIndex[f.owasp]; ok {
			b.byOWASP[i]++
		} else {
			b.byOWASP[len(b.byOWASP)-1]++
		}
	}
	if len(a.recent) < recentEvents {
		a.recent = append(a.recent, ev)
	} else {
		a.recent[a.next] = ev
	}
	a.next = (a.next + 1) % recentEvents

	if f.refused() {
		a.ips.add(t, clientNetOrEmpty(f.clientIP))
		a.subjects.add(t, cut(f.subject, 128))
		a.routes.add(t, cut(f.route, 128))
	}
	switch f.name {
	case audit.RateLimitExceeded:
		policy := f.reason
		if f.route != "" {
			policy = f.route + " — " + f.reason
		}
		a.policies.add(t, cut(policy, 192))
	case audit.BruteForceLocked:
		a.lock(t, f)
	case audit.StoreUnavailable, audit.StoreRecovered:
		name := f.store
		if name == "" {
			name, _, _ = strings.Cut(f.reason, " ")
		}
		state := "down"
		if f.name == audit.StoreRecovered {
			state = "up"
		}
		if _, ok := a.stores[name]; ok || len(a.stores) < maxStores {
			a.stores[name] = StoreState{Name: name, State: state, Since: t.Unix()}
		}
	case audit.UpstreamUnavailable:
		a.upstream = incident{at: t, reason: f.reason}
	case audit.AuthFailed:
		if f.status >= 500 { // the identity provider or key set failed, not the client
			a.idp = incident{at: t, reason: f.reason}
		}
	case audit.ConfigReloaded, audit.ConfigRejected:
		if f.name == audit.ConfigReloaded {
			a.reloads++
		}
		if len(a.config) == maxConfig {
			copy(a.config, a.config[1:])
			a.config = a.config[:maxConfig-1]
		}
		a.config = append(a.config, ConfigChange{Time: t.Unix(), Event: f.name, Problems: f.problems})
	}
}

// refused reports whether the event refused the client's request: its
// answer was a 4xx. A 5xx (an upstream down, a store failing closed) is
// not the client's doing and makes no one an offender; the access log's
// 5xx count shows it.
func (f eventFields) refused() bool { return f.status >= 400 && f.status < 500 }

func clientNetOrEmpty(ip string) string {
	if ip == "" {
		return ""
	}
	return clientNet(ip)
}

func (a *aggregates) nameIndex(name string) int {
	if i, ok := a.nameIdx[name]; ok {
		return i
	}
	if len(a.names) == maxEventNames {
		return maxEventNames
	}
	a.nameIdx[name] = len(a.names)
	a.names = append(a.names, name)
	return len(a.names) - 1
}

func (a *aggregates) lock(t time.Time, f eventFields) {
	d := lockoutFor(f.lockout)
	l := Lockout{LockedBy: f.lockedBy, Route: f.route, Lockout: f.lockout, Since: t.Unix(), Until: t.Add(d).Unix()}
	who := f.clientIP
	if f.lockedBy == "username" {
		l.UsernameHash, who = f.usernameHash, f.usernameHash
	} else {
		l.ClientIP = f.clientIP
	}
	key := f.lockedBy + "\x00" + who + "\x00" + f.route
	if _, ok := a.lockouts[key]; !ok && len(a.lockouts) >= maxLockouts {
		a.expire(t)
		if len(a.lockouts) >= maxLockouts {
			a.evictSoonest()
		}
	}
	a.lockouts[key] = l
}

func (a *aggregates) expire(now time.Time) {
	for k, l := range a.lockouts {
		if l.Until <= now.Unix() {
			delete(a.lockouts, k)
		}
	}
}

func (a *aggregates) evictSoonest() {
	var key string
	until := int64(1<<63 - 1)
	for k, l := range a.lockouts {
		if l.Until < until {
			key, until = k, l.Until
		}
	}
	delete(a.lockouts, key)
}

// Named is a count under a name.
type Named struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Category is the count of one OWASP category.
type Category struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Health is what the events say about the gateway's dependencies.
type Health struct {
	// Upstreams is "ok" or "failing" (an upstream was unreachable or
	// timed out in the last minute).
	Upstreams       string `json:"upstreams"`
	UpstreamReason  string `json:"upstream_reason,omitempty"`
	UpstreamLastErr int64  `json:"upstream_last_error,omitempty"`
	// Stores lists every shared store that reported an outage, with its
	// current state.
	Stores []StoreState `json:"stores"`
	// IdP is "ok" or "failing" (token verification failed for a reason
	// that is not the client's, such as an unreachable key set, in the
	// last minute).
	IdP        string `json:"idp"`
	IdPReason  string `json:"idp_reason,omitempty"`
	IdPLastErr int64  `json:"idp_last_error,omitempty"`
}

type eventSummary struct {
	byEvent  []Named
	byOWASP  []Category
	ips      []Count
	subjects []Count
	routes   []Count
	policies []Count
	lockouts []Lockout
	health   Health
	config   []ConfigChange
	reloads  int64
	recent   []*stored
}

func (a *aggregates) summary(now time.Time, window int, topN int) eventSummary {
	a.mu.Lock()
	defer a.mu.Unlock()
	var byName [maxEventNames + 1]int64
	var byOWASP [11]int64
	last := slotOf(now)
	for s := last - int64(window) + 1; s <= last; s++ {
		b := &a.eb[((s%Buckets)+Buckets)%Buckets]
		if b.slot != s {
			continue
		}
		for i, n := range b.byName {
			byName[i] += n
		}
		for i, n := range b.byOWASP {
			byOWASP[i] += n
		}
	}
	var out eventSummary
	for i, n := range byName {
		if n == 0 {
			continue
		}
		name := "other"
		if i < len(a.names) {
			name = a.names[i]
		}
		out.byEvent = append(out.byEvent, Named{Name: name, Count: n})
	}
	sort.Slice(out.byEvent, func(i, j int) bool {
		if out.byEvent[i].Count != out.byEvent[j].Count {
			return out.byEvent[i].Count > out.byEvent[j].Count
		}
		return out.byEvent[i].Name < out.byEvent[j].Name
	})
	for i, c := range OWASPCategories {
		out.byOWASP = append(out.byOWASP, Category{ID: c.ID, Name: c.Name, Count: byOWASP[i]})
	}
	out.ips = a.ips.top(now, topN)
	out.subjects = a.subjects.top(now, topN)
	out.routes = a.routes.top(now, topN)
	out.policies = a.policies.top(now, topN)
	a.expire(now)
	for _, l := range a.lockouts {
		out.lockouts = append(out.lockouts, l)
	}
	sort.Slice(out.lockouts, func(i, j int) bool { return out.lockouts[i].Until > out.lockouts[j].Until })
	if len(out.lockouts) > 50 {
		out.lockouts = out.lockouts[:50]
	}
	out.health = Health{Upstreams: "ok", IdP: "ok", Stores: []StoreState{}}
	if !a.upstream.at.IsZero() {
		out.health.UpstreamReason, out.health.UpstreamLastErr = a.upstream.reason, a.upstream.at.Unix()
		if now.Sub(a.upstream.at) < recentHealth {
			out.health.Upstreams = "failing"
		}
	}
	if !a.idp.at.IsZero() {
		out.health.IdPReason, out.health.IdPLastErr = a.idp.reason, a.idp.at.Unix()
		if now.Sub(a.idp.at) < recentHealth {
			out.health.IdP = "failing"
		}
	}
	for _, s := range a.stores {
		out.health.Stores = append(out.health.Stores, s)
	}
	sort.Slice(out.health.Stores, func(i, j int) bool { return out.health.Stores[i].Name < out.health.Stores[j].Name })
	out.config = append([]ConfigChange(nil), a.config...)
	out.reloads = a.reloads
	out.recent = make([]*stored, 0, len(a.recent))
	if len(a.recent) == recentEvents {
		out.recent = append(out.recent, a.recent[a.next:]...)
		out.recent = append(out.recent, a.recent[:a.next]...)
	} else {
		out.recent = append(out.recent, a.recent...)
	}
	return out
}
