package hygiene

import (
	"strings"
	"unicode/utf8"
)

// Hand-written scanners for the two URL regexps of compiled (url and
// bareDomain): the same matches, in the same places, as the regexps'
// FindAll (leftmost-first, non-overlapping, the search going on where
// the last match ended), without the backtracking over the TLD
// alternation that made them the costliest part of link-heavy lines.
// TestURLScanners and FuzzURLScanners compare them with the regexps.

// urlMatch is a match [0, 1) with a submatch [2, 3) (bareDomain's domain;
// the whole match for url).
type urlMatch [4]int

// urlExcluded reports the runes the url regexp stops at:
// [^\s<>"'【】《》()（）\[\]{}，。、|].
func urlExcluded(r rune) bool {
	switch r {
	case '\t', '\n', '\f', '\r', ' ', '<', '>', '"', '\'', '【', '】', '《', '》', '(', ')', '（', '）', '[', ']',
		'{', '}', '，', '。', '、', '|':
		return true
	}
	return false
}

// findURLMatches returns the matches of `(?:https?://|www\.)[^\s<>"'…|]+`
// in s.
func findURLMatches(s string) []urlMatch {
	var out []urlMatch
	nextHTTP, nextWWW := -2, -2 // next "http" and "www." at or after p (-1: none; -2: not looked for)
	for p := 0; p < len(s); {
		// the next place where https://, http:// or www. starts
		if nextHTTP != -1 && nextHTTP < p {
			if nextHTTP = strings.Index(s[p:], "http"); nextHTTP >= 0 {
				nextHTTP += p
			}
		}
		if nextWWW != -1 && nextWWW < p {
			if nextWWW = strings.Index(s[p:], "www."); nextWWW >= 0 {
				nextWWW += p
			}
		}
		x := nextHTTP
		if x < 0 || nextWWW >= 0 && nextWWW < x {
			x = nextWWW
		}
		if x < 0 {
			break
		}
		q := -1
		switch {
		case strings.HasPrefix(s[x:], "https://"):
			q = x + 8
		case strings.HasPrefix(s[x:], "http://"):
			q = x + 7
		case strings.HasPrefix(s[x:], "www."):
			q = x + 4
		}
		e := q
		for e >= 0 && e < len(s) {
			r, size := utf8.DecodeRuneInString(s[e:])
			if urlExcluded(r) {
				break
			}
			e += size
		}
		if q < 0 || e == q {
			p = x + 1 // no match here ('h' and 'w' are one byte)
			continue
		}
		out = append(out, urlMatch{x, e, x, e})
		p = e
	}
	return out
}

// findDomainMatches returns the matches of bareDomain,
// `(?:^|[^a-z0-9.@/-])((?:[a-z0-9][a-z0-9-]{0,62}\.)+(?:TLD…))(?:[^a-z0-9.-]|$)`,
// in s, with the TLDs of c in the regexp's order (longest first).
func (c *compiled) findDomainMatches(s string) []urlMatch {
	var out []urlMatch
	for p := 0; p <= len(s); {
		m, ok := c.domainAt(s, p)
		if ok {
			out = append(out, m)
			p = m[1]
			continue
		}
		if p == len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[p:])
		p += size
	}
	return out
}

// domainAt tries bareDomain at byte p: the start is the beginning of
// the text (preferred) or one rune outside [a-z0-9.@/-].
func (c *compiled) domainAt(s string, p int) (urlMatch, bool) {
	if p == 0 {
		if g1, end, ok := c.domainBody(s, 0); ok {
			return urlMatch{0, end, 0, g1}, true
		}
	}
	if p < len(s) {
		r, size := utf8.DecodeRuneInString(s[p:])
		if !(r < utf8.RuneSelf && (isLDH(byte(r)) || r == '.' || r == '@' || r == '/')) {
			if g1, end, ok := c.domainBody(s, p+size); ok {
				return urlMatch{p, end, p + size, g1}, true
			}
		}
	}
	return urlMatch{}, false
}

// domainBody matches the labels, the TLD and the boundary after it from
// byte q: it returns where the domain (group 1) ends and where the match
// ends. The greedy label loop backs off one label at a time; TLDs are
// tried in the regexp's order; the boundary is a rune outside
// [a-z0-9.-] (consumed) or the end of the text.
func (c *compiled) domainBody(s string, q int) (g1end, end int, ok bool) {
	// label ends (after their dot), greedy
	var ends [16]int
	labels := ends[:0]
	for t := q; t < len(s); {
		b := s[t]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9') {
			break
		}
		k := t + 1
		for k < len(s) && k-t-1 < 63 && isLDH(s[k]) {
			k++
		}
		if k-t-1 > 62 || k >= len(s) || s[k] != '.' {
			break // more than 62 after the first, or no dot
		}
		labels = append(labels, k+1)
		t = k + 1
	}
	for j := len(labels) - 1; j >= 0; j-- {
		t := labels[j]
		if t >= len(s) {
			continue
		}
		for _, tld := range c.tldOrder {
			if !strings.HasPrefix(s[t:], tld) {
				continue
			}
			e := t + len(tld)
			if e == len(s) {
				return e, e, true
			}
			r, size := utf8.DecodeRuneInString(s[e:])
			if r < utf8.RuneSelf && (isLDH(byte(r)) || r == '.') {
				continue
			}
			return e, e + size, true
		}
	}
	return 0, 0, false
}

// replaceMatches returns s with every match replaced by repl.
func replaceMatches(s string, ms []urlMatch, repl string) string {
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for _, m := range ms {
		b.WriteString(s[prev:m[0]])
		b.WriteString(repl)
		prev = m[1]
	}
	b.WriteString(s[prev:])
	return b.String()
}
