package hygiene

import (
	"slices"
	"sort"
)

// matcher is an Aho-Corasick automaton over runes: one pass over a line
// finds every vocabulary term of every category, so the cost per line
// does not grow with the size of the vocabulary.
//
// The trie is built with maps, then flattened for matching: every rune of
// the vocabulary gets a small class number (a table lookup for the Basic
// Multilingual Plane), the root has a dense transition table over the
// classes, and every other node a sorted run of (class, next) edges that
// already follows its fail links: the node's own edges and those its
// fail node has (transitions not listed lead where the root's do). One
// lookup per rune, no walk along fail links; the transitions are those
// of the automaton. Matching allocates nothing but the hits it returns.
//
// Most runes of a text lead where the root's transition does (the
// current node has no edge for them), and most nodes have no output, so
// the matching loop asks two cheap, well-predicted questions per rune:
// does the node's class mask hold the rune's class (a 64-bit summary of
// its edges' classes; only then are the edges searched), and is the
// next node one with outputs (those are numbered last).
type matcher struct {
	terms []acTerm

	classBMP *[0x10000]uint16 // rune < 0x10000 -> class; 0: in no term
	classHi  map[rune]uint16  // runes beyond the BMP
	root     []int32          // class -> child of the root (0: none)

	// node n's edges are edges[nodes[n].edge:nodes[n+1].edge], sorted
	// by class, its outputs outs[nodes[n].out:nodes[n+1].out]
	nodes []acNode
	edges []acEdge
	outs  []int32 // term ids: the node's own term, then those of its fail chain
	// masks[n] has bit class%64 set for the class of every edge of node
	// n (none for the root, whose transitions are root)
	masks []uint64
	// outFrom is the first node with outputs: nodes from it on have
	// them, those before it have none (the root, 0, among them)
	outFrom int32
}

// acNode locates a node's edges and outputs.
type acNode struct{ edge, out int32 }

// acEdge is a transition on a rune class.
type acEdge struct {
	class uint16
	next  int32
}

// acTerm is one compacted term; cats are the categories it belongs to.
type acTerm struct {
	text   string
	runes  int
	ascii  bool // ASCII-only terms match whole words only
	cats   []string
	catIdx []int  // the indices of cats (cat* constants)
	mask   uint64 // bit i set: member of category catBit(cats)
}

// hit is one match in compact runes [start, end). mask is the term's
// category mask.
type hit struct {
	start, end int
	term       int32
	mask       uint64
}

// buildNode is a trie node while the matcher is built.
type buildNode struct {
	next map[rune]int32
	fail int32
	out  []int32 // terms ending here, including those reached by fail links
}

func newMatcher(vocab map[string][]string, fold func(string) string) *matcher {
	m := &matcher{}
	nodes := []buildNode{{next: map[rune]int32{}}}
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
				id = m.add(&nodes, t)
				index[t] = id
			}
			if !containsStr(m.terms[id].cats, cat) {
				m.terms[id].cats = append(m.terms[id].cats, cat)
				m.terms[id].catIdx = append(m.terms[id].catIdx, catIndex(cat))
				m.terms[id].mask |= catBit(cat)
			}
		}
	}
	buildFail(nodes)
	m.flatten(nodes)
	return m
}

func (m *matcher) add(nodes *[]buildNode, t string) int32 {
	n := int32(0)
	ascii := true
	count := 0
	for _, r := range t {
		count++
		if r >= 0x80 {
			ascii = false
		}
		nx, ok := (*nodes)[n].next[r]
		if !ok {
			nx = int32(len(*nodes))
			*nodes = append(*nodes, buildNode{next: map[rune]int32{}})
			(*nodes)[n].next[r] = nx
		}
		n = nx
	}
	id := int32(len(m.terms))
	m.terms = append(m.terms, acTerm{text: t, runes: count, ascii: ascii})
	(*nodes)[n].out = append((*nodes)[n].out, id)
	return id
}

// buildFail sets the fail links breadth first and appends to every
// node's outputs those of its fail node.
func buildFail(nodes []buildNode) {
	queue := make([]int32, 0, len(nodes))
	for _, c := range nodes[0].next {
		nodes[c].fail = 0
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for r, c := range nodes[n].next {
			queue = append(queue, c)
			f := nodes[n].fail
			for {
				if nx, ok := nodes[f].next[r]; ok && nx != c {
					nodes[c].fail = nx
					break
				}
				if f == 0 {
					nodes[c].fail = 0
					break
				}
				f = nodes[f].fail
			}
			nodes[c].out = append(nodes[c].out, nodes[nodes[c].fail].out...)
		}
	}
}

// flatten turns the built trie into the matching tables.
func (m *matcher) flatten(nodes []buildNode) {
	var alphabet []rune
	seen := map[rune]bool{}
	for _, n := range nodes {
		for r := range n.next {
			if !seen[r] {
				seen[r] = true
				alphabet = append(alphabet, r)
			}
		}
	}
	slices.Sort(alphabet)
	m.classBMP = new([0x10000]uint16)
	m.classHi = map[rune]uint16{}
	classOf := map[rune]uint16{}
	for i, r := range alphabet {
		cl := uint16(i + 1)
		classOf[r] = cl
		if r < 0x10000 {
			m.classBMP[r] = cl
		} else {
			m.classHi[r] = cl
		}
	}
	m.root = make([]int32, len(alphabet)+1)
	for r, c := range nodes[0].next {
		m.root[classOf[r]] = c
	}
	// transitions of every node but the root, fail links followed:
	// breadth first, so a node's fail node (shallower) is done before it
	type edge struct {
		cl   uint16
		next int32
	}
	trans := make([][]edge, len(nodes))
	queue := []int32{0}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, c := range nodes[n].next {
			queue = append(queue, c)
		}
		if n == 0 {
			continue
		}
		own := make([]edge, 0, len(nodes[n].next))
		for r, c := range nodes[n].next {
			own = append(own, edge{classOf[r], c})
		}
		slices.SortFunc(own, func(a, b edge) int { return int(a.cl) - int(b.cl) })
		f := nodes[n].fail
		if f == 0 {
			trans[n] = own
			continue
		}
		// own edges win over the fail node's transitions
		merged := make([]edge, 0, len(own)+len(trans[f]))
		i, j := 0, 0
		for i < len(own) || j < len(trans[f]) {
			switch {
			case j == len(trans[f]) || i < len(own) && own[i].cl < trans[f][j].cl:
				merged = append(merged, own[i])
				i++
			case i == len(own) || trans[f][j].cl < own[i].cl:
				merged = append(merged, trans[f][j])
				j++
			default: // the same class: the node's own edge
				merged = append(merged, own[i])
				i, j = i+1, j+1
			}
		}
		trans[n] = merged
	}
	// number the nodes with outputs last (stable, so the root stays 0)
	order := make([]int32, 0, len(nodes))
	for _, outs := range []bool{false, true} {
		for i, n := range nodes {
			if (len(n.out) > 0) == outs {
				order = append(order, int32(i))
			}
		}
	}
	newID := make([]int32, len(nodes))
	for id, old := range order {
		newID[old] = int32(id)
		if len(nodes[old].out) == 0 {
			m.outFrom = int32(id) + 1
		}
	}
	for cl, c := range m.root {
		m.root[cl] = newID[c]
	}
	m.nodes = make([]acNode, len(nodes)+1)
	m.masks = make([]uint64, len(nodes))
	for id, old := range order {
		m.nodes[id] = acNode{edge: int32(len(m.edges)), out: int32(len(m.outs))}
		for _, e := range trans[old] {
			m.edges = append(m.edges, acEdge{e.cl, newID[e.next]})
			m.masks[id] |= 1 << (e.cl % 64)
		}
		m.outs = append(m.outs, nodes[old].out...)
	}
	m.nodes[len(nodes)] = acNode{edge: int32(len(m.edges)), out: int32(len(m.outs))}
}

// step returns the state after a rune of class cl in state n: n's
// transition (fail links already followed), or the root's; class 0
// leads back to the root.
func (m *matcher) step(n int32, cl uint16) int32 {
	if cl == 0 {
		return 0
	}
	if n != 0 {
		edges := m.edges[m.nodes[n].edge:m.nodes[n+1].edge]
		for len(edges) > 8 {
			mid := len(edges) / 2
			if edges[mid].class < cl {
				edges = edges[mid+1:]
			} else {
				edges = edges[:mid+1]
			}
		}
		for _, e := range edges {
			if e.class >= cl {
				if e.class == cl {
					return e.next
				}
				break
			}
		}
	}
	return m.root[cl]
}

// find appends to hits the first limit matches in text, ASCII terms
// only at word boundaries, in the order they end (at one position:
// longest first).
func (m *matcher) find(c compactText, limit int, hits []hit) []hit {
	n := int32(0)
	for i, r := range c.runes {
		var cl uint16
		if uint32(r) < 0x10000 {
			cl = m.classBMP[r]
		} else {
			cl = m.classHi[r]
		}
		if m.masks[n]&(1<<(cl%64)) != 0 {
			n = m.step(n, cl)
		} else {
			n = m.root[cl] // (step's answer: no edge of n has class cl)
		}
		if n < m.outFrom {
			continue
		}
		o, oe := m.nodes[n].out, m.nodes[n+1].out
		for _, id := range m.outs[o:oe] {
			t := &m.terms[id]
			start := i + 1 - t.runes
			if t.ascii && !asciiWord(c, start, i+1) {
				continue
			}
			hits = append(hits, hit{start: start, end: i + 1, term: id, mask: t.mask})
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

// catIndex is the index of a vocabulary category (-1 for unknown ones).
func catIndex(cat string) int {
	for i, c := range vocabCategories() {
		if c == cat {
			return i
		}
	}
	return -1
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

// findsWords reports whether, for every word of a category's regexp
// alternation (words: trimmed, as the regexp spells them), a line whose
// folded text contains the word has a hit of a term of category cat at
// that place: the word compacts to the term the automaton holds for it
// (fold is the ruleset's term folding), and a word of ASCII letters and
// digits drops nothing when compacted (so no space breaks it; the
// regexps put only spaces, brackets, colons and dashes, which compaction
// drops or which are no letters, next to the word, so the whole-word
// test passes). Then a line without such a hit cannot match the regexp.
func (m *matcher) findsWords(cat int, words []string, fold func(string) string) bool {
	byText := make(map[string]*acTerm, len(m.terms))
	for i := range m.terms {
		byText[m.terms[i].text] = &m.terms[i]
	}
	for _, w := range words {
		runes := []rune(w)
		idx := make([]int32, len(runes))
		for i := range idx {
			idx[i] = int32(i)
		}
		lit := compactOf(folded{runes: runes, start: idx, end: idx})
		t := byText[fold(w)]
		if t == nil || t.mask&bit(cat) == 0 || t.text != string(lit.runes) {
			return false
		}
		if t.ascii && len(lit.runes) != len(runes) {
			return false
		}
	}
	return true
}
