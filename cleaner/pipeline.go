package cleaner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"winnow/cleaner/extract"
	"winnow/cleaner/extract/zhmeta"
	"winnow/cleaner/hygiene"
	"winnow/cleaner/normalize"
	"winnow/sink/record"
)

// Options configure a Cleaner. The zero value is ready to use.
type Options struct {
	// Converter is the OpenCC converter for the output script, shared by
	// every goroutine; nil means a new t2s converter.
	Converter *normalize.Converter
	// Scripts detects script_in/script_out; nil means build one.
	Scripts *normalize.Scripts
	// Rules is the hygiene ruleset; nil means the embedded default.
	Rules *hygiene.Ruleset
	// MaxBytes bounds one input; zero means the extractor's default (16 MiB).
	MaxBytes int64
	// Location is the default time zone of dates without offset; nil
	// means Asia/Shanghai.
	Location *time.Location
	// Stages run after normalization, in order.
	Stages []Stage
}

// Input is one document for the content path.
type Input struct {
	// URL as fetched, "" for ad-hoc text.
	URL string
	// CanonicalURL is the crawler's canonical form of URL (with the
	// source's strip_params applied); "" means derive it from URL.
	CanonicalURL string
	// Source is the source id, "" for ad-hoc input.
	Source string
	// ContentType is the HTTP Content-Type header (crawler only).
	ContentType string
	// Body is the document's bytes.
	Body []byte
	// Decoded means Body is already UTF-8 text: never re-decode it by a
	// <meta> declaration (JSON input).
	Decoded bool
	// Charset forces a charset label; "" means detect.
	Charset string
	// Format is auto, HTML or text.
	Format extract.Format
	// Location overrides Options.Location for this input (the source's
	// time zone); nil means the default.
	Location *time.Location
	// FetchedAt and RawRef are set by the crawler.
	FetchedAt time.Time
	RawRef    string
}

// Cleaner runs the content path; safe for concurrent use.
type Cleaner struct {
	extractor *extract.Extractor
	hygiene   *hygiene.Cleaner
	converter *normalize.Converter
	scripts   *normalize.Scripts
	stages    Chain
	location  *time.Location
}

// New builds a Cleaner, loading dictionaries and rules once.
func New(opts Options) (*Cleaner, error) {
	var err error
	c := &Cleaner{converter: opts.Converter, scripts: opts.Scripts, stages: Chain(opts.Stages), location: opts.Location}
	if c.converter == nil {
		if c.converter, err = normalize.New(normalize.Default); err != nil {
			return nil, err
		}
	}
	if c.scripts == nil {
		if c.scripts, err = normalize.NewScripts(); err != nil {
			return nil, err
		}
	}
	fold := c.converter
	if fold.Config() != normalize.Default {
		// Hygiene matches on Simplified text whatever the output script.
		if fold, err = normalize.New(normalize.Default); err != nil {
			return nil, err
		}
	}
	if c.hygiene, err = hygiene.New(hygiene.Options{Rules: opts.Rules, Simplify: fold.Convert, Scripts: c.scripts}); err != nil {
		return nil, fmt.Errorf("cleaner: %w", err)
	}
	if c.extractor, err = extract.New(extract.Options{MaxBytes: opts.MaxBytes, Location: opts.Location}); err != nil {
		return nil, fmt.Errorf("cleaner: %w", err)
	}
	return c, nil
}

// RulesVersion returns the version of the hygiene ruleset in use.
func (c *Cleaner) RulesVersion() string { return c.hygiene.RulesVersion() }

// Clean turns one document into one record. A page that is not an
// article returns an error wrapping both ErrDropped and
// extract.ErrNotArticle; unreadable input returns the extractor's error.
func (c *Cleaner) Clean(ctx context.Context, in Input) (*record.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	draft, err := c.extractor.Extract(extract.Input{
		URL: in.URL, ContentType: in.ContentType, Body: in.Body, Decoded: in.Decoded,
		Charset: in.Charset, Format: in.Format, Location: in.Location,
	})
	if errors.Is(err, extract.ErrNotArticle) {
		return nil, fmt.Errorf("%w: %w", ErrDropped, err)
	}
	if err != nil {
		return nil, err
	}
	a := draft.Article
	doc := hygiene.Document{TitleCandidates: draft.TitleCandidates, Body: draft.Paragraphs}
	for _, s := range draft.Segments {
		doc.Segments = append(doc.Segments, hygiene.Segment{Text: s.Text, Role: hygiene.Role(s.Role)})
	}
	res := c.hygiene.Clean(doc)
	if len(draft.TitleCandidates) == 0 || res.Title != draft.TitleCandidates[0] {
		a.Title, _, _ = zhmeta.SplitTitle(res.Title)
	}
	a.Body = strings.Join(res.Body, "\n")
	a.Hygiene = record.Hygiene{Verdict: res.Verdict, Removed: res.Removed, RulesVersion: c.hygiene.RulesVersion(), PageReason: res.PageReason}
	if a.Hygiene.Removed == nil {
		a.Hygiene.Removed = []record.Removal{}
	}

	title, body := a.Title, a.Body
	a.ScriptIn = c.classify(title, body)
	if err := c.converter.Process(ctx, a); err != nil {
		return nil, err
	}
	a.ScriptOut = a.ScriptIn
	if a.Title != title || a.Body != body {
		a.ScriptOut = c.classify(a.Title, a.Body)
	}

	if in.CanonicalURL != "" {
		a.CanonicalURL = in.CanonicalURL
	}
	a.SchemaVersion = record.SchemaVersion
	a.Source = in.Source
	a.RawRef = in.RawRef
	if !in.FetchedAt.IsZero() {
		a.FetchedAt = in.FetchedAt.Format(time.RFC3339)
	}
	a.ID = record.NewID(a.CanonicalURL, a.Title, a.Body)
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	if err := c.stages.Process(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// classify is the script of title and body together.
func (c *Cleaner) classify(title, body string) string {
	t1, s1 := c.scripts.Count(title)
	t2, s2 := c.scripts.Count(body)
	return normalize.Verdict(t1+t2, s1+s2)
}
