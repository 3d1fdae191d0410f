package discover

import (
	"net/url"
	"strings"
)

// Links is what an HTML page links to.
type Links struct {
	// Pages are the a[href] and area[href] targets, resolved against the
	// page URL and its <base href>, in document order, without fragments
	// and without non-http(s) schemes (mailto:, javascript: …). Duplicates
	// are kept; the crawler's frontier dedups.
	Pages []*url.URL
	// Feeds are <link rel=alternate> targets typed application/rss+xml
	// or application/atom+xml, resolved the same way.
	Feeds []*url.URL
}

// Strings returns the URLs as strings.
func Strings(us []*url.URL) []string {
	if us == nil {
		return nil
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.String()
	}
	return out
}

// MaxLinks bounds the links read from one page; the rest are ignored.
const MaxLinks = 10000

// HTMLLinks scans an HTML page and returns its links. pageURL is the URL
// the page was fetched from (after redirects). It never fails: a
// malformed page yields the links found before the input ran out. Tags
// are found as golang.org/x/net/html's tokenizer finds them (comments,
// scripts and other raw text elements are skipped, attribute values are
// decoded by the same rules) without its per-tag allocations.
func HTMLLinks(body []byte, pageURL *url.URL) Links {
	var (
		out     Links
		rawA    []string
		rawFeed []string
		base    string
		hasBase bool
	)
	sc := tagScanner{b: body}
	for {
		name, ok := sc.next()
		if !ok {
			break
		}
		switch {
		case asciiEqualFold(name, "a"), asciiEqualFold(name, "area"):
			if len(rawA) >= MaxLinks {
				continue
			}
			if v, ok := sc.attr("href"); ok {
				rawA = append(rawA, attrValue(v))
			}
		case asciiEqualFold(name, "base"):
			if hasBase {
				continue
			}
			if v, ok := sc.attr("href"); ok {
				base, hasBase = attrValue(v), true
			}
		case asciiEqualFold(name, "link"):
			href, ok := sc.attr("href")
			if !ok || len(rawFeed) >= 100 {
				continue
			}
			rel, _ := sc.attr("rel")
			typ, _ := sc.attr("type")
			if hasToken(attrValue(rel), "alternate") && isFeedType(attrValue(typ)) {
				rawFeed = append(rawFeed, attrValue(href))
			}
		}
	}

	b := pageURL
	if hasBase {
		if bu, err := url.Parse(strings.TrimSpace(base)); err == nil {
			b = pageURL.ResolveReference(bu)
		}
	}
	out.Pages = resolveAll(b, rawA)
	out.Feeds = resolveAll(b, rawFeed)
	return out
}

func resolveAll(base *url.URL, raws []string) []*url.URL {
	if len(raws) == 0 {
		return nil
	}
	out := make([]*url.URL, 0, len(raws))
	for _, raw := range raws {
		if u, ok := ResolveURL(base, raw); ok {
			out = append(out, u)
		}
	}
	return out
}

// Resolve resolves href against base and returns the absolute URL without
// fragment; ok is false for empty, unparsable and non-http(s) references.
// ASCII tabs and newlines inside href are dropped, as browsers do.
func Resolve(base *url.URL, href string) (string, bool) {
	u, ok := ResolveURL(base, href)
	if !ok {
		return "", false
	}
	return u.String(), true
}

// ResolveURL is Resolve returning the parsed URL.
func ResolveURL(base *url.URL, href string) (*url.URL, bool) {
	href = strings.TrimSpace(href)
	if strings.ContainsAny(href, "\t\n\r") { // browsers drop them from URLs
		href = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(href)
	}
	if href == "" || href[0] == '#' {
		return nil, false
	}
	if i := strings.IndexByte(href, ':'); i > 0 && i < 12 {
		// Cheap reject of mailto:, javascript:, tel:, data: …
		switch strings.ToLower(href[:i]) {
		case "http", "https":
		default:
			if !strings.ContainsAny(href[:i], "/?#") {
				return nil, false
			}
		}
	}
	if u, ok := resolvePlainPath(base, href); ok {
		return u, true
	}
	return resolveGeneral(base, href)
}

// resolveGeneral is ResolveURL's general case, through net/url.
func resolveGeneral(base *url.URL, href string) (*url.URL, bool) {
	ref, err := url.Parse(href)
	if err != nil {
		return nil, false
	}
	u := ref
	if base != nil {
		u = base.ResolveReference(ref)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, false
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = escapeQuery(u.RawQuery)
	return u, true
}

// resolvePlainPath resolves the most common link, an absolute path of
// plain characters (letters, digits, "-._~/", no dot segment) with an
// optional query and fragment, against an http(s) base, to what
// resolveGeneral returns, with one allocation instead of two URLs and a
// rebuilt path. ok is false when href is not of that form.
func resolvePlainPath(base *url.URL, href string) (*url.URL, bool) {
	if base == nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		href == "" || href[0] != '/' || strings.HasPrefix(href, "//") {
		return nil, false
	}
	rest, frag, _ := strings.Cut(href, "#")
	if strings.IndexByte(frag, '%') >= 0 { // net/url rejects a bad escape in it
		return nil, false
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	for i := 0; i < len(path); i++ {
		c := path[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '~' || c == '/' || c == '.') {
			return nil, false
		}
		if c == '.' && path[i-1] == '/' { // a dot segment, or a name starting with one
			return nil, false
		}
	}
	for i := 0; i < len(query); i++ {
		if c := query[i]; c < ' ' || c == 0x7f { // net/url rejects control bytes
			return nil, false
		}
	}
	return &url.URL{Scheme: base.Scheme, User: base.User, Host: base.Host, Path: path,
		ForceQuery: hasQuery && query == "", RawQuery: escapeQuery(query)}, true
}

// escapeQuery percent-encodes the bytes of a raw query that may not
// appear in a URL as they are (non-ASCII, controls, space, quotes, <>).
func escapeQuery(q string) string {
	n := 0
	for i := 0; i < len(q); i++ {
		if mustEscape(q[i]) {
			n++
		}
	}
	if n == 0 {
		return q
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(q)+2*n)
	for i := 0; i < len(q); i++ {
		c := q[i]
		if mustEscape(c) {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func mustEscape(c byte) bool {
	return c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}' || c == '|' || c == '\\' || c == '^'
}

// hasToken reports whether the space-separated list contains tok
// (ASCII case-insensitive).
func hasToken(list string, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(string(f), tok) {
			return true
		}
	}
	return false
}

func isFeedType(typ string) bool {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t == "application/rss+xml" || t == "application/atom+xml" || t == "application/rdf+xml"
}
