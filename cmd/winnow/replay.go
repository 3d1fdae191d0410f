package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"winnow/cleaner"
	"winnow/crawler/source"
	"winnow/crawler/warc"
	"winnow/sink"
	"winnow/sink/analyst"
	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// replayChange is what re-running the content path over one archived
// response changed in its stored record.
type replayChange struct {
	ID            string           `json:"id"`
	Source        string           `json:"source"`
	URL           string           `json:"url"`
	RawRef        string           `json:"raw_ref"`
	VerdictBefore string           `json:"verdict_before"`
	VerdictAfter  string           `json:"verdict_after"` // "" when the page is no longer an article
	Added         []record.Removal `json:"removals_added"`
	Gone          []record.Removal `json:"removals_gone"`
	TitleChanged  bool             `json:"title_changed"`
	BodyChanged   bool             `json:"body_changed"`
	Dropped       bool             `json:"dropped"` // the content path now drops the page
	Published     bool             `json:"published"`
	// Unpublishable: only removals outside title and body changed, so the
	// content hash is the same and the sinks' upsert keeps the stored
	// version.
	Unpublishable bool `json:"unpublishable,omitempty"`

	record *record.Article // the new version (nil when dropped)
}

// replaySummary counts a replay.
type replaySummary struct {
	Files         int    `json:"files"`
	Responses     int    `json:"responses"` // archived responses read
	Matched       int    `json:"matched"`   // responses that are a stored record's raw_ref
	Changed       int    `json:"changed"`
	Unchanged     int    `json:"unchanged"`
	VerdictFlips  int    `json:"verdict_flips"`
	RemovalsAdded int    `json:"removals_added"`
	RemovalsGone  int    `json:"removals_gone"`
	Dropped       int    `json:"dropped"`
	Published     int    `json:"published"`
	Unpublishable int    `json:"unpublishable"`
	Errors        int    `json:"errors"`
	RulesVersion  string `json:"rules_version"`
}

// replayer re-runs the content path over archived responses and compares
// the results with the stored records. Publishing is an injected
// sink.Sink: the store itself, or the bus publisher with --nats-url.
type replayer struct {
	an      *analyst.Analyst
	paths   *contentPath
	sources map[string]*source.Source // nil: defaults (script from the stored record)
	filter  analyst.Filter            // Source and Since select stored records
	publish sink.Sink                 // nil: report only
	log     *slog.Logger
}

// removalKey identifies a removal for the comparison (the reason's
// wording may change without the decision changing).
type removalKey struct{ field, scope, kind, rule, text string }

func keyOf(r record.Removal) removalKey { return removalKey{r.Field, r.Scope, r.Kind, r.Rule, r.Text} }

// diffRemovals returns the removals of after missing from before (added)
// and of before missing from after (gone), as multisets.
func diffRemovals(before, after []record.Removal) (added, gone []record.Removal) {
	count := map[removalKey]int{}
	for _, r := range before {
		count[keyOf(r)]++
	}
	for _, r := range after {
		k := keyOf(r)
		if count[k] > 0 {
			count[k]--
			continue
		}
		added = append(added, r)
	}
	left := map[removalKey]int{}
	for _, r := range after {
		left[keyOf(r)]++
	}
	for _, r := range before {
		k := keyOf(r)
		if left[k] > 0 {
			left[k]--
			continue
		}
		gone = append(gone, r)
	}
	return added, gone
}

// run replays files, calling report for every changed record (in file
// order) and publishing changed records when r.publish is set.
func (r *replayer) run(ctx context.Context, files []string, report func(replayChange) error) (replaySummary, error) {
	var sum replaySummary
	var err error
	if sum.RulesVersion, err = r.paths.RulesVersion(); err != nil {
		return sum, err
	}
	refs, err := r.an.Refs(ctx, r.filter)
	if err != nil {
		return sum, err
	}
	byRef := make(map[string]analyst.StoredRef, len(refs))
	for _, s := range refs {
		byRef[s.RawRef] = s
	}
	for _, path := range files {
		sum.Files++
		err := warc.Scan(path, func(ref string, resp *warc.Response) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			sum.Responses++
			stored, ok := byRef[ref]
			if !ok {
				return nil
			}
			sum.Matched++
			ch, err := r.one(ctx, stored, ref, resp)
			if err != nil {
				sum.Errors++
				r.log.Warn("replay", "stage", "replay", "article_id", stored.ID, "raw_ref", ref, "err", err)
				return nil
			}
			if ch == nil {
				sum.Unchanged++
				return nil
			}
			sum.Changed++
			sum.RemovalsAdded += len(ch.Added)
			sum.RemovalsGone += len(ch.Gone)
			if ch.Dropped {
				sum.Dropped++
			} else if ch.VerdictBefore != ch.VerdictAfter {
				sum.VerdictFlips++
			}
			if ch.Unpublishable {
				sum.Unpublishable++
			}
			if r.publish != nil && ch.record != nil && !ch.Unpublishable {
				if err := r.publish.Write(ctx, ch.record); err != nil {
					return fmt.Errorf("publish %s: %w", ch.ID, err)
				}
				ch.Published = true
				sum.Published++
			}
			return report(*ch)
		})
		if err != nil {
			return sum, fmt.Errorf("replay %s: %w", path, err)
		}
	}
	return sum, nil
}

// one re-runs the content path on one archived response of a stored
// record; it returns nil when nothing that matters changed.
func (r *replayer) one(ctx context.Context, stored analyst.StoredRef, ref string, resp *warc.Response) (*replayChange, error) {
	v, err := r.an.Article(ctx, stored.ID)
	if err != nil {
		return nil, err
	}
	old := v.Article
	in := cleaner.Input{
		URL: resp.URL, CanonicalURL: old.CanonicalURL, Source: old.Source,
		ContentType: resp.Header.Get("Content-Type"), Body: resp.Body, RawRef: ref,
	}
	if t, err := time.Parse(time.RFC3339, old.FetchedAt); err == nil {
		in.FetchedAt = t
	}
	script := cmp.Or(old.Normalization["opencc"], "t2s")
	if src := r.sources[old.Source]; src != nil {
		in.Charset, in.Location, script = src.Encoding.Label(), src.Location(), src.Normalization.Config()
	}
	cl, err := r.paths.cleaner(script)
	if err != nil {
		return nil, err
	}
	ch := &replayChange{ID: old.ID, Source: old.Source, URL: old.URL, RawRef: ref, VerdictBefore: old.Hygiene.Verdict}
	a, err := cl.Clean(ctx, in)
	if errors.Is(err, cleaner.ErrDropped) {
		ch.Dropped = true
		ch.Gone = slices.Clone(old.Hygiene.Removed)
		return ch, nil
	}
	if err != nil {
		return nil, err
	}
	// Keep what the crawler set exactly as stored.
	a.FetchedAt = old.FetchedAt
	a.ID = old.ID
	ch.VerdictAfter = a.Hygiene.Verdict
	ch.Added, ch.Gone = diffRemovals(old.Hygiene.Removed, a.Hygiene.Removed)
	ch.TitleChanged = a.Title != old.Title
	ch.BodyChanged = a.Body != old.Body
	if len(ch.Added) == 0 && len(ch.Gone) == 0 && !ch.TitleChanged && !ch.BodyChanged && ch.VerdictAfter == ch.VerdictBefore {
		return nil, nil
	}
	ch.record = a
	ch.Unpublishable = a.ContentHash == old.ContentHash
	return ch, nil
}

func printChange(w io.Writer, c replayChange, verbose bool) {
	after := c.VerdictAfter
	if c.Dropped {
		after = "dropped"
	}
	fmt.Fprintf(w, "changed %s %s: verdict %s -> %s, removals -%d +%d", c.ID, termSafe(c.Source), c.VerdictBefore, after, len(c.Gone), len(c.Added))
	if c.TitleChanged {
		fmt.Fprint(w, ", title changed")
	}
	if c.BodyChanged {
		fmt.Fprint(w, ", body changed")
	}
	if c.Published {
		fmt.Fprint(w, ", published")
	}
	if c.Unpublishable {
		fmt.Fprint(w, ", not publishable (same content hash)")
	}
	fmt.Fprintf(w, " %s\n", termSafe(c.URL))
	if !verbose {
		return
	}
	for _, r := range c.Gone {
		fmt.Fprintf(w, "  - %s %s/%s %s\n", r.Rule, r.Field, r.Scope, strconv.Quote(r.Text))
	}
	for _, r := range c.Added {
		fmt.Fprintf(w, "  + %s %s/%s %s\n", r.Rule, r.Field, r.Scope, strconv.Quote(r.Text))
	}
}

func runReplay(ctx context.Context, std stdio, args []string) error {
	fs, data := flagSet(std, "replay", "[--rules FILE] [--source ID] [--since DATE] [--publish] [WARC...]")
	var cf contentFlags
	cf.register(fs)
	cf.script = ""
	var sf analystFlags
	sf.register(fs)
	sourceID := fs.String("source", "", "only records of this source")
	since := fs.String("since", "", "only records fetched since DATE (YYYY-MM-DD UTC, RFC 3339, or a duration such as 7d)")
	sourcesDir := fs.String("sources", "", "directory of source files (charset, time zone and script per source); default: the stored record's script")
	publish := fs.Bool("publish", false, "republish the changed records: through the bus (ARTICLES) with --nats-url, so every sink applies them; else to the store directly (content-hash upsert)")
	var bf busFlags
	bf.register(fs)
	jsonOut := fs.Bool("json", false, "one JSON object per changed record, then the summary")
	verbose := fs.Bool("v", false, "list each added and gone removal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sinceT, err := parseDay(*since, time.Now())
	if err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		if files, err = filepath.Glob(filepath.Join(*data, "warc", "*.warc.gz")); err != nil {
			return err
		}
		slices.Sort(files)
		if len(files) == 0 {
			return fmt.Errorf("no WARC files under %s", filepath.Join(*data, "warc"))
		}
	}
	var sources map[string]*source.Source
	if *sourcesDir != "" {
		srcs, err := source.LoadDir(*sourcesDir)
		if err != nil {
			return err
		}
		sources = map[string]*source.Source{}
		for _, s := range srcs {
			sources[s.ID] = s
		}
	}
	paths, err := newContentPath(cf)
	if err != nil {
		return err
	}
	log := newLogger(std.err, slog.LevelWarn)
	st, err := openAnalystStore(ctx, *data, sf, true, log)
	if err != nil {
		return err
	}
	defer st.Close()
	r := &replayer{an: st.an, paths: paths, sources: sources, filter: analyst.Filter{Source: *sourceID, Since: sinceT}, log: log}
	if *publish {
		r.publish = st.store
		if bf.external() {
			cfg, err := bf.config()
			if err != nil {
				return err
			}
			conn, err := bf.connect(ctx, "replay", log)
			if err != nil {
				return err
			}
			defer conn.Close()
			pub, err := natsbus.NewPublisher(conn.JetStream(), natsbus.PublisherOptions{Config: cfg, Logger: log})
			if err != nil {
				return err
			}
			defer pub.Close()
			r.publish = pub
		}
	}
	report := func(c replayChange) error {
		if *jsonOut {
			return writeJSONLine(std.out, c)
		}
		printChange(std.out, c, *verbose)
		return nil
	}
	sum, err := r.run(ctx, files, report)
	if err != nil {
		return err
	}
	if *jsonOut {
		return writeJSONLine(std.out, map[string]replaySummary{"summary": sum})
	}
	fmt.Fprintf(std.out, "replay: %d archived responses in %d files, %d stored records matched: %d changed (%d removals gone, %d added, %d verdicts flipped, %d dropped), %d unchanged, %d published, %d not publishable (same content hash), %d errors; rules %s\n",
		sum.Responses, sum.Files, sum.Matched, sum.Changed, sum.RemovalsGone, sum.RemovalsAdded, sum.VerdictFlips, sum.Dropped, sum.Unchanged, sum.Published, sum.Unpublishable, sum.Errors, sum.RulesVersion)
	if sum.Errors > 0 {
		return fmt.Errorf("%d records could not be replayed", sum.Errors)
	}
	return nil
}
