package hygiene

import "sort"

// matcher is an Aho-Corasick automaton over runes: one pass over a line
// finds every vocabulary term of every category, so the cost per line
// does not grow with the size of the vocabulary.
type matcher struct {
	nodes []acNode
	terms []acTerm
}

type acNode struct {
	next map[rune]int32
	fail int32
	out  []int32 // terms ending here, including those reached by fail links
}

// acTerm is one compacted term; cats are the categories it belongs to.
type acTerm struct {
	text  string
	runes int
	ascii bool // ASCII-only terms match whole words only
	cats  []string
	mask  uint64 // bit i set: member of category catBit(cats)
}

// hit is one match in compact runes [start, end).
type hit struct {
	start, end int
	term       int32
}

func newMatcher(vocab map[string][]string, fold func(string) string) *matcher {
	m := &matcher{nodes: []acNode{{next: map[rune]int32{}}}}
	index := map[string]int32{}
	cats := make([]string, 0, len(vocab))
	for c := range vocab {
		cats = append(cats, c)
	}
	sort.Strings(cats) // deterministic term ids
	for _, cat := range cats {
		for _, raw := range vocab[cat] {
			t := fold(raw)
			if t == "" {
				continue
			}
			id, ok := index[t]
			if !ok {
				id = m.add(t)
				index[t] = id
			}
			if !containsStr(m.terms[id].cats, cat) {
				m.terms[id].cats = append(m.terms[id].cats, cat)
				m.terms[id].mask |= catBit(cat)
			}
		}
	}
	m.build()
	return m
}

func (m *matcher) add(t string) int32 {
	n := int32(0)
	ascii := true
	count := 0
	for _, r := range t {
		count++
		if r >= 0x80 {
			ascii = false
		}
		nx, ok := m.nodes[n].next[r]
		if !ok {
			nx = int32(len(m.nodes))
			m.nodes = append(m.nodes, acNode{next: map[rune]int32{}})
			m.nodes[n].next[r] = nx
		}
		n = nx
	}
	id := int32(len(m.terms))
	m.terms = append(m.terms, acTerm{text: t, runes: count, ascii: ascii})
	m.nodes[n].out = append(m.nodes[n].out, id)
	return id
}

func (m *matcher) build() {
	queue := make([]int32, 0, len(m.nodes))
	for _, c := range m.nodes[0].next {
		m.nodes[c].fail = 0
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for r, c := range m.nodes[n].next {
			queue = append(queue, c)
			f := m.nodes[n].fail
			for {
				if nx, ok := m.nodes[f].next[r]; ok && nx != c {
					m.nodes[c].fail = nx
					break
				}
				if f == 0 {
					m.nodes[c].fail = 0
					break
				}
				f = m.nodes[f].fail
			}
			m.nodes[c].out = append(m.nodes[c].out, m.nodes[m.nodes[c].fail].out...)
		}
	}
}

// find returns the first limit matches in text, ASCII terms only at word
// boundaries.
func (m *matcher) find(c compactText, limit int) []hit {
	var hits []hit
	n := int32(0)
	text := c.runes
	for i, r := range text {
		for {
			if nx, ok := m.nodes[n].next[r]; ok {
				n = nx
				break
			}
			if n == 0 {
				break
			}
			n = m.nodes[n].fail
		}
		for _, id := range m.nodes[n].out {
			t := &m.terms[id]
			start := i + 1 - t.runes
			if t.ascii && !asciiWord(c, start, i+1) {
				continue
			}
			hits = append(hits, hit{start: start, end: i + 1, term: id})
			if len(hits) >= limit {
				return hits
			}
		}
	}
	return hits
}

// asciiWord reports whether [start, end) is a whole ASCII word: no space
// was dropped inside, and no ASCII letter touches it on either side.
func asciiWord(c compactText, start, end int) bool {
	for k := start + 1; k < end; k++ {
		if c.gap[k] {
			return false
		}
	}
	if start > 0 && !c.gap[start] && isASCIILetter(c.runes[start-1]) && isASCIILetter(c.runes[start]) {
		return false
	}
	if end < len(c.runes) && !c.gap[end] && isASCIILetter(c.runes[end]) && isASCIILetter(c.runes[end-1]) {
		return false
	}
	return true
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// catBit is the mask bit of a vocabulary category (0 for unknown ones).
func catBit(cat string) uint64 {
	for i, c := range vocabCategories() {
		if c == cat {
			return 1 << i
		}
	}
	return 0
}
