// Package ssrf guards outgoing connections against server-side request
// forgery: a crawler fetching attacker-chosen URLs must not reach the
// machine it runs on, its private network or a cloud metadata service.
//
// The check happens at dial time, so it covers every connection the HTTP
// transport makes: the first request, every redirect hop and every
// keep-alive reconnect. [Guard.DialContext] resolves the host name itself,
// refuses the dial if any DNS answer is a blocked address (a rebinding
// answer mixing public and private addresses is refused as a whole), then
// dials the checked IP literal so no second resolution can change it. A
// net.Dialer Control hook re-checks the address actually connected to.
//
// Blocked unless an allowed prefix contains them: loopback (127.0.0.0/8,
// ::1), private (RFC 1918, fc00::/7), link-local (169.254.0.0/16,
// fe80::/10, including the 169.254.169.254 and fd00:ec2::254 metadata
// addresses), CGNAT (100.64.0.0/10), multicast, unspecified, broadcast,
// "this network" (0.0.0.0/8), the IETF, benchmarking, documentation and
// reserved ranges, and the IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible,
// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms of blocked IPv4
// addresses.
//
// # Caveats
//
//   - Only TCP over IP is supported; unix sockets are refused.
//   - The allow-list is matched against the address with any IPv4-mapped
//     prefix removed, so allowing 127.0.0.0/8 also allows ::ffff:127.0.0.1.
//   - A proxy would defeat the check (the proxy resolves names); the
//     crawler's transport never uses one.
package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlocked is wrapped by every refusal; errors.Is(err, ErrBlocked)
// identifies a blocked address through the HTTP client's error wrapping.
var ErrBlocked = errors.New("ssrf: blocked address")

// ErrNoAddress is returned when a host name resolves to no address.
var ErrNoAddress = errors.New("ssrf: no address")

// Resolver resolves host names; *net.Resolver implements it. Tests supply
// one that maps names to loopback addresses.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

// LookupNetIP calls f.
func (f ResolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}

// Options configures a Guard.
type Options struct {
	// Allow lists prefixes that are reachable even though they are
	// blocked by default (tests allow 127.0.0.0/8). Zero: none.
	Allow []netip.Prefix
	// Resolver resolves host names. Zero: net.DefaultResolver.
	Resolver Resolver
	// Timeout bounds one connection attempt (including resolution) when
	// the caller's context has no earlier deadline. Zero: 10s.
	Timeout time.Duration
	// KeepAlive is the TCP keep-alive period. Zero: 30s.
	KeepAlive time.Duration
}

// Guard dials only allowed addresses. It is safe for concurrent use.
type Guard struct {
	allow    []netip.Prefix
	resolver Resolver
	dialer   net.Dialer
}

// New returns a Guard. Prefixes in Allow are masked to their network.
func New(opts Options) (*Guard, error) {
	g := &Guard{resolver: opts.Resolver}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	for _, p := range opts.Allow {
		if !p.IsValid() {
			return nil, fmt.Errorf("ssrf: invalid allowed prefix %v", p)
		}
		g.allow = append(g.allow, unmapPrefix(p).Masked())
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	keepAlive := opts.KeepAlive
	if keepAlive <= 0 {
		keepAlive = 30 * time.Second
	}
	g.dialer = net.Dialer{Timeout: timeout, KeepAlive: keepAlive, Control: g.control}
	return g, nil
}

// Check returns nil if addr may be dialled, else an error wrapping
// ErrBlocked that names the address and the reason.
func (g *Guard) Check(addr netip.Addr) error {
	a := addr.WithZone("").Unmap()
	for _, p := range g.allow {
		if p.Contains(a) {
			return nil
		}
	}
	if reason := Blocked(addr); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrBlocked, addr, reason)
	}
	return nil
}

// DialContext resolves address ("host:port"), checks every answer and
// dials the first answer that connects. It has the signature of
// http.Transport.DialContext.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("%w: network %q", ErrBlocked, network)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("ssrf: %w", err)
	}
	if g.dialer.Timeout > 0 {
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > g.dialer.Timeout {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, g.dialer.Timeout)
			defer cancel()
		}
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		ipNet := "ip"
		switch network {
		case "tcp4":
			ipNet = "ip4"
		case "tcp6":
			ipNet = "ip6"
		}
		addrs, err = g.resolver.LookupNetIP(ctx, ipNet, host)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("%w for %s", ErrNoAddress, host)
		}
	}
	for _, a := range addrs {
		if err := g.Check(a); err != nil {
			if a.String() != host {
				return nil, fmt.Errorf("%w (resolved from %s)", err, host)
			}
			return nil, err
		}
	}
	var firstErr error
	for _, a := range addrs {
		conn, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.WithZone("").String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// control re-checks the address the socket is about to connect to.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrBlocked, address)
	}
	return g.Check(ap.Addr())
}

// special lists blocked IPv4 and IPv6 ranges beyond what netip's predicates
// cover, with the reason reported.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "in \"this network\" 0.0.0.0/8"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (192.0.0.0/24)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (192.0.2.0/24)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (198.18.0.0/15)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (198.51.100.0/24)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (203.0.113.0/24)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("100::/64"), "discard-only (100::/64)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation (2001:db8::/32)"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (2001::/23)"},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	nat64Loc  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour = netip.MustParsePrefix("2002::/16")
	v4compat  = netip.MustParsePrefix("::/96")
)

// Blocked returns why addr is blocked by default ("" if it is not). It
// looks through IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms.
func Blocked(addr netip.Addr) string {
	if !addr.IsValid() {
		return "invalid"
	}
	addr = addr.WithZone("")
	if addr.Is4In6() {
		if r := Blocked(addr.Unmap()); r != "" {
			return r + " (IPv4-mapped)"
		}
		return ""
	}
	switch {
	case addr.IsLoopback():
		return "loopback"
	case addr.IsUnspecified():
		return "unspecified"
	case addr == netip.AddrFrom4([4]byte{169, 254, 169, 254}) ||
		addr == netip.MustParseAddr("fd00:ec2::254"):
		return "a cloud metadata address"
	case addr.IsLinkLocalUnicast():
		return "link-local"
	case addr.IsPrivate():
		return "private"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "multicast"
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	if addr.Is4() {
		for _, s := range special {
			if s.prefix.Contains(addr) {
				return s.reason
			}
		}
		return ""
	}
	// IPv6 forms that embed an IPv4 address.
	b := addr.As16()
	switch {
	case v4compat.Contains(addr):
		if r := Blocked(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
			return r + " (IPv4-compatible)"
		}
		return "IPv4-compatible (deprecated)"
	case nat64.Contains(addr), nat64Loc.Contains(addr):
		if r := Blocked(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
			return r + " (NAT64)"
		}
	case sixToFour.Contains(addr):
		if r := Blocked(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
			return r + " (6to4)"
		}
	}
	for _, s := range special {
		if s.prefix.Contains(addr) {
			return s.reason
		}
	}
	return ""
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix (::ffff:127.0.0.0/104)
// into its IPv4 form.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}
