package extract

import (
	"net"
	"net/url"
	"sort"
	"strings"
)

// trackingParams are query parameters that only track a visit; they are
// dropped from canonical URLs (matched case-insensitively).
var trackingParams = map[string]bool{
	"spm": true, "from": true, "fbclid": true, "gclid": true, "dclid": true,
	"msclkid": true, "yclid": true, "share_token": true, "share_from": true,
	"sharefrom": true, "share_source": true, "shareid": true, "share_id": true,
	"_hsenc": true, "_hsmi": true, "mc_cid": true, "mc_eid": true, "igshid": true,
	"scene": true, "srcid": true, "isappinstalled": true, "wfr": true,
	"ref": true, "ref_src": true, "referrer": true, "cmpid": true, "ncid": true,
	"ocid": true, "sr_share": true, "s_trk": true, "_ga": true, "_gl": true,
	"vn_source": true, "vn_medium": true, "vn_campaign": true, "chksm": true,
}

// isTrackingParam reports whether a query parameter name only tracks.
func isTrackingParam(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "utm_") || strings.HasPrefix(n, "pk_") || strings.HasPrefix(n, "mtm_") {
		return true
	}
	return trackingParams[n]
}

// CanonicalURL returns raw in canonical form: lower-case scheme and host,
// no fragment, no default port, no empty path (it becomes "/"), tracking
// parameters (utm_*, spm, from, fbclid, gclid, share_token …) removed and
// the remaining query parameters sorted by name (stable for repeated
// names). A URL that does not parse, or is not absolute, is returned
// trimmed but otherwise unchanged; "" stays "".
func CanonicalURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") || port == "" {
			host = h
			if strings.Contains(h, ":") { // IPv6 literal
				host = "[" + h + "]"
			}
		}
	}
	host = strings.TrimSuffix(host, ".")
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		u.RawQuery = canonicalQuery(u.RawQuery)
	}
	u.ForceQuery = false
	return u.String()
}

// canonicalQuery drops tracking parameters and sorts the rest by name,
// keeping each parameter's original encoding.
func canonicalQuery(q string) string {
	type kv struct{ key, raw string }
	var keep []kv
	for _, part := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
		k := part
		if i := strings.IndexByte(part, '='); i >= 0 {
			k = part[:i]
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if name == "" || isTrackingParam(name) {
			continue
		}
		keep = append(keep, kv{name, part})
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].key < keep[j].key })
	var b strings.Builder
	for i, p := range keep {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.raw)
	}
	return b.String()
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
