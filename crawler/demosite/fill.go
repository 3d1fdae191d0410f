package demosite

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// text is one piece of generated text in both scripts. Pages show the form
// of their script; the manifest promises hans, which is what OpenCC t2s
// makes of hant (a test checks it).
type text struct{ hans, hant string }

// in returns the form for script (record.ScriptHant or anything else).
func (t text) in(script string) string {
	if script == scriptHant {
		return t.hant
	}
	return t.hans
}

// plain is text without Han characters (the same in both scripts).
func plain(s string) text { return text{s, s} }

// cat joins texts.
func cat(parts ...text) text {
	var a, b strings.Builder
	for _, p := range parts {
		a.WriteString(p.hans)
		b.WriteString(p.hant)
	}
	return text{a.String(), b.String()}
}

// filler expands slot templates (see data/topics.txt) for one article.
// List slots are sticky: {district} has one value throughout the article,
// {district#2} another.
type filler struct {
	c      *corpus
	r      *rng
	date   time.Time
	sticky map[string]int
	names  map[string][2]int
	// numbers holds the value of each numeric slot spec used so far.
	numbers map[string]string
	errs    []string // templates that could not be expanded in both scripts
}

func newFiller(c *corpus, r *rng, date time.Time) *filler {
	return &filler{c: c, r: r, date: date, sticky: map[string]int{}, names: map[string][2]int{}, numbers: map[string]string{}}
}

// word returns a corpus word in both scripts.
func (f *filler) word(s string) text {
	t, ok := f.c.toHant(s)
	if !ok {
		f.errs = append(f.errs, "no Traditional form: "+s)
	}
	return text{s, t}
}

// pick returns a random entry of a list, not sticky.
func (f *filler) pick(list string) text {
	l := f.c.lists[list]
	if len(l) == 0 {
		f.errs = append(f.errs, "empty list: "+list)
		return text{}
	}
	return f.word(l[f.r.intn(len(l))])
}

// person returns the sticky generated name for key ("" = a fresh name).
func (f *filler) person(key string) text {
	sur, giv := f.c.lists["surname"], f.c.lists["given"]
	idx, ok := f.names[key]
	if !ok || key == "" {
		for range 20 {
			idx = [2]int{f.r.intn(len(sur)), f.r.intn(len(giv))}
			if !f.nameUsed(idx) {
				break
			}
		}
		if key != "" {
			f.names[key] = idx
		}
	}
	return cat(f.word(sur[idx[0]]), f.word(giv[idx[1]]))
}

func (f *filler) nameUsed(idx [2]int) bool {
	for _, v := range f.names {
		if v == idx {
			return true
		}
	}
	return false
}

// fill expands a Simplified template and its Traditional counterpart with
// the same choices.
func (f *filler) fill(tmpl string) text {
	ht, ok := f.c.toHant(tmpl)
	if !ok {
		f.errs = append(f.errs, "no Traditional form: "+tmpl)
	}
	a, b := tokenize(tmpl), tokenize(ht)
	if !aligned(a, b) {
		f.errs = append(f.errs, "templates do not align: "+tmpl+" / "+ht)
		b = a
	}
	var hans, hant strings.Builder
	for i, tok := range a {
		if !tok.slot {
			hans.WriteString(tok.s)
			hant.WriteString(b[i].s)
			continue
		}
		v := f.slot(tok.s, b[i].s)
		hans.WriteString(v.hans)
		hant.WriteString(v.hant)
	}
	return text{hans.String(), hant.String()}
}

// slot evaluates one {…} slot; alt is the same slot in the Traditional
// template (it differs only for {a|b} alternatives).
func (f *filler) slot(s, alt string) text {
	if strings.Contains(s, "|") {
		as, bs := strings.Split(s, "|"), strings.Split(alt, "|")
		i := f.r.intn(len(as))
		if len(bs) != len(as) {
			bs = as
		}
		return text{as[i], bs[i]}
	}
	if kind, rng, ok := strings.Cut(s, ":"); ok {
		lo, hi, _ := strings.Cut(rng, "-")
		// Numbers are sticky by their range, so a headline and its lead
		// that use the same range quote the same number.
		if v, ok := f.numbers[s]; ok {
			return plain(v)
		}
		v := f.number(kind, lo, hi)
		f.numbers[s] = v
		return plain(v)
	}
	switch s {
	case "date":
		d := fmt.Sprintf("%d月%d日", int(f.date.Month()), f.date.Day())
		return text{d, d}
	case "month":
		m := int(f.date.AddDate(0, -1, 0).Month())
		return plain(strconv.Itoa(m))
	case "year":
		return plain(strconv.Itoa(f.date.Year()))
	}
	name, _, _ := strings.Cut(s, "#")
	if name == "person" {
		return f.person(s)
	}
	l := f.c.lists[name]
	if len(l) == 0 {
		f.errs = append(f.errs, "unknown slot: "+s)
		return plain("")
	}
	i, ok := f.sticky[s]
	if !ok {
		for range 20 {
			i = f.r.intn(len(l))
			if !f.stickyUsed(name, i) {
				break
			}
		}
		f.sticky[s] = i
	}
	return f.word(l[i])
}

// number evaluates an n:, w: or p: slot.
func (f *filler) number(kind, lo, hi string) string {
	switch kind {
	case "n":
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		return strconv.Itoa(f.r.between(a, b))
	case "w", "p":
		a, _ := strconv.ParseFloat(lo, 64)
		b, _ := strconv.ParseFloat(hi, 64)
		v := float64(f.r.between(int(a*10+0.5), int(b*10+0.5))) / 10
		out := strconv.FormatFloat(v, 'f', 1, 64)
		if kind == "p" {
			out += "%"
		}
		return out
	}
	f.errs = append(f.errs, "unknown slot kind: "+kind)
	return ""
}

func (f *filler) stickyUsed(name string, i int) bool {
	for k, v := range f.sticky {
		if n, _, _ := strings.Cut(k, "#"); n == name && v == i {
			return true
		}
	}
	return false
}

type token struct {
	s    string
	slot bool
}

// tokenize splits a template into literal text and {slot} tokens.
func tokenize(s string) []token {
	var out []token
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			out = append(out, token{s: s})
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			out = append(out, token{s: s})
			break
		}
		if i > 0 {
			out = append(out, token{s: s[:i]})
		}
		out = append(out, token{s: s[i+1 : i+j], slot: true})
		s = s[i+j+1:]
	}
	return out
}

// aligned reports whether two tokenized templates have the same slots.
func aligned(a, b []token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].slot != b[i].slot {
			return false
		}
		if a[i].slot && !strings.Contains(a[i].s, "|") && a[i].s != b[i].s {
			return false
		}
		if a[i].slot && strings.Count(a[i].s, "|") != strings.Count(b[i].s, "|") {
			return false
		}
	}
	return true
}
