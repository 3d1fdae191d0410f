package hygiene

import "strings"

// Plain chrome lines.
//
// Chrome and hidden segments (navigation, footers, sidebars) are most of
// a page's lines and, on pages in Latin script, nearly all of them are
// words no rule can act on: "Privacy Policy", "Sign in", "More from
// Business". Such a line gets no analysis at all when plainWords can
// vouch that the analysis would find nothing: no vocabulary hit, no spam
// signal, no line rule, no URL, not a link line. The argument, rule by
// rule, is in plainLine's comment; TestPlainLines and FuzzPlainLine hold
// the full analysis of every line plainLine accepts to exactly that, and
// TestPlainChromeSame every Result to the one without the shortcut.

// plainWords is what plainLine needs from the ruleset: the lower-cased
// maximal runs of ASCII letters of the terms a plain line could hold,
// whether a plain line may hold digits, and whether the shortcut is
// sound for the ruleset at all.
type plainWords struct {
	ok      bool
	digits  bool
	words   map[string]bool
	longest int
}

// newPlainWords collects the letter runs of the automaton's ASCII terms
// (terms with other characters cannot occur in an ASCII line) and of
// the ASCII words of the label regexps (keyword_label, editor,
// end_mark, related: run on the text when the automaton cannot vouch
// for them). Terms that are only spam TLDs or breadcrumb heads are left
// out: the URL and domain rules read the TLDs after a dot, and the
// breadcrumb rule reads its heads only in a line with a separator
// (> › » → ＞), and nothing else looks at those categories. A term
// without letters is not seen by the letter-run test: one with a digit
// keeps digits out of plain lines, one of plainPunct, spaces and
// hyphens only turns the shortcut off.
func newPlainWords(vocab map[string][]string, m *matcher) plainWords {
	pw := plainWords{ok: true, digits: true, words: map[string]bool{}}
	add := func(t string) {
		for i := 0; i < len(t); i++ {
			if t[i] >= 0x80 {
				return // not an ASCII term
			}
		}
		letters := false
		for i := 0; i < len(t); {
			if !isASCIILetterByte(t[i]) {
				i++
				continue
			}
			j := i
			for j < len(t) && isASCIILetterByte(t[j]) {
				j++
			}
			pw.words[strings.ToLower(t[i:j])] = true
			pw.longest = max(pw.longest, j-i)
			letters = true
			i = j
		}
		if letters || strings.TrimSpace(t) == "" {
			return
		}
		punct := true
		for i := 0; i < len(t); i++ {
			switch b := t[i]; {
			case b >= '0' && b <= '9':
				pw.digits, punct = false, false
			case b != ' ' && b != '-' && b != ':' && !plainPunct(b):
				punct = false
			}
		}
		if punct {
			pw.ok = false
		}
	}
	inert := bit(cSpamTLD) | bit(cBreadcrumbHead)
	for i := range m.terms {
		if m.terms[i].mask&^inert != 0 {
			add(m.terms[i].text)
		}
	}
	for _, cat := range []string{catKeywordLabel, catEditor, catEndMark, catRelated} {
		for _, t := range vocab[cat] {
			add(t)
		}
	}
	// words the URL and domain rules look for
	for _, w := range []string{"www", "http", "https", "dot"} {
		pw.words[w] = true
	}
	return pw
}

func isASCIILetterByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// plainPunct is the punctuation a plain line may hold besides letters,
// digits, spaces, hyphens, colons and dots (these three under
// conditions: plainLine).
func plainPunct(b byte) bool {
	switch b {
	case ',', '\'', '"', '!', '?', '(', ')', '&', ';', '+':
		return true
	}
	return false
}

// maxPlainLine bounds the lines plainLine looks at (chrome lines are
// short; a long one gets the full analysis).
const maxPlainLine = 200

// plainLine reports whether the full analysis of the line s finds
// nothing: no vocabulary hit of a category any rule reads, no spam
// signal, no line rule (lineRule returns nil), no URL, and linkInfo
// marks it as no link line. It accepts only ASCII lines of letters,
// digits, spaces and plainPunct, with hyphens, colons and dots under
// conditions, none of whose maximal letter runs is in words. Why that
// is enough:
//
//   - Vocabulary: folding an ASCII line only lower-cases it. A term with
//     a non-ASCII character cannot occur in ASCII text; an ASCII term
//     matches only as a whole word (asciiWord), so each of its maximal
//     letter runs is a maximal letter run of the line, which words would
//     hold (newPlainWords: terms without letters keep digits out or turn
//     the shortcut off). So no hit that a rule reads: keyword stuffing,
//     gambling, lottery, span terms, brands, keyword lines, attribution,
//     copyright, share bars, app promos, QR prompts, contacts (and the
//     contact regexps, which need a contact word), byline and editor
//     names for nameIndex are all silent.
//   - The label regexps (keyword tags, editor lines, end marks, related
//     headings) match only lines holding one of their words as a whole
//     word: words holds those as written.
//   - Keyword chains need '_', '|' or '-' between tokens and, without
//     spam terms, every token digit/Latin junk and nothing but letters,
//     digits, separators and spaces: with two hyphens or more plainLine
//     asks for another character (a dot, colon or plainPunct).
//   - URLs and domains need "://", "www." and a non-space, or a dot
//     before a known TLD (mayHaveDomain); both are looked for when a dot
//     is not followed by a space;
//     disguised dots need "dot", ".)" or ".]" or non-ASCII characters.
//   - A label-only line (reLabelOnly, a link line) is one word ending
//     with a colon: a colon is accepted only in a line with a space
//     before its end.
//   - Placeholders and templates need { [ @ % $; breadcrumbs '>' and the
//     like; HTML lines '<'; hash busters and look-alikes non-ASCII
//     characters; script mismatch Han characters.
func (c *compiled) plainLine(s string) bool {
	pw := &c.plain
	if !pw.ok || len(s) == 0 || len(s) > maxPlainLine {
		return false
	}
	dashes, other, colon, dotBeforeWord := 0, false, false, false
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case isASCIILetterByte(b) || b == ' ':
		case b >= '0' && b <= '9':
			if !pw.digits {
				return false
			}
		case b == '-':
			dashes++
		case b == '.':
			if i+1 < len(s) && s[i+1] != ' ' {
				if s[i+1] == ')' || s[i+1] == ']' {
					return false
				}
				dotBeforeWord = true
			}
			other = true
		case b == ':':
			colon, other = true, true
		case plainPunct(b):
			other = true
		default:
			return false
		}
	}
	if dashes >= 2 && !other {
		return false
	}
	if colon {
		t := strings.TrimSpace(s)
		if strings.HasSuffix(t, ":") && !strings.Contains(t, " ") {
			return false
		}
	}
	var buf [32]byte
	for i := 0; i < len(s); {
		if !isASCIILetterByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isASCIILetterByte(s[j]) {
			j++
		}
		if n := j - i; n <= pw.longest && n <= len(buf) {
			w := buf[:n]
			for k := range w {
				w[k] = s[i+k] | 0x20 // lower case (letters only)
			}
			if pw.words[string(w)] {
				return false
			}
		}
		if hasDot(s[i:j]) {
			return false
		}
		i = j
	}
	if dotBeforeWord {
		if l := strings.ToLower(s); c.mayHaveDomain(l) || strings.Contains(l, "www.") {
			return false
		}
	}
	return true
}

// hasDot reports "dot" in any case inside the letters w.
func hasDot(w string) bool {
	for k := 0; k+3 <= len(w); k++ {
		if w[k]|0x20 == 'd' && w[k+1]|0x20 == 'o' && w[k+2]|0x20 == 't' {
			return true
		}
	}
	return false
}
