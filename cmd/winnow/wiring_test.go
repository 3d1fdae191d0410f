package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"winnow/crawler"
	"winnow/crawler/schedule"
	"winnow/crawler/source"
	"winnow/sink/natsbus"
)

// TestCharsetGuessed follows the content path's decision order: a BOM,
// the header's charset, valid UTF-8 and a <meta> declaration decide;
// anything else is a detector's guess.
func TestCharsetGuessed(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("<html><body><p>广西壮族自治区梧州市</p></body></html>")
	if err != nil {
		t.Fatal(err)
	}
	gbkMeta, err := simplifiedchinese.GBK.NewEncoder().String(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body><p>梧州</p></body></html>`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body, contentType string
		want                    bool
	}{
		{"utf-8 without declaration", "<p>梧州新闻</p>", "text/html", false},
		{"gbk with header charset", gbk, "text/html; charset=gbk", false},
		{"gbk with meta", gbkMeta, "text/html", false},
		{"gbk with BOM-less nothing", gbk, "text/html", true},
		{"utf-8 BOM", "\xef\xbb\xbf" + gbk[:10], "", false},
		{"utf-16 BOM", "\xff\xfe<\x00p\x00", "", false},
	}
	for _, tt := range tests {
		if got := charsetGuessed([]byte(tt.body), tt.contentType); got != tt.want {
			t.Errorf("%s: guessed %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRunTasks checks what a firing queues: entry points and re-fetches
// as revisits under the firing's id, article seeds as ordinary tasks.
func TestRunTasks(t *testing.T) {
	src, err := source.Parse("s.yaml", []byte("id: wz\nseeds:\n  - {url: 'https://www.example.cn/news/?utm_source=x'}\n  - {url: 'https://www.example.cn/rss.xml', kind: feed}\n  - {url: 'https://www.example.cn/a/1.html', kind: article}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	run := schedule.Run{Source: "wz", Due: due, EntryPoints: src.Seeds[:2], Articles: []string{"https://www.example.cn/a/1.html"},
		Refetch: []string{"https://www.example.cn/a/0.html"}}
	tasks, entries, err := runTasks(src, run)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(due.UnixNano(), 10)
	want := []natsbus.Task{
		{URL: "https://www.example.cn/news/", Source: "wz", Kind: "listing", Revisit: true, RevisitID: id},
		{URL: "https://www.example.cn/rss.xml", Source: "wz", Kind: "feed", Revisit: true, RevisitID: id},
		{URL: "https://www.example.cn/a/1.html", Source: "wz", Kind: "article"},
		{URL: "https://www.example.cn/a/0.html", Source: "wz", Kind: "article", Revisit: true, RevisitID: id},
	}
	if diff := cmp.Diff(want, tasks); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{"https://www.example.cn/news/": true, "https://www.example.cn/rss.xml": true}, entries); diff != "" {
		t.Errorf("entry points (-want +got):\n%s", diff)
	}
	if tasks, entries, err := runTasks(src, schedule.Run{Source: "wz", Due: due}); err != nil || tasks != nil || entries != nil {
		t.Errorf("empty run: %v %v %v", tasks, entries, err)
	}
}

// TestAddSummary adds the summaries of engine restarts (source reloads).
func TestAddSummary(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var total crawler.Summary
	addSummary(&total, crawler.Summary{Counts: crawler.Counts{Fetched: 3, Handled: 2, Failed: 1, Reasons: map[string]int{"handled": 2, "http_404": 1}},
		Discovered: 5, Sources: map[string]*crawler.Counts{"a": {Fetched: 3, Handled: 2, Failed: 1}}, Started: t0, Finished: t0.Add(time.Minute)})
	addSummary(&total, crawler.Summary{Counts: crawler.Counts{Fetched: 1, NotArticle: 1, Skipped: 2, Reasons: map[string]int{"entry_point": 1, "robots": 2}},
		Discovered: 1, Sources: map[string]*crawler.Counts{"a": {Fetched: 1, NotArticle: 1}, "b": {Skipped: 2}}, Started: t0.Add(time.Minute), Finished: t0.Add(2 * time.Minute)})
	want := crawler.Summary{
		Counts:     crawler.Counts{Fetched: 4, Handled: 2, NotArticle: 1, Failed: 1, Skipped: 2, Reasons: map[string]int{"handled": 2, "http_404": 1, "entry_point": 1, "robots": 2}},
		Discovered: 6,
		Sources:    map[string]*crawler.Counts{"a": {Fetched: 4, Handled: 2, NotArticle: 1, Failed: 1}, "b": {Skipped: 2}},
		Started:    t0, Finished: t0.Add(2 * time.Minute),
	}
	if diff := cmp.Diff(want, total); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}
