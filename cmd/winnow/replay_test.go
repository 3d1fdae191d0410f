package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
)

func TestDiffRemovals(t *testing.T) {
	r := func(rule, text string) record.Removal {
		return record.Removal{Rule: rule, Text: text, Kind: record.KindSpam, Scope: record.ScopeLine, Field: record.FieldBody, Reason: "x"}
	}
	reworded := r("spam.a", "甲")
	reworded.Reason = "other wording"
	tests := []struct {
		name              string
		before, after     []record.Removal
		wantAdd, wantGone []record.Removal
	}{
		{"same", []record.Removal{r("spam.a", "甲")}, []record.Removal{reworded}, nil, nil},
		{"gone", []record.Removal{r("spam.a", "甲"), r("spam.b", "乙")}, []record.Removal{r("spam.b", "乙")}, nil, []record.Removal{r("spam.a", "甲")}},
		{"added", nil, []record.Removal{r("spam.a", "甲")}, []record.Removal{r("spam.a", "甲")}, nil},
		{"multiset", []record.Removal{r("spam.a", "甲"), r("spam.a", "甲")}, []record.Removal{r("spam.a", "甲")}, nil, []record.Removal{r("spam.a", "甲")}},
		{"rule changed", []record.Removal{r("spam.a", "甲")}, []record.Removal{r("spam.b", "甲")}, []record.Removal{r("spam.b", "甲")}, []record.Removal{r("spam.a", "甲")}},
	}
	for _, tt := range tests {
		add, gone := diffRemovals(tt.before, tt.after)
		if d := cmp.Diff(tt.wantAdd, add); d != "" {
			t.Errorf("%s: added (-want +got):\n%s", tt.name, d)
		}
		if d := cmp.Diff(tt.wantGone, gone); d != "" {
			t.Errorf("%s: gone (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestParseDay(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", time.Time{}, false},
		{"2026-03-01", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"2026-03-01T08:00:00+08:00", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{"7d", now.AddDate(0, 0, -7), false},
		{"36h", now.Add(-36 * time.Hour), false},
		{"-3h", time.Time{}, true},
		{"0d", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := parseDay(tt.in, now)
		if (err != nil) != tt.bad || !got.Equal(tt.want) {
			t.Errorf("parseDay(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestTermSafe(t *testing.T) {
	tests := map[string]string{
		"正文 text":              "正文 text",
		"a\x1b[31mred\x1b[0m":  `a\x1b[31mred\x1b[0m`,
		"line\nbreak\r":        `line\x0abreak\x0d`,
		"bell\a and \u2028sep": `bell\x07 and \x2028sep`,
	}
	for in, want := range tests {
		if got := termSafe(in); got != want {
			t.Errorf("termSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
