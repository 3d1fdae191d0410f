package zhmeta

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are inputs every fuzz target starts from.
func fuzzSeeds(t testing.TB) []string {
	seeds := []string{
		"時間:2022-02-24 來源:梧州零距離網-梧州日報 作者:李繼遠 高寒 廖敬生 編輯:徐慧",
		"2022年02月24日 10:30\u3000来源：人民网－人民日报\u3000作者：张三",
		"（记者陈智 通讯员刘娟）",
		"本文来源：证券市场红周刊 责任编辑：杨倩_NF4425",
		"２０２２年２月２４日\u3000下午３：０５",
		"二〇二二年二月二十四日",
		"2022-02-24T10:30:05.123+08:00",
		"新京报记者 陆一夫",
		"【编辑：",
		"文/",
		"来源：\xff\xfe作者：张\xc3",
		"99福利在线_xxxx影院_毛片网站免费_777sesese",
		"梧州零距離網 > 聚焦梧州 > 正文",
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "seed.txt")); err == nil {
		seeds = append(seeds, string(data))
	} else {
		t.Fatal(err)
	}
	return seeds
}

func FuzzParseByline(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, ok := ParseBylineAt(s, nil, testNow)
		if !ok {
			if !b.Published.IsZero() || b.Origin != "" || len(b.Authors) > 0 || b.Editor != "" {
				t.Fatalf("not ok but fields set: %+v", b)
			}
			return
		}
		for _, v := range append([]string{b.Origin, b.Editor, b.Precision}, b.Authors...) {
			if !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 %q from %q", v, s)
			}
		}
		for _, a := range b.Authors {
			if a == "" || utf8.RuneCountInString(a) > 2*maxNameRunes {
				t.Fatalf("bad author %q from %q", a, s)
			}
		}
		if b.Published.IsZero() != (b.Precision == "") {
			t.Fatalf("published %v with precision %q", b.Published, b.Precision)
		}
		// Every output string is cut from the input (as written).
		for _, v := range append([]string{b.Origin, b.Editor}, b.Authors...) {
			if v != "" && utf8.ValidString(s) && !strings.Contains(s, v) {
				t.Fatalf("%q is not in the input %q", v, s)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, prec, ok := ParseDateAt(s, nil, testNow)
		if !ok {
			if !d.IsZero() || prec != "" {
				t.Fatalf("not ok but %v %q", d, prec)
			}
			return
		}
		switch prec {
		case "day", "minute", "second":
		default:
			t.Fatalf("precision %q", prec)
		}
		if d.Year() < minYear || d.After(testNow.Add(maxAhead)) {
			t.Fatalf("implausible %v from %q", d, s)
		}
		// Other entry points must not panic on the same input.
		SplitAuthors(s)
		SplitTitle(s)
		ParseBreadcrumb(s)
		DateFromURLAt(s, nil, testNow)
	})
}

func FuzzAnalyzeText(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add("标题\n\n作者：张三\n正文第一段。\n责任编辑：李四")
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Split(s, "\n")
		l := AnalyzeTextAt(lines, nil, testNow)
		n := len(lines)
		inRange := func(name string, i int, absentOK bool) {
			if (i == -1 && absentOK) || (i >= 0 && i < n) {
				return
			}
			t.Fatalf("%s = %d out of range (n=%d)", name, i, n)
		}
		inRange("Title", l.Title, true)
		inRange("Subtitle", l.Subtitle, true)
		inRange("Breadcrumb", l.Breadcrumb, true)
		if l.BodyStart < 0 || l.BodyStart > l.BodyEnd || l.BodyEnd > n {
			t.Fatalf("body [%d,%d) with n=%d", l.BodyStart, l.BodyEnd, n)
		}
		seen := map[int]string{}
		mark := func(name string, i int) {
			if i < 0 {
				return
			}
			if prev, dup := seen[i]; dup {
				t.Fatalf("line %d is both %s and %s", i, prev, name)
			}
			if i >= l.BodyStart && i < l.BodyEnd {
				t.Fatalf("line %d is %s and inside the body [%d,%d)", i, name, l.BodyStart, l.BodyEnd)
			}
			seen[i] = name
		}
		mark("title", l.Title)
		mark("subtitle", l.Subtitle)
		mark("breadcrumb", l.Breadcrumb)
		for name, list := range map[string][]int{"byline": l.Byline, "preamble": l.Preamble, "trailer": l.Trailer} {
			for j, i := range list {
				inRange(name, i, false)
				if j > 0 && list[j-1] >= i {
					t.Fatalf("%s not sorted: %v", name, list)
				}
				mark(name, i)
			}
		}
		for _, v := range append([]string{l.Meta.Origin, l.Meta.Editor, l.Site, l.Section}, l.Meta.Authors...) {
			if !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 %q", v)
			}
		}
	})
}

// TestFuzzRegressions keeps inputs that once panicked.
func TestFuzzRegressions(t *testing.T) {
	for _, s := range []string{"0 - - 0", "< >", "a - - - b", "（ ）", "_ _", " - "} {
		SplitTitle(s)
		ParseByline(s, nil)
		AnalyzeText([]string{s, s}, nil)
	}
}
