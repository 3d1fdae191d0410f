package normalize

import (
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// window is how many runes the opencc package looks ahead for a
// dictionary match; keys longer than that never match there, so they
// never match here either.
const window = 10

// table is an OpenCC conversion chain compiled into Go maps. It converts
// exactly as (*opencc.OpenCC).Convert does — for each group in order, at
// each position the first dictionary with any prefix match wins with its
// longest match, else the rune is copied — without the per-rune map
// allocations that make the library slow. A differential test and a
// fuzz test hold the two byte-identical.
type table struct {
	groups [][]dict
}

type dict struct {
	values map[string]string // key -> first candidate
	// lengths maps a key's first rune to a bit set of the key lengths (in
	// runes, bit l-1 for length l) that start with it, so most positions
	// cost one lookup.
	lengths map[rune]uint16
}

func compile(cc *opencc.OpenCC) (*table, error) {
	t := &table{}
	for _, group := range cc.DictChains {
		var dicts []dict
		for _, d := range group.Dicts {
			ids := d.Trie.PrefixPredict(nil, 0)
			out := dict{values: make(map[string]string, len(ids)), lengths: map[rune]uint16{}}
			for _, id := range ids {
				vi, err := d.Trie.Value(id)
				if err != nil {
					continue // an inner node, not a key
				}
				key, err := d.Trie.Key(id)
				if err != nil || vi < 0 || vi >= len(d.Values) || len(d.Values[vi]) == 0 {
					return nil, fmt.Errorf("normalize: dictionary entry %d of %v unreadable", id, group.Files)
				}
				k := string(key)
				n := utf8.RuneCountInString(k)
				if n == 0 || n > window {
					continue // the library's look-ahead never reaches it
				}
				out.values[k] = d.Values[vi][0]
				first, _ := utf8.DecodeRuneInString(k)
				out.lengths[first] |= 1 << (n - 1)
			}
			dicts = append(dicts, out)
		}
		t.groups = append(t.groups, dicts)
	}
	return t, nil
}

func (t *table) convert(in string) string {
	var ends [window]int
	for _, dicts := range t.groups {
		var b strings.Builder
		b.Grow(len(in) + len(in)/8)
		for i := 0; i < len(in); {
			first, size := utf8.DecodeRuneInString(in[i:])
			matched := false
			n := 0 // runes decoded into ends so far
			for _, d := range dicts {
				mask := d.lengths[first]
				if mask == 0 {
					continue
				}
				// Decode as far as this dictionary's longest key needs.
				for need := bits.Len16(mask); n < need; n++ {
					off := i
					if n > 0 {
						off = ends[n-1]
					}
					if off >= len(in) {
						break
					}
					_, sz := utf8.DecodeRuneInString(in[off:])
					ends[n] = off + sz
				}
				for l := n; l >= 1; l-- {
					if mask&(1<<(l-1)) == 0 {
						continue
					}
					if v, ok := d.values[in[i:ends[l-1]]]; ok {
						b.WriteString(v)
						i, matched = ends[l-1], true
						break
					}
				}
				if matched {
					break
				}
			}
			if !matched {
				b.WriteRune(first) // invalid bytes become U+FFFD, as in the library
				i += size
			}
		}
		in = b.String()
	}
	return in
}
