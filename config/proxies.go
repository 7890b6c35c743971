package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rampart-api/rampart/clientip"
)

// trustedProxies checks each entry with [clientip.ParsePrefix], then
// warns when the entries together trust every IPv4 or every IPv6 peer:
// 0.0.0.0/0 alone, or 0.0.0.0/1 with 128.0.0.0/1. Peers are compared
// unmapped, so IPv4 and IPv6 entries never cover each other; an
// IPv4-mapped prefix is refused by clientip as ambiguous.
func (v *validator) trustedProxies(list []string) {
	type entry struct {
		index  int
		prefix netip.Prefix
	}
	var v4, v6 []entry
	for i, p := range list {
		path := fmt.Sprintf("server.trusted_proxies[%d]", i)
		pre, err := clientip.ParsePrefix(p)
		if err != nil {
			v.errorf(path, "%q is not an address or CIDR prefix", p)
			continue
		}
		if pre.Addr().Is4() {
			v4 = append(v4, entry{i, pre})
		} else {
			v6 = append(v6, entry{i, pre})
		}
	}
	for _, fam := range []struct {
		name    string
		entries []entry
	}{{"IPv4", v4}, {"IPv6", v6}} {
		prefixes := make([]netip.Prefix, len(fam.entries))
		for i, e := range fam.entries {
			prefixes[i] = e.prefix
		}
		if !coversAll(prefixes) {
			continue
		}
		const why = "every peer may set X-Forwarded-For and so choose its own client address"
		if i := slices.IndexFunc(fam.entries, func(e entry) bool { return e.prefix.Bits() == 0 }); i >= 0 {
			e := fam.entries[i]
			v.warnf(fmt.Sprintf("server.trusted_proxies[%d]", e.index), "%s trusts every %s peer: %s", strings.TrimSpace(list[e.index]), fam.name, why)
			continue
		}
		names := make([]string, len(fam.entries))
		for i, e := range fam.entries {
			names[i] = strings.TrimSpace(list[e.index])
		}
		v.warnf("server.trusted_proxies", "%s together trust every %s peer: %s", strings.Join(names, ", "), fam.name, why)
	}
}

// coversAll reports whether prefixes, all of one address family, cover
// that family's whole address space. It sweeps the ranges in order of
// their first address, failing at the first gap.
func coversAll(prefixes []netip.Prefix) bool {
	if len(prefixes) == 0 {
		return false
	}
	ranges := make([][2]netip.Addr, len(prefixes))
	for i, p := range prefixes {
		ranges[i] = [2]netip.Addr{p.Addr(), lastAddr(p)}
	}
	slices.SortFunc(ranges, func(a, b [2]netip.Addr) int { return a[0].Compare(b[0]) })
	next := netip.IPv4Unspecified()
	if prefixes[0].Addr().Is6() {
		next = netip.IPv6Unspecified()
	}
	for _, r := range ranges {
		if next.Less(r[0]) {
			return false
		}
		if r[1].Less(next) {
			continue
		}
		next = r[1].Next()
		if !next.IsValid() {
			return true // r ends at the family's last address
		}
	}
	return false
}

// lastAddr is the highest address in the masked prefix p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
