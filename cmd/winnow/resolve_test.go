package main

import (
	"errors"
	"net"
	"net/netip"
	"testing"

	"winnow/crawler/ssrf"
)

// TestParseResolve checks --resolve: listed names (any case, trailing
// dot) answer with their addresses, malformed pairs are usage errors,
// and the SSRF guard still refuses a pinned address it does not allow.
func TestParseResolve(t *testing.T) {
	if r, err := parseResolve(""); r != nil || err != nil {
		t.Errorf(`parseResolve("") = %v, %v; want nil, nil`, r, err)
	}
	for _, bad := range []string{"a.test", "a.test=", "=127.0.0.1", "a.test=localhost", "a.test=127.0.0.1:80"} {
		var ue usageError
		if _, err := parseResolve(bad); !errors.As(err, &ue) {
			t.Errorf("parseResolve(%q) = %v, want a usage error", bad, err)
		}
	}
	r, err := parseResolve("a.test=127.0.0.2, B.Test=::1,a.test=127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string][]netip.Addr{
		"a.test":  {netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")},
		"b.test.": {netip.MustParseAddr("::1")},
	} {
		got, err := r.LookupNetIP(t.Context(), "ip", host)
		if err != nil || len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
			t.Errorf("LookupNetIP(%s) = %v, %v; want %v", host, got, err, want)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("no second loopback address (the test needs 127.0.0.0/8 on loopback, as Linux has): %v", err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	closed, err := ssrf.New(ssrf.Options{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := closed.DialContext(t.Context(), "tcp", net.JoinHostPort("a.test", port)); !errors.Is(err, ssrf.ErrBlocked) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dial a.test pinned to loopback without --allow-net: %v, want blocked", err)
	}
	open, err := ssrf.New(ssrf.Options{Resolver: r, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := open.DialContext(t.Context(), "tcp", net.JoinHostPort("a.test", port))
	if err != nil {
		t.Fatalf("dial a.test pinned to 127.0.0.2 with loopback allowed: %v", err)
	}
	c.Close()
}
