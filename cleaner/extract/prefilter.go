package extract

import "strings"

// stripRaw removes, before parsing, what the extractor never reads and the
// tokenizer would scan byte by byte: the contents of <script> (except
// JSON-LD), <style> and <svg> elements, and comments. On typical news
// pages that is half of the bytes. The element tags themselves are kept,
// so the tree has the same shape. s is returned unchanged when there is
// nothing to strip.
func stripRaw(s string) string {
	var b []byte
	last := 0 // s[last:i] is still to be copied
	i := 0
	drop := func(from, to int) {
		if b == nil {
			b = make([]byte, 0, len(s)/2)
		}
		b = append(b, s[last:from]...)
		last = to
	}
	for i < len(s) {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := s[i:]
		if strings.HasPrefix(rest, "<!--") {
			end := strings.Index(rest[4:], "-->")
			stop := len(s)
			if end >= 0 {
				stop = i + 4 + end + 3
			}
			drop(i, stop)
			i = stop
			continue
		}
		name := rawElementAt(rest)
		if name == "" {
			i++
			continue
		}
		gt := strings.IndexByte(rest, '>')
		if gt < 0 {
			break
		}
		contentStart := i + gt + 1
		if name == "script" && containsFold(rest[:gt], "ld+json") {
			i = contentStart
			continue
		}
		end := indexCloseTag(s[contentStart:], name)
		if end < 0 {
			// Unterminated: leave it to the tokenizer.
			i = contentStart
			continue
		}
		drop(contentStart, contentStart+end)
		i = contentStart + end + 2 + len(name)
	}
	if b == nil {
		return s
	}
	b = append(b, s[last:]...)
	return string(b)
}

// rawElementAt returns "script", "style" or "svg" when s starts with that
// start tag (any case), "" otherwise.
func rawElementAt(s string) string {
	if len(s) < 5 {
		return ""
	}
	for _, name := range [...]string{"script", "style", "svg"} {
		n := len(name) + 1
		if len(s) > n && strings.EqualFold(s[1:n], name) {
			switch s[n] {
			case ' ', '\t', '\n', '\r', '\f', '>', '/':
				return name
			}
		}
	}
	return ""
}

// indexCloseTag finds "</name" (any case) followed by a tag-ending byte.
func indexCloseTag(s, name string) int {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		n := 2 + len(name)
		if len(s) > i+n && s[i+1] == '/' && strings.EqualFold(s[i+2:i+n], name) {
			switch s[i+n] {
			case ' ', '\t', '\n', '\r', '\f', '>', '/':
				return i
			}
		}
		i++
	}
	return -1
}

// containsFold reports whether substr (lower-case ASCII) occurs in s,
// ignoring ASCII case.
func containsFold(s, substr string) bool {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], substr) {
			return true
		}
	}
	return false
}
