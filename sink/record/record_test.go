package record_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

func sample() *record.Article {
	a := record.New()
	a.URL = "http://example.com/a/1.html"
	a.CanonicalURL = a.URL
	a.Title = "标题"
	a.Body = "第一段\n第二段"
	a.ID = record.NewID(a.CanonicalURL, a.Title, a.Body)
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.PublishedAt = "2022-02-24T00:00:00+08:00"
	a.PublishedPrecision = record.PrecisionDay
	a.Lang = "zh"
	a.ScriptIn, a.ScriptOut = record.ScriptHant, record.ScriptHans
	a.Normalization["opencc"] = "t2s"
	a.Hygiene = record.Hygiene{Verdict: record.VerdictCleaned, RulesVersion: "test", Removed: []record.Removal{{
		Text: "99福利在线_xxxx影院", Kind: record.KindSpam, Rule: "spam.keyword_chain",
		Scope: record.ScopeLine, Field: record.FieldPage, Reason: "chain of 2 spam keywords",
	}}}
	return a
}

func TestSampleValidates(t *testing.T) {
	recordtest.Check(t, sample())
}

func TestEmptyListsAreArrays(t *testing.T) {
	a := record.New()
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"authors":[]`, `"removed":[]`, `"normalization":{}`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s: %s", want, data)
		}
	}
	if strings.Contains(string(data), "input_id") {
		t.Errorf("input_id must be omitted when empty: %s", data)
	}
}

func TestIDIsStableAndDependsOnURL(t *testing.T) {
	a := record.NewID("http://a.example/1", "t", "b")
	if a != record.NewID("http://a.example/1", "other", "other") {
		t.Error("id of a URL must not depend on content")
	}
	if a == record.NewID("http://a.example/2", "t", "b") {
		t.Error("different URLs share an id")
	}
	if record.NewID("", "t", "b") == record.NewID("", "t", "c") {
		t.Error("text documents with different bodies share an id")
	}
	if len(a) != 32 {
		t.Errorf("id %q: want 32 hex digits", a)
	}
}

func TestValidateNamesTheBadField(t *testing.T) {
	tests := []struct {
		field string
		mess  func(*record.Article)
	}{
		{"schema_version", func(a *record.Article) { a.SchemaVersion = 2 }},
		{"id", func(a *record.Article) { a.ID = "xyz" }},
		{"content_hash", func(a *record.Article) { a.ContentHash = "" }},
		{"hygiene.verdict", func(a *record.Article) { a.Hygiene.Verdict = "dirty" }},
		{"hygiene.removed[0].kind", func(a *record.Article) { a.Hygiene.Removed[0].Kind = "junk" }},
		{"published_at", func(a *record.Article) { a.PublishedAt = "2022-02-24" }},
		{"title", func(a *record.Article) { a.Title = "\xff" }},
	}
	for _, tt := range tests {
		a := sample()
		tt.mess(a)
		err := a.Validate()
		if !errors.Is(err, record.ErrInvalid) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: Validate() = %v, want ErrInvalid naming the field", tt.field, err)
		}
	}
}

// TestHashesArePinned: ids and content hashes are stored and compared
// across versions, so their definition (SHA-256 of the fields joined by
// "\n", hex; ids: first 16 bytes) must never change.
func TestHashesArePinned(t *testing.T) {
	if got, want := record.NewContentHash("标题", "第一段\n第二段"), "1d9b778ceb84e0bd1f2e915a50d1a0352d8415732b25315c95faf415804cdca7"; got != want {
		t.Errorf("content hash %s, want %s", got, want)
	}
	if got, want := record.NewID("", "标题", "第一段\n第二段"), "9d217692e355502b18b444e93436127d"; got != want {
		t.Errorf("text id %s, want %s", got, want)
	}
	if got, want := record.NewID("http://a.example/1", "t", "b"), "6f09fce05af7d21c280b5d2ef1713fb4"; got != want {
		t.Errorf("URL id %s, want %s", got, want)
	}
}
