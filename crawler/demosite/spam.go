package demosite

import (
	"strings"
)

// spamGen composes injected spam lines in the style of hacked Chinese news
// sites: keyword chains, gambling brands with action suffixes, lottery
// jargon with obfuscated contacts, keyword lines and Unicode evasion.
type spamGen struct {
	c *corpus
	r *rng
	// hant: write the Han words in Traditional (for Big5 pages, which
	// cannot carry Simplified characters); otherwise Simplified, which is
	// also what injectors put into Traditional UTF-8 pages.
	hant bool
	// wide: the page is UTF-8, so characters outside GBK/Big5 (math-bold
	// letters, rare ideographs) may be used.
	wide bool
}

func (g *spamGen) word(list string) string {
	l := g.c.lists[list]
	w := l[g.r.intn(len(l))]
	if g.hant {
		if t, ok := g.c.toHant(w); ok {
			return t
		}
	}
	return w
}

// junk is the digit/latin tail of a keyword chain, e.g. 777sesese.
func (g *spamGen) junk() string {
	digits := []string{"777", "520", "8899", "66", "99", "168", "365", "888", "5566", "69"}
	letters := []string{"sesese", "kkk", "av", "yy", "vip", "xx", "hh", "se", "com", "tv"}
	return digits[g.r.intn(len(digits))] + letters[g.r.intn(len(letters))]
}

// chain is a porn/gambling keyword chain such as 99福利在线_xxxx影院_….
func (g *spamGen) chain() string {
	sep := []string{"_", "_", "|", "-"}[g.r.intn(4)]
	n := g.r.between(3, 4)
	parts := make([]string, 0, n+1)
	if g.r.chance(50) {
		parts = append(parts, g.junk()[:2]+g.word("porn"))
	}
	for len(parts) < n {
		if g.r.chance(60) {
			parts = append(parts, g.word("porn"))
		} else {
			parts = append(parts, g.word("brand")+g.word("suffix"))
		}
	}
	parts = dedupe(parts)
	return strings.Join(append(parts, g.junk()), sep)
}

// brand is a gambling brand with an action suffix, e.g. 威尼斯人app下载.
func (g *spamGen) brand() string { return g.word("brand") + g.word("suffix") }

// contact is an obfuscated QQ or WeChat contact.
func (g *spamGen) contact() string {
	d := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + g.r.intn(10)))
		}
		return b.String()
	}
	qq := d(g.r.between(8, 10))
	switch g.r.intn(5) {
	case 0:
		return "QQ：" + strings.Join(strings.Split(qq, ""), "-")
	case 1:
		return "扣扣：" + qq[:4] + " " + qq[4:]
	case 2:
		return "加微：yx" + d(1) + "●" + d(1) + "●" + d(1) + "●vip"
	case 3:
		return "薇信：bet★" + d(4)
	default:
		// Full-width digits defeat naive digit matching.
		var b strings.Builder
		for i, c := range qq {
			if i%2 == 1 {
				b.WriteRune('０' + (c - '0'))
			} else {
				b.WriteRune(c)
			}
		}
		return "Q群：" + b.String()
	}
}

// lottery is a lottery-jargon line with a contact.
func (g *spamGen) lottery() string {
	j1, j2 := g.word("jargon"), g.word("jargon")
	if j1 == j2 {
		j2 = g.word("jargon")
	}
	return g.word("lottery") + j1 + "，" + j2 + "，" + g.contact()
}

// keywords is a keyword line such as 本文关键词：….
func (g *spamGen) keywords() string {
	label := "本文关键词："
	if g.hant {
		label = "本文關鍵詞："
	}
	parts := dedupe([]string{g.brand(), g.word("game"), g.word("lottery"), g.brand()})
	return label + strings.Join(parts, ",")
}

// evasive is a brand line disguised with Unicode tricks.
func (g *spamGen) evasive() string {
	switch g.r.intn(3) {
	case 0:
		if g.wide {
			// Mathematical bold capitals and digits: NFKC folds them to ASCII.
			return mathBold([]string{"BET365", "AG", "BBIN", "PG", "KY"}[g.r.intn(5)]) + g.word("suffix")
		}
		fallthrough
	case 1:
		return strings.Join(strings.Split(g.brand(), ""), " ")
	default:
		s := g.brand()
		if g.wide {
			rare := []string{"㵘", "䁖", "䶮", "㐱", "䲜", "㸚"}
			s += rare[g.r.intn(len(rare))] + rare[g.r.intn(len(rare))]
		}
		return s
	}
}

// mathBold maps ASCII capitals and digits to their mathematical bold forms.
func mathBold(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteRune(0x1D400 + (c - 'A'))
		case c >= '0' && c <= '9':
			b.WriteRune(0x1D7CE + (c - '0'))
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// domain is an external link-farm domain (reserved .example names).
func (g *spamGen) domain() string {
	return "http://www." + g.junk() + ".example/"
}

func dedupe(in []string) []string {
	out := in[:0]
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
