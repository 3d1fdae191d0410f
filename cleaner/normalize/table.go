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
	groups []group
}

// group is one step of the chain: its dictionaries, tried in order.
type group struct {
	dicts []dict
	// starts holds every rune that begins a key of any of the
	// dictionaries: a rune outside it is copied with one bitmap test, and
	// a text without any is returned as is.
	starts startSet
}

// startSet is a bitmap of runes, as long as its largest member needs.
type startSet []uint64

func (s *startSet) add(r rune) {
	for int(r>>6) >= len(*s) {
		*s = append(*s, 0)
	}
	(*s)[r>>6] |= 1 << (r & 63)
}

func (s startSet) has(r rune) bool { return int(r>>6) < len(s) && s[r>>6]&(1<<(r&63)) != 0 }

type dict struct {
	values map[string]string // key -> first candidate
	// lengths maps a key's first rune to a bit set of the key lengths (in
	// runes, bit l-1 for length l) that start with it, so most positions
	// cost one lookup: an array for the BMP (bmpLengths, as long as its
	// largest first rune needs), a map beyond.
	bmpLengths []uint16
	lengths    map[rune]uint16
	// pairs is a Bloom-style bit set of the first two runes of keys of
	// two runes or more: a clear bit rules all of them out at a position
	// with one test instead of a map lookup per length.
	pairs *[pairBits / 64]uint64
}

const pairBits = 1 << 16

func pairBit(a, b rune) uint32 {
	return (uint32(a)*0x9E3779B1 ^ uint32(b)*0x85EBCA77) >> 16
}

// lengthsOf returns the key-length set of keys starting with r.
func (d *dict) lengthsOf(r rune) uint16 {
	if int(r) < len(d.bmpLengths) {
		return d.bmpLengths[r]
	}
	if r < 0x10000 {
		return 0
	}
	return d.lengths[r]
}

func compile(cc *opencc.OpenCC) (*table, error) {
	t := &table{}
	for _, chain := range cc.DictChains {
		g := group{starts: make(startSet, 0, 0x10000/64)}
		for _, d := range chain.Dicts {
			ids := d.Trie.PrefixPredict(nil, 0)
			out := dict{values: make(map[string]string, len(ids)), lengths: map[rune]uint16{}, pairs: new([pairBits / 64]uint64)}
			for _, id := range ids {
				vi, err := d.Trie.Value(id)
				if err != nil {
					continue // an inner node, not a key
				}
				key, err := d.Trie.Key(id)
				if err != nil || vi < 0 || vi >= len(d.Values) || len(d.Values[vi]) == 0 {
					return nil, fmt.Errorf("normalize: dictionary entry %d of %v unreadable", id, chain.Files)
				}
				k := string(key)
				n := utf8.RuneCountInString(k)
				if n == 0 || n > window {
					continue // the library's look-ahead never reaches it
				}
				first, _ := utf8.DecodeRuneInString(k)
				if first == utf8.RuneError || strings.ContainsRune(k, '\n') {
					// A key the bitmap or the line-wise contract
					// (ConvertLines) could not match: none in OpenCC's
					// dictionaries, refused rather than mishandled.
					return nil, fmt.Errorf("normalize: dictionary key %q of %v not supported", k, chain.Files)
				}
				out.values[k] = d.Values[vi][0]
				if n >= 2 {
					second, _ := utf8.DecodeRuneInString(k[len(string(first)):])
					h := pairBit(first, second)
					out.pairs[h/64] |= 1 << (h % 64)
				}
				if first < 0x10000 {
					for int(first) >= len(out.bmpLengths) {
						out.bmpLengths = append(out.bmpLengths, 0)
					}
					out.bmpLengths[first] |= 1 << (n - 1)
				} else {
					out.lengths[first] |= 1 << (n - 1)
				}
				g.starts.add(first)
			}
			g.dicts = append(g.dicts, out)
		}
		t.groups = append(t.groups, g)
	}
	return t, nil
}

// convert runs the chain over in. Runs of runes no key starts with are
// copied in bulk; a group that matches nothing returns its input without
// copying it.
func (t *table) convert(in string) string {
	var ends [window]int
	for gi := range t.groups {
		g := &t.groups[gi]
		var b []byte // nil until the first change
		done := 0    // in[:done] is in b (when b is not nil)
		for i := 0; i < len(in); {
			first, size := rune(in[i]), 1
			if c := in[i]; c >= utf8.RuneSelf {
				if i+2 < len(in) && lead3[c] && in[i+1]&0xC0 == 0x80 && in[i+2]&0xC0 == 0x80 {
					// A three-byte sequence whose lead takes any
					// continuation bytes, decoded without a call.
					first, size = rune(c&0x0F)<<12|rune(in[i+1]&0x3F)<<6|rune(in[i+2]&0x3F), 3
				} else {
					first, size = utf8.DecodeRuneInString(in[i:])
				}
			}
			if first == utf8.RuneError && size == 1 {
				// Invalid bytes become U+FFFD, as in the library.
				b = flushRun(b, in, done, i)
				b = utf8.AppendRune(b, utf8.RuneError)
				i += size
				done = i
				continue
			}
			if !g.starts.has(first) {
				i += size
				continue
			}
			matched := false
			n := 0 // runes decoded into ends so far
			for _, d := range g.dicts {
				mask := d.lengthsOf(first)
				if mask == 0 {
					continue
				}
				if mask > 1 {
					// Keys of two runes or more: is the next rune a
					// possible second one?
					if n == 0 && i+size < len(in) {
						ends[0] = i + size
						n = 1
					}
					if n >= 1 && ends[0] < len(in) {
						second, _ := utf8.DecodeRuneInString(in[ends[0]:])
						if h := pairBit(first, second); d.pairs[h/64]&(1<<(h%64)) == 0 {
							mask &= 1
						}
					} else {
						mask &= 1 // the text ends here
					}
					if mask == 0 {
						continue
					}
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
						if v != in[i:ends[l-1]] || b != nil {
							b = flushRun(b, in, done, i)
							b = append(b, v...)
							done = ends[l-1]
						}
						i, matched = ends[l-1], true
						break
					}
				}
				if matched {
					break
				}
			}
			if !matched {
				i += size
			}
		}
		if b != nil {
			b = append(b, in[done:]...)
			in = string(b)
		}
	}
	return in
}

// flushRun appends in[done:i] to b, allocating b on first use.
func flushRun(b []byte, in string, done, i int) []byte {
	if b == nil {
		b = make([]byte, 0, len(in)+len(in)/8)
	}
	return append(b, in[done:i]...)
}
