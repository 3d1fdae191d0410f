package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"

	"winnow/cleaner"
	"winnow/cleaner/hygiene"
	"winnow/cleaner/normalize"
	"winnow/crawler"
	"winnow/crawler/source"
	"winnow/sink/record"
)

// contentPath holds one cleaner per OpenCC configuration in use, sharing
// the script tables and the ruleset, so every source gets its own output
// script without loading dictionaries twice.
type contentPath struct {
	flags   contentFlags
	scripts *normalize.Scripts
	rules   *hygiene.Ruleset
	// slots bounds the pages cleaned at once to the CPUs: the crawler's
	// many fetch workers would otherwise all clean at once, holding as
	// many pages' working sets (more garbage-collector work and memory)
	// and preempting each other, for no more throughput.
	slots chan struct{}

	mu       sync.Mutex
	cleaners map[string]*cleaner.Cleaner
}

func newContentPath(f contentFlags) (*contentPath, error) {
	scripts, err := normalize.NewScripts()
	if err != nil {
		return nil, err
	}
	p := &contentPath{flags: f, scripts: scripts, cleaners: map[string]*cleaner.Cleaner{},
		slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if f.rules != "" {
		if p.rules, err = hygiene.LoadRules(splitList(f.rules)...); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// cleaner returns the cleaner for an OpenCC configuration ("" = the
// --script flag).
func (p *contentPath) cleaner(script string) (*cleaner.Cleaner, error) {
	if script == "" {
		script = p.flags.script
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.cleaners[script]; ok {
		return c, nil
	}
	conv, err := normalize.New(script)
	if err != nil {
		return nil, err
	}
	c, err := cleaner.New(cleaner.Options{Converter: conv, Scripts: p.scripts, Rules: p.rules, MaxBytes: p.flags.maxBytes})
	if err != nil {
		return nil, err
	}
	p.cleaners[script] = c
	return c, nil
}

// RulesVersion returns the version of the rules in use.
func (p *contentPath) RulesVersion() (string, error) {
	c, err := p.cleaner("")
	if err != nil {
		return "", err
	}
	return c.RulesVersion(), nil
}

// tally counts what the content path made of handled pages, for the crawl
// summary: articles, spam pages and removals by rule.
type tally struct {
	mu             sync.Mutex
	articles       int
	spamPages      int
	removalsByRule map[string]int
}

func (t *tally) add(a *record.Article) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.Hygiene.Verdict == record.VerdictSpamPage {
		t.spamPages++
	} else {
		t.articles++
	}
	if t.removalsByRule == nil {
		t.removalsByRule = map[string]int{}
	}
	for _, r := range a.Hygiene.Removed {
		t.removalsByRule[r.Rule]++
	}
}

// pageHandler turns fetched pages into records and hands them to emit.
// A page the content path drops is reported to the crawler as not an
// article; emit errors fail the page (the crawler records it).
func pageHandler(p *contentPath, sources []*source.Source, t *tally, emit func(context.Context, *record.Article) error) crawler.Handler {
	byID := map[string]*source.Source{}
	for _, s := range sources {
		byID[s.ID] = s
	}
	return crawler.HandlerFunc(func(ctx context.Context, page *crawler.Page) error {
		src := byID[page.Source]
		in := cleaner.Input{
			URL: page.URL, CanonicalURL: page.CanonicalURL, Source: page.Source, ContentType: page.ContentType,
			Body: page.Body, FetchedAt: page.FetchedAt, RawRef: page.RawRef,
		}
		script := ""
		if src != nil {
			in.Charset, in.Location, script = src.Encoding.Label(), src.Location(), src.Normalization.Config()
		}
		cl, err := p.cleaner(script)
		if err != nil {
			return err
		}
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		a, err := cl.Clean(ctx, in)
		<-p.slots
		if errors.Is(err, cleaner.ErrDropped) {
			return fmt.Errorf("%w: %w", crawler.ErrNotArticle, err)
		}
		if err != nil {
			return err
		}
		if err := emit(ctx, a); err != nil {
			return err
		}
		if t != nil {
			t.add(a)
		}
		return nil
	})
}

// crawlSummary is the crawl summary DESIGN.md specifies: fetched =
// articles + spam_pages + not_articles + failed; skipped URLs were never
// fetched.
type crawlSummary struct {
	Fetched        int            `json:"fetched"`
	Articles       int            `json:"articles"`
	SpamPages      int            `json:"spam_pages"`
	NotArticles    int            `json:"not_articles"`
	Skipped        int            `json:"skipped"`
	Failed         int            `json:"failed"`
	RemovalsByRule map[string]int `json:"removals_by_rule"`
	Outcomes       map[string]int `json:"outcomes"`
	Discovered     int            `json:"discovered"`
	Seconds        float64        `json:"seconds"`
	RulesVersion   string         `json:"rules_version"`
}

func summarize(s crawler.Summary, t *tally, rulesVersion string) crawlSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := crawlSummary{
		Fetched: s.Fetched, Articles: t.articles, SpamPages: t.spamPages, NotArticles: s.NotArticle,
		Skipped: s.Skipped, Failed: s.Failed, RemovalsByRule: maps.Clone(t.removalsByRule),
		Outcomes: maps.Clone(s.Reasons), Discovered: s.Discovered,
		Seconds: s.Finished.Sub(s.Started).Seconds(), RulesVersion: rulesVersion,
	}
	if out.RemovalsByRule == nil {
		out.RemovalsByRule = map[string]int{}
	}
	if out.Outcomes == nil {
		out.Outcomes = map[string]int{}
	}
	return out
}

// reconciles reports whether the counters add up as DESIGN.md defines.
func (s crawlSummary) reconciles() error {
	if s.Fetched != s.Articles+s.SpamPages+s.NotArticles+s.Failed {
		return fmt.Errorf("summary does not reconcile: fetched %d != articles %d + spam pages %d + not articles %d + failed %d",
			s.Fetched, s.Articles, s.SpamPages, s.NotArticles, s.Failed)
	}
	return nil
}

// sortedKeys returns m's keys in order, for stable printing.
func sortedKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }
