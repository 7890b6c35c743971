package clientip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/rampart-api/rampart"
)

// ErrBadProxy reports an unusable trusted_proxies entry.
var ErrBadProxy = errors.New("clientip: invalid trusted proxy")

// Resolver finds client addresses. The zero value trusts no proxy. It is
// immutable and safe for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver trusting X-Forwarded-For only from peers inside
// the given CIDR prefixes or single addresses. Every bad entry is reported.
func New(trusted []string) (*Resolver, error) {
	r := &Resolver{}
	var errs []error
	for _, s := range trusted {
		p, err := ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w %q: %w", ErrBadProxy, s, err))
			continue
		}
		r.trusted = append(r.trusted, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// ParsePrefix parses one trusted-proxy entry as [New] does: a CIDR prefix
// (masked; IPv4-mapped prefixes are refused as ambiguous) or a single
// address (unmapped, without zone) as a one-address prefix.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, errors.New("IPv4-mapped prefixes are ambiguous; write the IPv4 prefix")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Trusted reports whether a is a trusted proxy.
func (r *Resolver) Trusted(a netip.Addr) bool {
	if r == nil {
		return false
	}
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer returns the address of the TCP peer of req, or the zero Addr when
// RemoteAddr cannot be parsed (a test request, a Unix socket). It is read
// from the request's [rampart.Info] when an earlier step stored it there
// ([Resolver.Handler] does), and parsed from RemoteAddr otherwise.
func Peer(req *http.Request) netip.Addr {
	return PeerWithInfo(req, rampart.InfoFrom(req.Context()))
}

// PeerWithInfo is [Peer] for a caller that already holds the request's
// Info (nil when it has none), so that the context is not searched again.
func PeerWithInfo(req *http.Request, info *rampart.Info) netip.Addr {
	if info != nil && info.Peer.IsValid() {
		return info.Peer
	}
	return parsePeer(req.RemoteAddr)
}

// parsePeer parses a RemoteAddr: an address with a port, or an address.
func parsePeer(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	a, err := netip.ParseAddr(remote)
	if err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// Group returns the address a client is counted by in limits: [From],
// with an IPv6 address masked to its /64, since one host usually owns a
// whole /64 and could otherwise take a fresh address per request.
func Group(req *http.Request) netip.Addr {
	a := From(req)
	if a.Is6() {
		p, _ := a.Prefix(64)
		a = p.Addr()
	}
	return a
}

// From returns the client address an earlier [Resolver.Handler] stored
// in the request's [rampart.Info], else the TCP [Peer]: never a
// forwarding header, so a client cannot choose it. The address is
// unmapped and without zone; it is the zero Addr when neither is known.
// Every step that needs the client address reads it here.
func From(req *http.Request) netip.Addr {
	return (*Resolver)(nil).From(req)
}

// From is the package's [From] for code that may run without an earlier
// [Resolver.Handler], such as a [proxy] used alone: when no address was
// stored it resolves one as [Resolver.ClientIP] does. A nil r trusts no
// proxy, and so gives the TCP [Peer].
//
// [proxy]: https://pkg.go.dev/github.com/rampart-api/rampart/proxy
func (r *Resolver) From(req *http.Request) netip.Addr {
	info := rampart.InfoFrom(req.Context())
	if info != nil && info.ClientIP.IsValid() {
		return info.ClientIP.Unmap().WithZone("")
	}
	return r.clientIP(req, PeerWithInfo(req, info))
}

// FromWithInfo is [Resolver.From] for a caller that already holds the
// request's Info (nil when it has none) and its peer, PeerWithInfo(req,
// info), so that neither the context is searched nor RemoteAddr parsed
// again.
func (r *Resolver) FromWithInfo(req *http.Request, info *rampart.Info, peer netip.Addr) netip.Addr {
	if info != nil && info.ClientIP.IsValid() {
		return info.ClientIP.Unmap().WithZone("")
	}
	return r.clientIP(req, peer)
}

// ClientIP returns the client address of req. It trusts X-Forwarded-For
// only when the peer is a trusted proxy, and then only up to the first hop
// that is not trusted, walking from the right. A malformed entry stops the
// walk: nothing left of it can be believed, so the nearest trusted hop is
// the answer. It never fails open to a client-chosen address.
func (r *Resolver) ClientIP(req *http.Request) netip.Addr {
	return r.clientIP(req, Peer(req))
}

// Resolve stores the TCP peer and the client address of req in info, as
// [Resolver.Handler] does: the peer is taken from the connection's
// context when the server records it ([ConnContext]), else parsed from
// RemoteAddr, once, and every later [Peer], [From] and [Resolver.From]
// reads the result.
func (r *Resolver) Resolve(req *http.Request, info *rampart.Info) {
	if a, ok := req.Context().Value(connPeerKey{}).(netip.Addr); ok {
		info.Peer = a
	} else {
		info.Peer = parsePeer(req.RemoteAddr)
	}
	info.ClientIP = r.clientIP(req, info.Peer)
}

type connPeerKey struct{}

// ConnContext is an [http.Server] ConnContext hook that records the peer
// address of a TCP connection in its context, unmapped and without zone
// as [Peer] gives it, so that [Resolver.Resolve] does not parse
// RemoteAddr again on every request the connection carries. It trusts
// only the connection, from which net/http also sets RemoteAddr; other
// connections (a Unix socket) get nothing, and their requests are parsed
// as before. A handler that rewrites RemoteAddr before Resolve runs is
// not seen by Resolve on such a server. It is safe for concurrent use.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return ctx
	}
	a := ta.AddrPort().Addr().Unmap().WithZone("")
	if !a.IsValid() {
		return ctx
	}
	return context.WithValue(ctx, connPeerKey{}, a)
}

// clientIP is [Resolver.ClientIP] for a peer already parsed.
func (r *Resolver) clientIP(req *http.Request, peer netip.Addr) netip.Addr {
	if !peer.IsValid() || !r.Trusted(peer) {
		return peer
	}
	values := req.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var entry string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				entry, v = v[j+1:], v[:j]
			} else {
				entry, v = v, ""
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, ok := parseHop(entry)
			if !ok {
				return client
			}
			client = a
			if !r.Trusted(a) {
				return a
			}
		}
	}
	return client
}

// parseHop accepts the forms proxies write: an address, an address with a
// port, and a bracketed IPv6 address with or without a port.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// Handler stores the client address in the request's [rampart.Info].
func (r *Resolver) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req, info := rampart.WithInfo(req)
		r.Resolve(req, info)
		next.ServeHTTP(w, req)
	})
}
