package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// winnow runs the command in-process and returns stdout, stderr and the
// exit code.
func winnow(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return out.String(), errb.String(), code
}

func decodeRecord(t *testing.T, line string) *record.Article {
	t.Helper()
	recordtest.CheckJSON(t, []byte(line))
	var a record.Article
	if err := json.Unmarshal([]byte(line), &a); err != nil {
		t.Fatalf("output is not a record: %v\n%s", err, line)
	}
	return &a
}

// TestSeedGivesExpectedFields is the project's founding contract:
// shared/seed/000_e9e67510d88d065b.txt (copied to testdata) processed as
// plain text must give the fields of shared/seed/expected.json.
func TestSeedGivesExpectedFields(t *testing.T) {
	var want struct {
		Title, Subtitle, Origin, Editor string
		PublishedDate                   string `json:"published_date"`
		Authors                         []string
		SiteName                        string   `json:"site_name"`
		Section                         string   `json:"section"`
		ScriptIn                        string   `json:"script_in"`
		BodyParagraphs                  []string `json:"body_paragraphs"`
		Removed                         []struct{ Text, Kind string }
		Verdict                         string
	}
	data, err := os.ReadFile("testdata/seed.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := winnow(t, "", "process", "testdata/seed.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a := decodeRecord(t, stdout)
	got := map[string]any{
		"title": a.Title, "subtitle": a.Subtitle, "origin": a.Origin, "editor": a.Editor,
		"authors": a.Authors, "site_name": a.SiteName, "section": a.Section, "script_in": a.ScriptIn,
		"published_date": strings.SplitN(a.PublishedAt, "T", 2)[0], "verdict": a.Hygiene.Verdict,
	}
	wantm := map[string]any{
		"title": want.Title, "subtitle": want.Subtitle, "origin": want.Origin, "editor": want.Editor,
		"authors": want.Authors, "site_name": want.SiteName, "section": want.Section, "script_in": want.ScriptIn,
		"published_date": want.PublishedDate, "verdict": want.Verdict,
	}
	if d := cmp.Diff(wantm, got); d != "" {
		t.Errorf("seed fields (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(a.PublishedAt, "2022-02-24T00:00:00+08:00") || a.PublishedPrecision != record.PrecisionDay {
		t.Errorf("published_at %q precision %q, want 2022-02-24T00:00:00+08:00 day", a.PublishedAt, a.PublishedPrecision)
	}
	// The last paragraph may keep or drop the trailing signature; if
	// dropped it must be listed as a boilerplate removal.
	paras := a.Paragraphs()
	wantParas := want.BodyParagraphs
	last := len(wantParas) - 1
	signature := " (李继远 高寒 廖敬生)"
	if len(paras) == len(wantParas) && paras[last] == strings.TrimSuffix(wantParas[last], signature) {
		wantParas = append(append([]string{}, wantParas[:last]...), paras[last])
		if !hasRemoval(a, "(李繼遠 高寒 廖敬生)", record.KindBoilerplate) {
			t.Errorf("signature dropped but not listed as a boilerplate removal")
		}
	}
	if d := cmp.Diff(wantParas, paras); d != "" {
		t.Errorf("body paragraphs (-want +got):\n%s", d)
	}
	for _, r := range want.Removed {
		if !hasRemoval(a, r.Text, r.Kind) {
			t.Errorf("missing removal %q kind %s; got %+v", r.Text, r.Kind, a.Hygiene.Removed)
		}
	}
	if a.Lang != "zh" || a.ScriptOut != record.ScriptHans || a.Normalization["opencc"] != "t2s" {
		t.Errorf("lang %q script_out %q normalization %v", a.Lang, a.ScriptOut, a.Normalization)
	}
}

func hasRemoval(a *record.Article, text, kind string) bool {
	for _, r := range a.Hygiene.Removed {
		if strings.TrimSpace(r.Text) == text && r.Kind == kind {
			return true
		}
	}
	return false
}

func TestProcessExitCodes(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"unknown flag", "", []string{"process", "--bogus"}, 2},
		{"opencc's global -dir flag does not leak into ours", "", []string{"process", "-dir", "/tmp"}, 2},
		{"bad format", "", []string{"process", "--format", "pdf"}, 2},
		{"bad script", "", []string{"process", "--script", "t2x"}, 2},
		{"two files", "", []string{"process", "a", "b"}, 2},
		{"missing file", "", []string{"process", "testdata/does-not-exist.html"}, 1},
		{"empty input", "", []string{"process"}, 1},
		{"too large", strings.Repeat("x", 2048), []string{"process", "--max-bytes", "1024"}, 1},
		{"unknown command", "", []string{"frobnicate"}, 2},
		{"help", "", []string{"help"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := winnow(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if tt.code != 0 && stderr == "" {
				t.Error("failure without a message on stderr")
			}
		})
	}
}

func TestProcessStdinHTML(t *testing.T) {
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>全市政法系统推出便民举措599项_梧州零距离网</title></head>
<body><h1>全市政法系统推出便民举措599项</h1><div class="info">时间：2022-02-24 10:30 来源：梧州日报 作者：李继远</div>
<div class="article-content"><p>去年以来，市政法机关将开展“我为群众办实事”实践活动贯穿政法队伍教育整顿全过程，深入基层察民情访民意，完善服务群众体制机制。</p>
<p>截至目前，全市政法系统共开展“我为群众办实事”10274多件次，推出便民举措599项，群众满意度持续提升，各项工作取得明显成效。</p></div></body></html>`
	stdout, stderr, code := winnow(t, page, "process", "--url", "http://Example.com/a/2022-02/24/1.html#top")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a := decodeRecord(t, stdout)
	if a.Title != "全市政法系统推出便民举措599项" || a.CanonicalURL != "http://example.com/a/2022-02/24/1.html" {
		t.Errorf("title %q canonical %q", a.Title, a.CanonicalURL)
	}
	if a.ID != record.NewID(a.CanonicalURL, "", "") {
		t.Errorf("id %s is not the hash of the canonical URL", a.ID)
	}
	if len(a.Paragraphs()) != 2 {
		t.Errorf("paragraphs = %q", a.Paragraphs())
	}
}

func TestProcessJSONLStream(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		mustJSON(t, map[string]string{"id": "a", "text": string(seed)}),
		`{"id": "b", "html": broken`,
		mustJSON(t, map[string]string{"id": "c"}),
		// html is a JSON string, already text: its stale <meta> must not
		// make the content path re-decode it as GBK.
		mustJSON(t, map[string]string{"id": "d", "url": "http://example.com/d.html", "html": `<html><head><meta charset="gbk"><title>测试标题</title></head><body><h1>测试标题</h1><div class="content"><p>这是一段足够长的正文内容，用来检验已经是文本的输入不会被按照页面声明的字符集重新解码。</p><p>第二段正文同样足够长，内容真实可信，不含任何垃圾信息，应当原样保留下来。</p></div></body></html>`}),
	}
	stdout, stderr, code := winnow(t, strings.Join(lines, "\n")+"\n", "process", "--jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(out) != 4 {
		t.Fatalf("%d output lines for 4 input lines:\n%s", len(out), stdout)
	}
	var ids []string
	for i, l := range out {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d not JSON: %v", i, err)
		}
		id, _ := m["input_id"].(string)
		ids = append(ids, id)
		_, isErr := m["error"]
		if wantErr := i == 1 || i == 2; isErr != wantErr {
			t.Errorf("line %d: error=%v, want %v: %s", i, isErr, wantErr, l)
		}
		if !isErr {
			decodeRecord(t, l)
		}
	}
	if d := cmp.Diff([]string{"a", "", "c", "d"}, ids); d != "" {
		t.Errorf("input ids (-want +got):\n%s", d)
	}
	if d := decodeRecord(t, out[3]); d.Title != "测试标题" {
		t.Errorf("decoded JSON html was re-decoded: title %q", d.Title)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
