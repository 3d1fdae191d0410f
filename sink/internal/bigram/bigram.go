// Package bigram turns Chinese (and mixed) text into the tokens that the
// SQLite and PostgreSQL stores index for full-text search, and turns a
// search query into the matching FTS5 and tsquery expressions.
//
// Chinese has no spaces between words, and the usual tokenizers either
// make a whole clause one token (unicode61, the PostgreSQL parser) or need
// three characters (FTS5 trigram), so a two-character word such as 政法
// is never found. Instead the text is cut into runs: a run of CJK
// characters (Han, kana, hangul) is indexed as its overlapping bigrams
// followed by its last character alone (政法干警 -> 政法 法干 干警 警); a run
// of other letters and digits is one lower-cased word. Tokens are joined
// by spaces, so any whitespace tokenizer indexes them unchanged.
//
// A query is cut the same way. A CJK run of two or more characters
// becomes a phrase of its bigrams (adjacent positions), which matches
// exactly the texts that contain the run; a single CJK character becomes
// a prefix query (法*), which matches the bigrams that start with it and
// the lone last character of a run, i.e. every occurrence; a word is a
// word. Terms are ANDed.
//
// Caveats: folding is lower-casing and full-width ASCII to ASCII only (no
// Traditional/Simplified conversion: records arrive normalized, and
// converting a query is the caller's job); latin words match whole words
// only (no stemming, no prefixes); a phrase never spans punctuation.
package bigram

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxWord caps the runes of one latin word, so that a long base64 blob or
// URL cannot make a token that an index refuses (PostgreSQL drops words
// over 2047 bytes).
const maxWord = 64

// fold maps one rune to its matching form: full-width ASCII to ASCII, the
// ideographic space to a space, and lower case. It maps rune to rune so
// that positions in folded text are positions in the original.
func fold(r rune) rune {
	switch {
	case r < 0x80:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r >= 0x4E00 && r <= 0x9FFF: // CJK Unified Ideographs: no case
		return r
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		r = ' '
	}
	return unicode.ToLower(r)
}

func isCJK(r rune) bool {
	switch r {
	case 'ー', '々', '〇': // Common-script marks used inside CJK words
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// runKind classifies a folded rune.
type runKind int

const (
	sep runKind = iota
	cjk
	word
)

func kindOf(r rune) runKind {
	switch {
	case r < 0x80:
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z' {
			return word
		}
		return sep
	case r >= 0x4E00 && r <= 0x9FFF:
		return cjk
	case r == utf8.RuneError:
		return sep
	case isCJK(r):
		return cjk
	case isWord(r):
		return word
	}
	return sep
}

// run is one maximal stretch of folded runes of one kind.
type run struct {
	kind  runKind
	runes []rune
}

// runs cuts s into its CJK and word runs, folded.
func runs(s string, yield func(run)) {
	var cur []rune
	curKind := sep
	flush := func() {
		if curKind != sep && len(cur) > 0 {
			yield(run{kind: curKind, runes: cur})
		}
		cur = cur[:0]
	}
	for _, r := range s {
		r = fold(r)
		k := kindOf(r)
		if k != curKind {
			flush()
			curKind = k
		}
		if k != sep {
			cur = append(cur, r)
		}
	}
	flush()
}

// Index returns the space-separated tokens of s for the search index.
func Index(s string) string {
	b := make([]byte, 0, len(s)*2+16)
	space := func() {
		if len(b) > 0 {
			b = append(b, ' ')
		}
	}
	var (
		kind  = sep
		prev  rune // the previous rune of the current CJK run
		nword int  // runes of the current word written so far
	)
	for _, r := range s {
		r = fold(r)
		k := kindOf(r)
		if k != kind {
			if kind == cjk {
				space()
				b = utf8.AppendRune(b, prev) // the run's last character alone
			}
			kind, nword = k, 0
			switch k {
			case cjk:
				prev = r
			case word:
				space()
				b = utf8.AppendRune(b, r)
				nword = 1
			}
			continue
		}
		switch k {
		case cjk:
			space()
			b = utf8.AppendRune(utf8.AppendRune(b, prev), r)
			prev = r
		case word:
			if nword < maxWord {
				b = utf8.AppendRune(b, r)
				nword++
			}
		}
	}
	if kind == cjk {
		space()
		b = utf8.AppendRune(b, prev)
	}
	return string(b)
}

// Token is one index token of a text: a CJK bigram, the last character
// of a CJK run alone, or a word. Its String is the token as Index writes
// it; two tokens are the same token exactly when they are ==.
type Token struct {
	// A and B are a bigram's characters; B is -1 for a run's last
	// character alone. Both are 0 for a word.
	A, B rune
	// Word is a folded latin word or number, "" for CJK tokens.
	Word string
}

// String returns the token's text.
func (t Token) String() string {
	if t.Word != "" {
		return t.Word
	}
	return string(t.Append(make([]byte, 0, 8)))
}

// Append appends the token's text to b.
func (t Token) Append(b []byte) []byte {
	switch {
	case t.Word != "":
		return append(b, t.Word...)
	case t.B < 0:
		return utf8.AppendRune(b, t.A)
	}
	return utf8.AppendRune(utf8.AppendRune(b, t.A), t.B)
}

// Each calls yield with the tokens of s in the order Index writes them,
// without building the text (a CJK token costs no allocation), for
// callers that count or key tokens themselves.
func Each(s string, yield func(Token)) {
	var (
		kind  = sep
		prev  rune   // the previous rune of the current CJK run
		w     []byte // the current word, folded
		nword int    // its runes
	)
	endRun := func() {
		switch kind {
		case cjk:
			yield(Token{A: prev, B: -1})
		case word:
			yield(Token{Word: string(w)})
		}
	}
	for _, r := range s {
		r = fold(r)
		k := kindOf(r)
		if k != kind {
			endRun()
			kind, nword = k, 0
			switch k {
			case cjk:
				prev = r
			case word:
				w = utf8.AppendRune(w[:0], r)
				nword = 1
			}
			continue
		}
		switch k {
		case cjk:
			yield(Token{A: prev, B: r})
			prev = r
		case word:
			if nword < maxWord {
				w = utf8.AppendRune(w, r)
				nword++
			}
		}
	}
	endRun()
}

func truncate(rs []rune) []rune {
	if len(rs) > maxWord {
		return rs[:maxWord]
	}
	return rs
}

// TermKind says how a query term matches.
type TermKind int

// Kinds of query term.
const (
	Phrase TermKind = iota // adjacent bigram tokens (a CJK run of 2+ characters)
	Prefix                 // one CJK character: tokens starting with it
	Word                   // one latin word or number
)

// Term is one query term.
type Term struct {
	Kind TermKind
	// Tokens are the index tokens: the bigrams of a phrase, or the single
	// character or word.
	Tokens []string
	// Text is the folded run as it appears in text, for snippets.
	Text string
}

// Query is a parsed search query: its terms, all required.
type Query struct {
	Terms []Term
}

// Parse cuts q into terms the way Index cuts text. A query without letters,
// digits or CJK characters has no terms.
func Parse(q string) Query {
	var out Query
	runs(q, func(r run) {
		switch {
		case r.kind == cjk && len(r.runes) == 1:
			s := string(r.runes)
			out.Terms = append(out.Terms, Term{Kind: Prefix, Tokens: []string{s}, Text: s})
		case r.kind == cjk:
			t := Term{Kind: Phrase, Text: string(r.runes)}
			for i := 0; i+1 < len(r.runes); i++ {
				t.Tokens = append(t.Tokens, string(r.runes[i:i+2]))
			}
			out.Terms = append(out.Terms, t)
		case r.kind == word:
			s := string(truncate(r.runes))
			out.Terms = append(out.Terms, Term{Kind: Word, Tokens: []string{s}, Text: s})
		}
	})
	return out
}

// Empty reports whether q has no terms (it can match nothing).
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// FTS5 returns q as an SQLite FTS5 MATCH expression. Every token is a
// quoted string, so no query text is ever read as FTS5 syntax.
func (q Query) FTS5() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(quote(strings.Join(t.Tokens, " "), '"'))
		if t.Kind == Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// TSQuery returns q in PostgreSQL to_tsquery syntax for the 'simple'
// configuration: phrases joined by <->, a single character as a prefix
// (:*), terms joined by &. Tokens are quoted lexemes.
func (q Query) TSQuery() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		if len(t.Tokens) > 1 {
			b.WriteByte('(')
		}
		for j, tok := range t.Tokens {
			if j > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteString(quote(tok, '\''))
		}
		if len(t.Tokens) > 1 {
			b.WriteByte(')')
		}
		if t.Kind == Prefix {
			b.WriteString(":*")
		}
	}
	return b.String()
}

// quote wraps s in q, doubling any q inside (tokens never hold one, but
// the guarantee costs nothing).
func quote(s string, q byte) string {
	qs := string(q)
	return qs + strings.ReplaceAll(s, qs, qs+qs) + qs
}

// Snippet returns about width runes of text around the first place where
// one of q's terms occurs (the start of text if none does), on one line,
// with "…" where it was cut.
func Snippet(text string, q Query, width int) string {
	if width <= 0 {
		width = 80
	}
	rs := []rune(text)
	folded := make([]rune, len(rs))
	for i, r := range rs {
		folded[i] = fold(r)
	}
	at := -1
	for _, t := range q.Terms {
		if i := index(folded, []rune(t.Text)); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	start := 0
	if at > width/3 {
		start = at - width/3
	}
	end := min(start+width, len(rs))
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	for _, r := range rs[start:end] {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		b.WriteRune(r)
	}
	if end < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}

// index returns the first index of sub in s, or -1.
func index(s, sub []rune) int {
	if len(sub) == 0 {
		return -1
	}
outer:
	for i := 0; i+len(sub) <= len(s); i++ {
		for j, r := range sub {
			if s[i+j] != r {
				continue outer
			}
		}
		return i
	}
	return -1
}
