package source

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Reasons returned by [Scope.InScope] for URLs that are out of scope.
const (
	ReasonScheme = "scheme not http(s)"
	ReasonHost   = "host out of scope"
	ReasonDenied = "denied by pattern"
)

// hostPattern is one compiled entry of Scope.Hosts.
type hostPattern struct {
	wildcard bool   // "*.example.com": strict sub-domains of host
	host     string // lower-case ASCII host name, or canonical IP literal
	port     string // "" matches any port
}

func (h hostPattern) String() string {
	s := h.host
	if strings.Contains(s, ":") { // IPv6
		s = "[" + s + "]"
	}
	if h.wildcard {
		s = "*." + s
	}
	if h.port != "" {
		s += ":" + h.port
	}
	return s
}

func (h hostPattern) match(host, port string) bool {
	if h.port != "" && h.port != port {
		return false
	}
	if h.wildcard {
		return strings.HasSuffix(host, "."+h.host)
	}
	return host == h.host
}

// parseHostPattern parses "example.com", "*.example.com", "example.com:8080",
// "127.0.0.1", "127.0.0.1:8080", "::1" or "[::1]:8080". Unicode host names
// are converted to their ASCII (punycode) form.
func parseHostPattern(s string) (hostPattern, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return hostPattern{}, fmt.Errorf("empty host pattern")
	}
	var h hostPattern
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		h.wildcard, s = true, rest
	}
	if strings.Contains(s, "*") {
		return hostPattern{}, fmt.Errorf("%q: a wildcard is only allowed as a leading \"*.\"", in)
	}
	if strings.ContainsAny(s, "/?#@ ") {
		return hostPattern{}, fmt.Errorf("%q is a URL or has spaces; write only the host (and port), e.g. www.example.com", in)
	}
	host, port := s, ""
	if _, err := netip.ParseAddr(s); err == nil {
		// bare IPv4 or IPv6 literal
	} else if strings.HasPrefix(s, "[") {
		if strings.HasSuffix(s, "]") {
			host = s[1 : len(s)-1]
		} else {
			hh, pp, err := net.SplitHostPort(s)
			if err != nil {
				return hostPattern{}, fmt.Errorf("%q is not a valid host pattern", in)
			}
			host, port = hh, pp
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
	}
	if port != "" || strings.HasSuffix(s, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || !allDigits(port) || n < 1 || n > 65535 {
			return hostPattern{}, fmt.Errorf("%q: port must be a number from 1 to 65535", in)
		}
		port = strconv.Itoa(n)
	}
	h.port = port
	if addr, err := netip.ParseAddr(host); err == nil {
		if h.wildcard {
			return hostPattern{}, fmt.Errorf("%q: a wildcard cannot apply to an IP address", in)
		}
		if addr.Zone() != "" {
			return hostPattern{}, fmt.Errorf("%q: IPv6 zones are not allowed", in)
		}
		h.host = addr.Unmap().String()
		return h, nil
	}
	name, err := asciiHost(host)
	if err != nil {
		return hostPattern{}, fmt.Errorf("%q is not a valid host name", in)
	}
	h.host = name
	return h, nil
}

// asciiHost validates a host name and returns its lower-case ASCII form.
func asciiHost(host string) (string, error) {
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return "", fmt.Errorf("bad length")
	}
	name := strings.ToLower(host)
	if !isASCII(name) {
		var err error
		if name, err = idna.Lookup.ToASCII(host); err != nil {
			return "", err
		}
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("bad label %q", label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("bad character in %q", label)
			}
		}
	}
	return name, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// urlHostPort returns the canonical host (lower-case ASCII name or IP
// literal) and the port of u, the scheme's default port when u has none.
func urlHostPort(u *url.URL) (host, port string) {
	host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.Is4() { // an IPv4 literal parses only in canonical form
			host = addr.Unmap().String()
		}
	} else if !isASCII(host) {
		if a, err := idna.Lookup.ToASCII(host); err == nil {
			host = a
		}
	}
	port = u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	} else if port[0] == '0' {
		if n, err := strconv.Atoi(port); err == nil {
			port = strconv.Itoa(n)
		}
	}
	return host, port
}

// seedPattern is the host pattern a seed URL implies: its host, and its
// port if the URL names one.
func seedPattern(u *url.URL) hostPattern {
	host, _ := urlHostPort(u)
	p := u.Port()
	if p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			p = strconv.Itoa(n)
		}
	}
	return hostPattern{host: host, port: p}
}

// patterns returns the compiled host patterns; an unvalidated scope
// compiles Hosts on the fly (and matches no host when Hosts is empty).
func (s *Scope) patterns() []hostPattern {
	if s.hostPats != nil || len(s.Hosts) == 0 {
		return s.hostPats
	}
	var pats []hostPattern
	for _, h := range s.Hosts {
		if p, err := parseHostPattern(h); err == nil {
			pats = append(pats, p)
		}
	}
	return pats
}

func (s *Scope) denyPatterns() []*regexp.Regexp {
	if s.denyRE != nil || len(s.Deny) == 0 {
		return s.denyRE
	}
	var res []*regexp.Regexp
	for _, d := range s.Deny {
		if re, err := regexp.Compile(d); err == nil {
			res = append(res, re)
		}
	}
	return res
}

func (s *Scope) articlePattern() *regexp.Regexp {
	if s.articleRE != nil || s.ArticlePattern == "" {
		return s.articleRE
	}
	re, err := regexp.Compile(s.ArticlePattern)
	if err != nil {
		return regexp.MustCompile(`$.^`) // matches nothing
	}
	return re
}

// matchPath matches re against the escaped path of u and, when u has a
// query, against path?query.
func matchPath(re *regexp.Regexp, u *url.URL) bool {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if re.MatchString(p) {
		return true
	}
	return u.RawQuery != "" && re.MatchString(p+"?"+u.RawQuery)
}

// InScope reports whether u belongs to the source: an http or https URL
// whose host matches Hosts (or, when Hosts is empty, the host of a seed)
// and whose path matches no Deny pattern. When it does not, reason is one
// of ReasonScheme, ReasonHost and ReasonDenied.
func (s *Scope) InScope(u *url.URL) (ok bool, reason string) {
	if u == nil {
		return false, ReasonScheme
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return false, ReasonScheme
	}
	host, port := urlHostPort(u)
	if !slices.ContainsFunc(s.patterns(), func(p hostPattern) bool { return p.match(host, port) }) {
		return false, ReasonHost
	}
	for _, re := range s.denyPatterns() {
		if matchPath(re, u) {
			return false, ReasonDenied
		}
	}
	return true, ""
}

// IsArticle reports whether u looks like an article page: ArticlePattern
// matches its path (or path?query); with no ArticlePattern every page may
// be an article. It does not check the scope.
func (s *Scope) IsArticle(u *url.URL) bool {
	if u == nil {
		return false
	}
	re := s.articlePattern()
	if re == nil {
		return true
	}
	return matchPath(re, u)
}

// HostPatterns returns the effective host patterns in canonical form:
// Hosts, or the seeds' hosts when Hosts is empty (after Validate).
func (s *Scope) HostPatterns() []string {
	pats := s.patterns()
	out := make([]string, len(pats))
	for i, p := range pats {
		out[i] = p.String()
	}
	return out
}
