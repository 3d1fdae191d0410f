package ssrf

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBlocked(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"::1", true},
		{"10.0.0.1", true},
		{"172.16.5.4", true},
		{"192.168.1.1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"169.254.1.1", true},
		{"169.254.169.254", true},
		{"fd00:ec2::254", true},
		{"fe80::1", true},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"224.0.0.1", true},
		{"ff02::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"255.255.255.255", true},
		{"0.1.2.3", true},
		{"198.18.0.1", true},
		{"240.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.1.2.3", true},
		{"::ffff:169.254.169.254", true},
		{"::127.0.0.1", true},
		{"64:ff9b::a00:1", true}, // NAT64 of 10.0.0.1
		{"2002:7f00:1::", true},  // 6to4 of 127.0.0.1
		{"2001:db8::1", true},    // documentation
		{"8.8.8.8", false},
		{"100.63.255.255", false},
		{"100.128.0.0", false},
		{"93.184.216.34", false},
		{"::ffff:8.8.8.8", false},
		{"2606:4700:4700::1111", false},
		{"64:ff9b::808:808", false}, // NAT64 of 8.8.8.8
	}
	for _, tt := range tests {
		got := Blocked(netip.MustParseAddr(tt.addr)) != ""
		if got != tt.blocked {
			t.Errorf("Blocked(%s) = %q, want blocked=%v", tt.addr, Blocked(netip.MustParseAddr(tt.addr)), tt.blocked)
		}
	}
}

func TestCheckAllowList(t *testing.T) {
	g, err := New(Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1", "::1", "10.0.0.1", "169.254.169.254", "8.8.8.8"} {
		got[a] = g.Check(netip.MustParseAddr(a)) == nil
	}
	want := map[string]bool{
		"127.0.0.1": true, "::ffff:127.0.0.1": true, // allowed explicitly (mapped form too)
		"::1": false, "10.0.0.1": false, "169.254.169.254": false, "8.8.8.8": true,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("allowed (-want +got):\n%s", d)
	}
	if err := g.Check(netip.MustParseAddr("10.0.0.1")); !errors.Is(err, ErrBlocked) {
		t.Errorf("Check(10.0.0.1) = %v, want ErrBlocked", err)
	}
}

// mapResolver maps host names to fixed addresses.
func mapResolver(m map[string][]string) Resolver {
	return ResolverFunc(func(_ context.Context, _, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, s := range m[host] {
			out = append(out, netip.MustParseAddr(s))
		}
		if len(out) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return out, nil
	})
}

func TestDialThroughHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	res := mapResolver(map[string][]string{
		"news.test":   {"127.0.0.1"},
		"evil.test":   {"10.0.0.1"},
		"rebind.test": {"127.0.0.1", "10.0.0.1"}, // one bad answer refuses all
		"mapped.test": {"::ffff:127.0.0.1"},
		"meta.test":   {"169.254.169.254"},
		"public.test": {"93.184.216.34"},
	})
	allowLoop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name    string
		allow   []netip.Prefix
		host    string
		wantErr bool
	}{
		{"allowed loopback name", allowLoop, "news.test", false},
		{"allowed loopback literal", allowLoop, "127.0.0.1", false},
		{"loopback not allowed", nil, "news.test", true},
		{"loopback literal not allowed", nil, "127.0.0.1", true},
		{"public name resolving to 10.x", allowLoop, "evil.test", true},
		{"rebinding answer set", allowLoop, "rebind.test", true},
		{"ipv4-mapped loopback not allowed", nil, "mapped.test", true},
		{"ipv4-mapped literal not allowed", nil, "[::ffff:127.0.0.1]", true},
		{"metadata", allowLoop, "meta.test", true},
		{"metadata literal", allowLoop, "169.254.169.254", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(Options{Allow: tt.allow, Resolver: res})
			if err != nil {
				t.Fatal(err)
			}
			tr := &http.Transport{DialContext: g.DialContext, Proxy: nil}
			t.Cleanup(tr.CloseIdleConnections)
			c := &http.Client{Transport: tr}
			resp, err := c.Get("http://" + tt.host + ":" + port + "/")
			if resp != nil {
				resp.Body.Close()
			}
			if tt.wantErr {
				if !errors.Is(err, ErrBlocked) {
					t.Fatalf("err = %v, want ErrBlocked", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestDialRefusesNonTCP(t *testing.T) {
	g, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.DialContext(t.Context(), "unix", "/tmp/x.sock")
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("unix dial err = %v, want ErrBlocked", err)
	}
	_, err = g.DialContext(t.Context(), "tcp", "no-port")
	if err == nil || !strings.HasPrefix(err.Error(), "ssrf:") {
		t.Fatalf("bad address err = %v", err)
	}
}

func TestNewRejectsInvalidPrefix(t *testing.T) {
	if _, err := New(Options{Allow: []netip.Prefix{{}}}); err == nil {
		t.Fatal("New accepted an invalid prefix")
	}
	g, err := New(Options{Allow: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Check(netip.MustParseAddr("10.1.2.3")); err != nil {
		t.Errorf("mapped allow prefix did not allow 10.1.2.3: %v", err)
	}
}
