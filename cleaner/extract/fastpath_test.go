package extract

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refWrite is textBuilder.write without its fast paths: every rune takes
// the general path. The fast paths must not change a byte or a count.
func refWrite(tb *textBuilder, s string, c *chunk) {
	tb.newline = false
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == 0xA0 ||
			(r >= 0x2000 && r <= 0x200A) || r == 0x202F || r == 0x205F || r == 0x1680 || r == 0x85:
			if len(tb.b) > 0 {
				tb.space = true
				if r == '\n' || r == '\r' {
					tb.newline = true
				}
			}
			continue
		case r < 0x20 || (r >= 0x7F && r < 0xA0) || r == 0x200B || r == 0xFEFF || r == 0x2028 || r == 0x2029:
			continue
		case r == 0x3000 && len(tb.b) == 0:
			continue
		}
		if tb.space {
			if !(tb.newline && isWide(tb.last) && isWide(r)) {
				tb.b = append(tb.b, ' ')
				c.wlen++
			}
			tb.space, tb.newline = false, false
		}
		tb.b = utf8.AppendRune(tb.b, r)
		if isWide(r) {
			c.wlen += 3
		} else {
			c.wlen++
		}
		switch r {
		case ',', '，', '、', '。':
			c.commas++
		}
		c.chars++
		tb.last = r
	}
}

// refCountSentences counts sentence-ending punctuation rune by rune.
func refCountSentences(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case '。', '！', '？', '.', '!', '?':
			n++
		}
	}
	return n
}

// fastPathSeeds hold every class of character the fast paths treat
// apart, their neighbours, and broken sequences.
var fastPathSeeds = []string{
	"", "中文标题", "骑楼城现存骑楼591余栋，总长约6.9公里。国庆假期！真的？",
	"“引号”——破折号…省略号‘单引号’", "カタカナ、ひらがな。", "全角ＡＢＣ（括号）：；！？",
	"\u3000\u3000正文\u3000内容", "换行的\n句子，\n“引号”\n中", "中\r\n文 \t 字",
	"\u2010\u2027\u2028\u2029\u200a\u200b\u202f\u2030", "\u3000\u3001\u3002\u30ff\u3100\u4dff\u4e00\u9fff",
	"\uff00\uff0c\uffef\ufeff\ufff0\ufffd", "\xe4\xb8", "\xe4\xb8\x41中", "\xed\xa0\x80中", "\xe0\x80\x80",
	"\xef\xbc", "中\xff文", "a\u00a0b\u0085c\u1680d", "ASCII, run. 中! 文?",
}

func FuzzTextBuilderWrite(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add(s, "")
		f.Add("前文 ", s)
		f.Add(s, "\n"+s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var tb, ref textBuilder
		var c, rc chunk
		for _, s := range []string{a, b} {
			tb.write(s, &c)
			refWrite(&ref, s, &rc)
		}
		got, want := tb.finish(), ref.finish()
		if got != want || c != rc {
			t.Fatalf("write(%q, %q) = %q %+v, want %q %+v", a, b, got, c, want, rc)
		}
		if !utf8.ValidString(got) { // countRunesSentences relies on it
			t.Fatalf("write(%q, %q) = %q: invalid UTF-8", a, b, got)
		}
		// The same text built after another one, in place (the walker's
		// chunks).
		var sb textBuilder
		var sc chunk
		sb.write("前文\u3000 ", &sc)
		sb.finishSpan()
		sc = chunk{}
		for _, s := range []string{a, b} {
			sb.write(s, &sc)
		}
		if s0, s1 := sb.finishSpan(); string(sb.b[s0:s1]) != want || sc != rc {
			t.Fatalf("write(%q, %q) in place = %q %+v, want %q %+v", a, b, sb.b[s0:s1], sc, want, rc)
		}
	})
}

func FuzzCountRunesSentences(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // chunk text is valid UTF-8
		}
		n, k := countRunesSentences(s)
		if wn, wk := runeLen(s), refCountSentences(s); n != wn || k != wk {
			t.Fatalf("countRunesSentences(%q) = %d, %d, want %d, %d", s, n, k, wn, wk)
		}
	})
}

// TestLangSample: detectLang decides as the plain count over the whole
// sample (refDetectLang) does, early exit included.
func TestLangSample(t *testing.T) {
	long := strings.Repeat("中文正文，", 2000) // 30,000 bytes
	for _, tc := range []struct{ title, body string }{
		{"", ""}, {"标题", "正文。"}, {"标题", long}, {long, "正文"}, {long, long},
		{strings.Repeat("a", langSampleBytes-1), "中文"}, {strings.Repeat("a", langSampleBytes), "中文"},
		{"English title", strings.Repeat("Plain English text. ", 1000)},
		{"标题", strings.Repeat("中文正文", 600) + strings.Repeat("English words ", 1000)},
		{"标题", strings.Repeat("中文正文", 700) + strings.Repeat("かなカナ", 1000)},
	} {
		for _, lang := range []string{"", "zh-CN", "en"} {
			if got, want := detectLang(tc.title, tc.body, lang), refDetectLang(tc.title+"\n"+tc.body, lang); got != want {
				t.Errorf("detectLang(%.20q, %.20q, %q) = %q, want %q", tc.title, tc.body, lang, got, want)
			}
		}
	}
}

func FuzzDetectLang(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add(s, strings.Repeat(s, 1+langSampleBytes/(1+len(s))), "zh")
	}
	f.Add("标题", strings.Repeat("中文正文", 700)+strings.Repeat("かなカナ", 1000), "")
	f.Add("标题", strings.Repeat("中文正文", 600)+strings.Repeat("English words ", 1000), "en")
	f.Fuzz(func(t *testing.T, title, body, lang string) {
		if got, want := detectLang(title, body, lang), refDetectLang(title+"\n"+body, lang); got != want {
			t.Fatalf("detectLang(%q, %q, %q) = %q, want %q", title, body, lang, got, want)
		}
	})
}

// refDetectLang is detectLang as one plain count over the first
// langSampleBytes of the text.
func refDetectLang(text, htmlLang string) string {
	var han, kana, letters int
	text = text[:min(len(text), langSampleBytes)]
	for _, r := range text {
		switch {
		case isHan(r):
			han++
			letters++
		case r >= 0x3040 && r <= 0x30FF:
			kana++
			letters++
		case unicode.IsLetter(r):
			letters++
		}
	}
	lc := langCounts{han: han, kana: kana, letters: letters}
	if lc.zh() {
		return "zh"
	}
	return attrLang(htmlLang, lc)
}

// TestLangPunctuationNotLetters: the punctuation detectLang skips before
// unicode.IsLetter is no letter.
func TestLangPunctuationNotLetters(t *testing.T) {
	for _, span := range [][2]rune{{0x3001, 0x3002}, {0x2010, 0x2027}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF20}} {
		for r := span[0]; r <= span[1]; r++ {
			if unicode.IsLetter(r) {
				t.Errorf("%U is a letter", r)
			}
		}
	}
}

func FuzzValidUTF8(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add([]byte(s))
		f.Add([]byte("ASCII text long enough for the word loop " + s + " and after it"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := isValidUTF8(b), utf8.Valid(b); got != want {
			t.Fatalf("isValidUTF8(%q) = %v, want %v", b, got, want)
		}
	})
}

func FuzzHasBylineLabel(f *testing.F) {
	for _, s := range fastPathSeeds {
		f.Add(s)
	}
	for _, l := range bylineLabels {
		if l[0]&0xF0 != 0xE0 {
			f.Fatalf("label %q does not start with a three-byte character", l)
		}
		f.Add("前文" + l + "：后文")
		f.Add(l[:len(l)-1])
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := false
		for _, l := range bylineLabels {
			want = want || strings.Contains(s, l)
		}
		if got := hasBylineLabel(s); got != want {
			t.Fatalf("hasBylineLabel(%q) = %v, want %v", s, got, want)
		}
	})
}
