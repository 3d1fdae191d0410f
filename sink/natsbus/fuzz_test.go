package natsbus

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSourceSubjects: whatever the source id, a subject is built only if
// the id is valid, and then it is exactly three plain tokens.
func FuzzSourceSubjects(f *testing.F) {
	for _, s := range []string{"", "wzljl", "a.b", "*", ">", "news sina", "梧州", "a\x00b", strings.Repeat("a", 65), "_adhoc", "x-1_2"} {
		f.Add(s)
	}
	n, _ := NewNames("")
	f.Fuzz(func(t *testing.T, source string) {
		for _, build := range []func(string) (string, error){n.ArticleSubject, n.AuditSubject} {
			subj, err := build(source)
			if err != nil {
				if !errors.Is(err, ErrInvalidSourceID) || source == "" || ValidSourceID(source) {
					t.Fatalf("source %q: unexpected error %v", source, err)
				}
				continue
			}
			toks := strings.Split(subj, ".")
			last := toks[len(toks)-1]
			if !utf8.ValidString(subj) || strings.ContainsAny(subj, "*> \t\r\n\x00") || (last != source && !(source == "" && last == AdhocSource)) {
				t.Fatalf("source %q gave unsafe subject %q", source, subj)
			}
		}
	})
}

// FuzzTaskHost: task validation never panics, and an accepted task has a
// host whose partition is in range.
func FuzzTaskHost(f *testing.F) {
	for _, s := range []string{"https://news.example.cn/a.html", "http://[::1]:8080/x", "ftp://x", "https:///x", "%zz", "https://例子.中国/新闻"} {
		f.Add(s, "demo", 0)
	}
	f.Fuzz(func(t *testing.T, u, source string, depth int) {
		host, err := Task{URL: u, Source: source, Depth: depth}.host()
		if err != nil {
			if !errors.Is(err, ErrInvalidTask) {
				t.Fatalf("%q: error %v does not wrap ErrInvalidTask", u, err)
			}
			return
		}
		if host == "" {
			t.Fatalf("%q accepted without a host", u)
		}
		if p := Partition(host, 16); p < 0 || p >= 16 {
			t.Fatalf("partition %d", p)
		}
	})
}
