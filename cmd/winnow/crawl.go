package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"winnow/crawler"
	"winnow/crawler/source"
	"winnow/crawler/warc"
	"winnow/sink/record"
)

// crawlFlags are the flags of the one-off crawl commands (crawl, demo).
type crawlFlags struct {
	content   contentFlags
	out       string
	summary   string
	workers   int
	allowNets string
	noArchive bool
	quiet     bool
}

func (f *crawlFlags) register(fs interface {
	StringVar(*string, string, string, string)
	Int64Var(*int64, string, int64, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}) {
	f.content.register(fs)
	fs.StringVar(&f.out, "out", "", "write records as JSON lines to FILE (default: stdout)")
	fs.StringVar(&f.summary, "summary", "", "write the crawl summary as JSON to FILE")
	fs.IntVar(&f.workers, "workers", 8, "fetch workers")
	fs.StringVar(&f.allowNets, "allow-net", "", "comma-separated address prefixes the SSRF guard lets through (e.g. 127.0.0.0/8)")
	fs.BoolVar(&f.noArchive, "no-archive", false, "do not archive raw responses as WARC")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range splitList(s) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, usagef("--allow-net: %v", err)
		}
		out = append(out, pfx)
	}
	return out, nil
}

func runCrawl(ctx context.Context, std stdio, args []string) error {
	fs, dataDir := flagSet(std, "crawl", "[--out FILE] [--summary FILE] SOURCE_FILE...")
	var cf crawlFlags
	cf.register(fs)
	cf.content.script = "" // per source unless given
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("crawl needs at least one SOURCE_FILE")
	}
	var srcs []*source.Source
	for _, path := range fs.Args() {
		s, err := source.LoadFile(path)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	nets, err := parsePrefixes(cf.allowNets)
	if err != nil {
		return err
	}
	sum, err := crawlOnce(ctx, std, *dataDir, cf, srcs, nets, nil)
	if err != nil {
		return err
	}
	return sum.reconciles()
}

// crawlOnce crawls srcs with an in-memory frontier, writes records (to
// --out, else std.out) and the summary, prints the summary for people on
// std.err, and passes every record to keep when it is not nil.
func crawlOnce(ctx context.Context, std stdio, dataDir string, cf crawlFlags, srcs []*source.Source, nets []netip.Prefix, keep func(*record.Article)) (crawlSummary, error) {
	paths, err := newContentPath(cf.content)
	if err != nil {
		return crawlSummary{}, err
	}
	rulesVersion, err := paths.RulesVersion()
	if err != nil {
		return crawlSummary{}, err
	}
	out := std.out
	if cf.out != "" && cf.out != "-" {
		f, err := os.Create(cf.out)
		if err != nil {
			return crawlSummary{}, err
		}
		defer f.Close()
		out = f
	}
	records := newJSONLWriter(out)
	log := newLogger(std.err, slog.LevelWarn)

	var archiver crawler.Archiver
	if !cf.noArchive {
		w, err := warc.NewWriter(warc.Options{Dir: filepath.Join(dataDir, "warc"), Prefix: "winnow", Logger: log})
		if err != nil {
			return crawlSummary{}, err
		}
		defer w.Close()
		archiver = crawler.ArchiverFunc(func(ctx context.Context, e crawler.Exchange) (string, error) {
			return w.WriteResponse(ctx, warc.Response(e))
		})
	}

	defer tuneGC()()
	t := &tally{}
	progress := newProgress(std.err, cf.quiet)
	c, err := crawler.New(crawler.Options{
		Workers: cf.workers, Archiver: archiver, Logger: log, AllowNetworks: nets,
		OnOutcome: progress.outcome,
	})
	if err != nil {
		return crawlSummary{}, err
	}
	defer c.Close()
	emit := records.write
	if keep != nil {
		emit = func(ctx context.Context, a *record.Article) error {
			keep(a)
			return records.write(ctx, a)
		}
	}
	s, err := c.Run(ctx, srcs, pageHandler(paths, srcs, t, emit))
	progress.finish()
	if ferr := records.flush(); err == nil {
		err = ferr
	}
	sum := summarize(s, t, rulesVersion)
	printSummary(std.err, sum)
	if cf.summary != "" {
		if werr := writeJSONFile(cf.summary, sum); err == nil {
			err = werr
		}
	}
	return sum, err
}

// jsonlWriter writes records as JSON lines from many goroutines.
type jsonlWriter struct {
	mu sync.Mutex
	bw *bufio.Writer
}

func newJSONLWriter(w io.Writer) *jsonlWriter { return &jsonlWriter{bw: bufio.NewWriterSize(w, 1<<16)} }

// lineBufs holds encoded records between encoding and writing.
var lineBufs = sync.Pool{New: func() any { return new([]byte) }}

// write encodes a outside the lock (the bytes writeJSONLine writes) and
// writes it as one line.
func (w *jsonlWriter) write(_ context.Context, a *record.Article) error {
	bp := lineBufs.Get().(*[]byte)
	line := append(a.AppendJSON((*bp)[:0]), '\n')
	w.mu.Lock()
	_, err := w.bw.Write(line)
	w.mu.Unlock()
	if cap(line) <= 1<<20 {
		*bp = line
		lineBufs.Put(bp)
	}
	return err
}

func (w *jsonlWriter) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bw.Flush()
}

func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func printSummary(w io.Writer, s crawlSummary) {
	fmt.Fprintf(w, "fetched %d: %d articles, %d spam pages, %d not articles, %d failed; %d skipped (%.1fs)\n",
		s.Fetched, s.Articles, s.SpamPages, s.NotArticles, s.Failed, s.Skipped, s.Seconds)
	fmt.Fprint(w, "outcomes:")
	for _, k := range sortedKeys(s.Outcomes) {
		fmt.Fprintf(w, " %s=%d", k, s.Outcomes[k])
	}
	fmt.Fprint(w, "\nremovals by rule:")
	for _, k := range sortedKeys(s.RemovalsByRule) {
		fmt.Fprintf(w, " %s=%d", k, s.RemovalsByRule[k])
	}
	fmt.Fprintln(w)
}

// progress shows crawl progress: a progress bar on a terminal, a log line
// every 5 seconds otherwise.
type progress struct {
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	w       io.Writer
	counts  map[crawler.OutcomeKind]int
	last    time.Time
	enabled bool
}

func newProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, counts: map[crawler.OutcomeKind]int{}, last: time.Now(), enabled: !quiet}
	if f, ok := w.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("crawling"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("pages"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) outcome(o crawler.Outcome) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[o.Kind]++
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("crawling: %d handled, %d not articles, %d failed, %d skipped",
			p.counts[crawler.OutcomeHandled], p.counts[crawler.OutcomeNotArticle], p.counts[crawler.OutcomeFailed], p.counts[crawler.OutcomeSkipped]))
		_ = p.bar.Add(1)
		return
	}
	if time.Since(p.last) >= 5*time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "crawling: %d handled, %d not articles, %d failed, %d skipped\n",
			p.counts[crawler.OutcomeHandled], p.counts[crawler.OutcomeNotArticle], p.counts[crawler.OutcomeFailed], p.counts[crawler.OutcomeSkipped])
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// gcBudget is the heap the garbage collector may let grow beyond the
// live heap during a crawl (unless GOGC is set): GOGC=100 would collect
// every time the small live heap (dictionaries, rules, frontier, pages
// in flight; about 16 MB) doubled, and a crawl allocates a few hundred
// KB per page. With the budget the collector runs a third less often
// on the crawl benchmark (peak RSS stays near 80 MB), and memory grows
// by at most the budget over GOGC=100's; large live heaps keep GOGC=100.
const gcBudget = 24 << 20

// tuneGC keeps the GC percent at max(100, 100*gcBudget/live heap),
// capped at 400, checking every 100 ms, until the returned function is
// called (which restores it). It does nothing when GOGC is set.
func tuneGC() (stop func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		prev := debug.SetGCPercent(100)
		defer debug.SetGCPercent(prev)
		sample := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		cur := 100
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rtmetrics.Read(sample)
			if sample[0].Value.Kind() != rtmetrics.KindUint64 {
				return
			}
			live := max(sample[0].Value.Uint64(), 1)
			p := int(min(max(100, 100*gcBudget/live), 400))
			if p < cur*9/10 || p > cur*11/10 {
				debug.SetGCPercent(p)
				cur = p
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
