package dashboard_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/analyst"
	"winnow/sink/dashboard"
	"winnow/sink/record"
)

func rem(pos int, scope, field, text string) analyst.Removal {
	return analyst.Removal{Position: pos, Scope: scope, Field: field, Text: text, Rule: "r", Kind: record.KindSpam}
}

// render flattens blocks for comparison: [-text-]{#pos} marks removals.
func render(blocks []dashboard.Block) []string {
	var out []string
	for _, b := range blocks {
		if b.Removed != nil {
			out = append(out, fmt.Sprintf("[-%s-]{#%d}", b.Segments[0].Text, b.Removed.Position))
			continue
		}
		var s strings.Builder
		for _, g := range b.Segments {
			if g.Removed != nil {
				fmt.Fprintf(&s, "[-%s-]{#%d}", g.Text, g.Removed.Position)
				continue
			}
			s.WriteString(g.Text)
		}
		out = append(out, s.String())
	}
	return out
}

func TestPlace(t *testing.T) {
	tests := []struct {
		name     string
		paras    []string
		rems     []analyst.Removal
		want     []string
		unplaced []int
	}{
		{"line and span", []string{"甲。", "99福利_在线", "乙开云体育丙。"},
			[]analyst.Removal{rem(0, "line", "body", "99福利_在线"), rem(1, "span", "body", "开云体育")},
			[]string{"甲。", "[-99福利_在线-]{#0}", "乙[-开云体育-]{#1}丙。"}, nil},
		{"line text trimmed", []string{"  广告  "}, []analyst.Removal{rem(0, "line", "body", "广告")}, []string{"[-  广告  -]{#0}"}, nil},
		{"same span twice, two removals", []string{"A买B买C"},
			[]analyst.Removal{rem(0, "span", "body", "买"), rem(1, "span", "body", "买")},
			[]string{"A[-买-]{#0}B[-买-]{#1}C"}, nil},
		{"overlapping spans", []string{"abcdef"},
			[]analyst.Removal{rem(0, "span", "body", "bcd"), rem(1, "span", "body", "cde")},
			[]string{"a[-bcd-]{#0}ef"}, []int{1}},
		{"other fields ignored", []string{"标题"},
			[]analyst.Removal{rem(0, "line", "title", "标题"), rem(1, "line", "page", "标题")},
			[]string{"标题"}, nil},
		{"not found", []string{"正文"}, []analyst.Removal{rem(3, "line", "body", "别处")}, []string{"正文"}, []int{3}},
		{"empty paragraph", []string{""}, nil, []string{""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, unplaced := dashboard.Place(tt.paras, tt.rems)
			if d := cmp.Diff(tt.want, render(blocks)); d != "" {
				t.Errorf("blocks (-want +got):\n%s", d)
			}
			var got []int
			for _, r := range unplaced {
				got = append(got, r.Position)
			}
			if d := cmp.Diff(tt.unplaced, got); d != "" {
				t.Errorf("unplaced (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzPlace: never panics, every paragraph survives intact (segments
// join back to it, in order), and every body removal is placed once or
// reported unplaced.
func FuzzPlace(f *testing.F) {
	f.Add("甲。\n99福利_在线\n乙开云体育丙。", "99福利_在线", "开云体育", "line")
	f.Add("aaaa", "aa", "a", "span")
	f.Add("\xff\xfe", "\xfe", "", "span")
	f.Fuzz(func(t *testing.T, body, a, b, scope string) {
		paras := strings.Split(body, "\n")
		rems := []analyst.Removal{rem(0, scope, "body", a), rem(1, "span", "body", b), rem(2, "line", "body", a)}
		blocks, unplaced := dashboard.Place(paras, rems)
		if len(blocks) != len(paras) {
			t.Fatalf("%d blocks for %d paragraphs", len(blocks), len(paras))
		}
		seen := map[int]int{}
		for i, bl := range blocks {
			var s strings.Builder
			for _, g := range bl.Segments {
				s.WriteString(g.Text)
				if g.Removed != nil {
					seen[g.Removed.Position]++
				}
			}
			if bl.Removed != nil {
				seen[bl.Removed.Position]++
			}
			if s.String() != paras[i] {
				t.Fatalf("paragraph %d became %q, want %q", i, s.String(), paras[i])
			}
			if utf8.ValidString(paras[i]) {
				for _, g := range bl.Segments {
					if !utf8.ValidString(g.Text) && g.Removed == nil {
						t.Fatalf("a cut split a character: %q", g.Text)
					}
				}
			}
		}
		for _, r := range unplaced {
			seen[r.Position]++
		}
		for _, r := range rems {
			if seen[r.Position] > 1 {
				t.Fatalf("removal %d placed %d times", r.Position, seen[r.Position])
			}
		}
	})
}
