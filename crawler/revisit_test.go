package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/frontier"
	"winnow/crawler/source"
)

// TestOutcomeElapsed checks Outcome.Elapsed: at least the server's delay
// for a fetched page (redirect hop included), zero for a task that made
// no request.
func TestOutcomeElapsed(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><a href="/a/slow.html">slow</a><a href="/a/moved.html">moved</a><a href="/deny/x.html">denied</a></body></html>`)
	})
	mux.HandleFunc("/a/slow.html", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(80 * time.Millisecond)
		linkPage(w)
	})
	mux.HandleFunc("/a/moved.html", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond)
		http.Redirect(w, r, "/a/target.html", http.StatusFound)
	})
	mux.HandleFunc("/a/target.html", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond)
		linkPage(w)
	})
	s := newSite(t, "elapsed.test", mux)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := parseSource(t, "id: e\nseeds: [{url: %q}]\nscope: {deny: ['^/deny/']}\npoliteness: {min_delay: 1ms, ignore_robots: true}\n", s.URL("/list"))
	if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := map[string]time.Duration{}
	for _, o := range rec.outcomes {
		got[o.Task.URL[len("http://"+s.host):]] = o.Elapsed
	}
	tests := []struct {
		path     string
		min, max time.Duration
	}{
		{"/a/slow.html", 80 * time.Millisecond, 10 * time.Second},
		{"/a/moved.html", 80 * time.Millisecond, 10 * time.Second}, // both hops
		{"/list", time.Nanosecond, 10 * time.Second},
		{"/deny/x.html", 0, 0}, // skipped: no request
	}
	for _, tt := range tests {
		d, ok := got[tt.path]
		if !ok {
			t.Errorf("no outcome for %s (outcomes %v)", tt.path, got)
			continue
		}
		if d < tt.min || d > tt.max {
			t.Errorf("%s: Elapsed %s, want in [%s, %s]", tt.path, d, tt.min, tt.max)
		}
	}
}

// recordingFrontier wraps the in-memory frontier, recording the URLs
// added and refusing adds while fail is set.
type recordingFrontier struct {
	frontier.Frontier
	mu    sync.Mutex
	added []string
	fail  bool
}

func (f *recordingFrontier) Add(ctx context.Context, tasks ...frontier.Task) (int, error) {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		for _, t := range tasks {
			if t.Referrer != "" {
				return 0, errors.New("frontier unavailable")
			}
		}
	}
	n, err := f.Frontier.Add(ctx, tasks...)
	f.mu.Lock()
	for _, t := range tasks {
		f.added = append(f.added, t.URL)
	}
	f.mu.Unlock()
	return n, err
}

func (f *recordingFrontier) has(u string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.added, u)
}

// checkingState is a StateStore that records, for every SetValidators,
// whether the listing's links were already in the frontier.
type checkingState struct {
	MemoryState
	front       *recordingFrontier
	links       []string
	mu          sync.Mutex
	sets        int
	linksQueued []bool
}

func (s *checkingState) SetValidators(ctx context.Context, u string, v Validators) error {
	queued := true
	for _, l := range s.links {
		queued = queued && s.front.has(l)
	}
	s.mu.Lock()
	s.sets++
	s.linksQueued = append(s.linksQueued, queued)
	s.mu.Unlock()
	return s.MemoryState.SetValidators(ctx, u, v)
}

// TestValidatorsStoredAfterLinks checks the order that keeps links safe
// across a crash: an entry point's validators are stored only after the
// links it lists are queued, and not at all when the frontier refused
// them (so the next poll reads the page again instead of getting 304).
func TestValidatorsStoredAfterLinks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     bool
		wantSets int
	}{{"links queued", false, 1}, {"links refused", true, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v1"`)
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, `<html><body><a href="/a/1.html">one</a><a href="/a/2.html">two</a></body></html>`)
			})
			mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) { linkPage(w) })
			s := newSite(t, "order.test", mux)
			front := &recordingFrontier{Frontier: frontier.NewMemory(), fail: tc.fail}
			t.Cleanup(func() { front.Frontier.(*frontier.Memory).Close() })
			st := &checkingState{front: front, links: []string{s.URL("/a/1.html"), s.URL("/a/2.html")}}
			rec := &recorder{}
			c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.Frontier, o.State = front, st })
			src := parseSource(t, "id: o\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ms, ignore_robots: true}\n", s.URL("/list"))
			if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
				t.Fatal(err)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if st.sets != tc.wantSets {
				t.Fatalf("SetValidators called %d times, want %d", st.sets, tc.wantSets)
			}
			for i, q := range st.linksQueued {
				if !q {
					t.Errorf("SetValidators call %d came before the links were queued", i)
				}
			}
			v, _ := st.Validators(t.Context(), s.URL("/list"))
			if stored := !v.IsZero(); stored != !tc.fail {
				t.Errorf("validators stored = %v, want %v", stored, !tc.fail)
			}
		})
	}
}

// TestEntryPointRevisitInOneRun re-queues an entry point (and its
// redirect) while one Run goes on, as the scheduler does on a long-lived
// worker: it is fetched again (conditionally) instead of being skipped as
// a duplicate, while articles stay fetched once.
func TestEntryPointRevisitInOneRun(t *testing.T) {
	var mu sync.Mutex
	served := 0
	mux := http.NewServeMux()
	mux.HandleFunc("/old-list", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/list", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		mu.Lock()
		served++
		mu.Unlock()
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><a href="/a/1.html">one</a></body></html>`)
	})
	mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) { linkPage(w) })
	s := newSite(t, "revisit.test", mux)
	mem := frontier.NewMemory()
	t.Cleanup(func() { mem.Close() })
	front := &recordingFrontier{Frontier: mem}
	rec := &recorder{}
	var (
		once    sync.Once
		readded = make(chan struct{})
	)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := newTestCrawler(t, nil, resolverFor(nil, s), func(o *Options) {
		o.Frontier = front
		o.OnOutcome = func(out Outcome) {
			rec.onOutcome(out)
			if out.Task.Kind == frontier.KindListing {
				once.Do(func() { close(readded) }) // the first poll is settled: queue the next
			}
		}
	})
	src := parseSource(t, "id: r\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ms, ignore_robots: true}\n", s.URL("/old-list"))
	revisit := &revisitFrontier{Frontier: front, extra: make(chan frontier.Task, 1)}
	c.opts.Frontier = revisit
	go func() {
		select {
		case <-readded:
			revisit.extra <- frontier.Task{URL: s.URL("/old-list"), Source: "r", Kind: frontier.KindListing}
		case <-ctx.Done():
		}
	}()
	if _, err := c.Run(ctx, []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	var got []string
	rec.mu.Lock()
	for _, o := range rec.outcomes {
		got = append(got, o.Task.URL[len("http://"+s.host):]+" "+string(o.Kind)+"/"+o.Reason)
	}
	rec.mu.Unlock()
	slices.Sort(got)
	want := []string{"/a/1.html handled/handled", "/old-list not_article/entry_point", "/old-list not_article/unchanged"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if served != 1 {
		t.Errorf("listing served in full %d times, want 1 (then 304)", served)
	}
}

// revisitFrontier hands out one extra task (a revisit the wrapped
// frontier would drop as known) when the wrapped one is idle, then
// reports idle once that task is settled.
type revisitFrontier struct {
	frontier.Frontier
	extra   chan frontier.Task
	mu      sync.Mutex
	pending bool
	done    bool
}

func (f *revisitFrontier) Next(ctx context.Context) (frontier.Task, frontier.Done, error) {
	for {
		f.mu.Lock()
		finished, pending := f.done, f.pending
		f.mu.Unlock()
		select {
		case t := <-f.extra:
			f.mu.Lock()
			f.pending = true
			f.mu.Unlock()
			return t, func(error) {
				f.mu.Lock()
				f.pending, f.done = false, true
				f.mu.Unlock()
			}, nil
		default:
		}
		nctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		t, done, err := f.Frontier.Next(nctx)
		cancel()
		switch {
		case err == nil:
			return t, done, nil
		case errors.Is(err, frontier.ErrIdle) && finished && !pending:
			return frontier.Task{}, nil, frontier.ErrIdle
		case ctx.Err() != nil:
			return frontier.Task{}, nil, ctx.Err()
		}
		time.Sleep(5 * time.Millisecond)
	}
}
