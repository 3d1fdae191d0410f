package extract

import (
	"net/url"
	"strings"

	"winnow/sink/record/canonical"
)

// canonicalURL is the record's canonical_url for raw (see package
// canonical); a URL that is not absolute http(s) is kept, trimmed.
func canonicalURL(raw string) string {
	c, err := canonical.URL(raw)
	if err != nil {
		return strings.TrimSpace(raw)
	}
	return c
}

// sameSite reports whether two absolute URLs share a registrable-looking
// host: equal hosts, or one a subdomain of the other, or both under the
// same last two labels (www.example.com and m.example.com).
func sameSite(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil || ua.Hostname() == "" || ub.Hostname() == "" {
		return false
	}
	ha, hb := strings.ToLower(ua.Hostname()), strings.ToLower(ub.Hostname())
	if ha == hb || strings.HasSuffix(ha, "."+hb) || strings.HasSuffix(hb, "."+ha) {
		return true
	}
	return siteKey(ha) == siteKey(hb)
}

// siteKey approximates the registrable domain: the last two labels, or
// three under common second-level suffixes (com.cn, gov.cn, co.uk …).
func siteKey(host string) string {
	labels := strings.Split(host, ".")
	n := 2
	if len(labels) >= 3 {
		switch labels[len(labels)-2] {
		case "com", "net", "org", "gov", "edu", "co", "ac":
			n = 3
		}
	}
	if len(labels) <= n {
		return host
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

// resolveURL resolves ref against base; "" when either is unusable.
func resolveURL(base, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if r.IsAbs() {
		return r.String()
	}
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return ""
	}
	return b.ResolveReference(r).String()
}
