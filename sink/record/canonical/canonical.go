// Package canonical defines the canonical form of article URLs: the
// crawl's dedup key and the record's canonical_url, so that the crawler
// and the content path agree byte for byte.
package canonical

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// ErrBadURL is wrapped by errors for URLs that are not absolute http(s)
// URLs.
var ErrBadURL = errors.New("canonical: bad URL")

// trackingParams only track a visit (compared in lower case).
var trackingParams = map[string]bool{
	"spm": true, "from": true, "fbclid": true, "gclid": true, "dclid": true, "msclkid": true,
	"yclid": true, "igshid": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true,
	"_hsenc": true, "_hsmi": true, "share_token": true, "share_from": true, "sharefrom": true,
	"share_source": true, "shareid": true, "share_id": true, "isappinstalled": true, "wfr": true,
	"ref_src": true, "cmpid": true, "ncid": true, "ocid": true, "sr_share": true, "s_trk": true,
	"vn_source": true, "vn_medium": true, "vn_campaign": true,
	"scene": true, "chksm": true, // WeChat share tracking
}

// IsTrackingParam reports whether a query parameter only tracks a visit
// and is removed by URL: utm_*, pk_*, mtm_* and the click and share ids
// in trackingParams (names compared case-insensitively).
func IsTrackingParam(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "utm_") || strings.HasPrefix(n, "pk_") || strings.HasPrefix(n, "mtm_") {
		return true
	}
	return trackingParams[n]
}

// URL returns the canonical form of an absolute http(s) URL, the
// crawl's dedup key and the record's canonical_url:
//
//   - scheme and host in lower case, an internationalized host in its
//     ASCII (punycode) form, a trailing dot removed, IPv6 literals in
//     their canonical text form;
//   - the default port (80 for http, 443 for https) and any user
//     information removed;
//   - the fragment removed;
//   - the path: "/" when empty, percent-escapes of unreserved characters
//     decoded and the others upper-cased, characters that must be escaped
//     escaped, and "." and ".." segments resolved;
//   - the query: empty parameters, tracking parameters (IsTrackingParam)
//     and the parameters named in strip (case-insensitively) removed,
//     escapes normalized as in the path, the rest sorted by name (the
//     order of repeated names is kept); no "?" when nothing is left.
//
// It is idempotent. The error wraps ErrBadURL.
func URL(raw string, strip ...string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(fixPercent(raw))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	return FromURL(u, strip)
}

// FromURL applies URL's rules to a parsed URL.
func FromURL(u *url.URL, strip []string) (string, error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%w: %q is not an http(s) URL", ErrBadURL, u.Redacted())
	}
	host, err := canonicalHost(u.Hostname())
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadURL, u.Redacted(), err)
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w: %q: bad port", ErrBadURL, u.Redacted())
		}
		port = strconv.Itoa(n)
		if scheme == "http" && n == 80 || scheme == "https" && n == 443 {
			port = ""
		}
	}

	var b strings.Builder
	b.Grow(len(host) + len(u.Path) + len(u.RawQuery) + 16)
	b.WriteString(scheme)
	b.WriteString("://")
	if strings.Contains(host, ":") {
		b.WriteByte('[')
		b.WriteString(host)
		b.WriteByte(']')
	} else {
		b.WriteString(host)
	}
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	path := removeDotSegments(normalizeEscapes(u.EscapedPath(), pathChar))
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	b.WriteString(path)
	if q := canonicalQuery(u.RawQuery, strip); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String(), nil
}

// fixPercent escapes every '%' that does not start an escape ("100%"),
// which url.Parse would reject.
func fixPercent(s string) string {
	bad := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			bad = true
			break
		}
	}
	if !bad {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func canonicalHost(h string) (string, error) {
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return "", fmt.Errorf("no host")
	}
	// Only IP literals end in a digit or contain ':' (a DNS name's last
	// label is never numeric); ParseAddr allocates an error otherwise.
	if c := h[len(h)-1]; c >= '0' && c <= '9' || strings.IndexByte(h, ':') >= 0 {
		if addr, err := netip.ParseAddr(h); err == nil {
			if addr.Zone() != "" {
				return "", fmt.Errorf("IPv6 zone in host")
			}
			return addr.String(), nil
		}
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		h = strings.ToLower(h)
	} else {
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", fmt.Errorf("bad international host name: %w", err)
		}
		h = a
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", fmt.Errorf("bad character %q in host", c)
		}
	}
	return h, nil
}

// canonicalQuery applies CanonicalURL's query rules to a raw query.
func canonicalQuery(q string, strip []string) string {
	if q == "" {
		return ""
	}
	type param struct{ key, raw string }
	var params []param
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		part = normalizeEscapes(part, queryChar)
		key, _, _ := strings.Cut(part, "=")
		name := key
		if strings.ContainsAny(name, "%+") {
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
		}
		if IsTrackingParam(name) || slices.ContainsFunc(strip, func(s string) bool { return strings.EqualFold(s, name) }) {
			continue
		}
		params = append(params, param{key, part})
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.raw)
	}
	return b.String()
}

func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// pathChar reports the characters allowed unescaped in a path:
// unreserved, sub-delims, ':', '@' and '/'.
func pathChar(c byte) bool {
	return unreserved(c) || strings.IndexByte("!$&'()*+,;=:@/", c) >= 0
}

// queryChar is pathChar plus '?' (a query part never holds a raw '&').
func queryChar(c byte) bool { return pathChar(c) || c == '?' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// normalizeEscapes decodes escaped unreserved characters, upper-cases the
// hex of the other escapes, escapes a '%' that starts no escape, and
// escapes every byte allowed does not accept.
func normalizeEscapes(s string, allowed func(byte) bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' || !allowed(c) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	const hexdig = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(v) {
				b = append(b, v)
			} else {
				b = append(b, '%', hexdig[v>>4], hexdig[v&15])
			}
			i += 2
		case c != '%' && allowed(c):
			b = append(b, c)
		default:
			b = append(b, '%', hexdig[c>>4], hexdig[c&15])
		}
	}
	return string(b)
}

// removeDotSegments resolves "." and ".." segments (RFC 3986 5.2.4).
func removeDotSegments(p string) string {
	if !strings.Contains(p, "/.") && !strings.HasPrefix(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}
