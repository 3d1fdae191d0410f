package natsbus

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

func TestEnsureStreamsIdempotent(t *testing.T) {
	ctx := t.Context()
	c := startEmbedded(t, "")
	js := c.JetStream()
	cfg := Config{Partitions: 4}

	first, err := EnsureStreams(ctx, js, cfg)
	if err != nil {
		t.Fatalf("first EnsureStreams: %v", err)
	}
	n, _ := cfg.Names()
	wantNames := []string{"FRONTIER", "ARTICLES", "AUDIT", "DLQ", "ADVISORIES", "OUTCOMES", "crawl_state", "crawl_seen", "crawl_leases",
		"ADVISORIES/dlq-forwarder", "FRONTIER/frontier-0", "FRONTIER/frontier-1", "FRONTIER/frontier-2", "FRONTIER/frontier-3"}
	var gotNames []string
	for _, ch := range first {
		gotNames = append(gotNames, ch.Name)
		if ch.Action != ActionCreated {
			t.Errorf("first call: %s %s, want created", ch.Name, ch.Action)
		}
	}
	if diff := cmp.Diff(wantNames, gotNames); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	before := map[string]*jetstream.StreamInfo{}
	for _, name := range []string{n.Frontier, n.Articles, n.Audit, n.DLQ, n.Advisories, n.Outcomes} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = s.CachedInfo()
	}

	second, err := EnsureStreams(ctx, js, cfg)
	if err != nil {
		t.Fatalf("second EnsureStreams: %v", err)
	}
	for _, ch := range second {
		if ch.Action != ActionUnchanged {
			t.Errorf("second call: %s %s, want unchanged", ch.Name, ch.Action)
		}
	}
	for name, b := range before {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		a := s.CachedInfo()
		if !a.Created.Equal(b.Created) {
			t.Errorf("%s recreated: created %v then %v", name, b.Created, a.Created)
		}
		if diff := cmp.Diff(b.Config, a.Config); diff != "" {
			t.Errorf("%s config changed (-before +after):\n%s", name, diff)
		}
	}

	// Retention and discard policies are as DESIGN.md says.
	got := map[string][2]string{}
	for name, b := range before {
		got[name] = [2]string{b.Config.Retention.String(), b.Config.Discard.String()}
	}
	want := map[string][2]string{
		"FRONTIER":   {"WorkQueue", "DiscardNew"},
		"ARTICLES":   {"Limits", "DiscardNew"},
		"AUDIT":      {"Limits", "DiscardNew"},
		"DLQ":        {"Limits", "DiscardNew"},
		"ADVISORIES": {"Limits", "DiscardOld"},
		"OUTCOMES":   {"Limits", "DiscardNew"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
}

func TestEnsureStreamsUpdatesInPlace(t *testing.T) {
	ctx := t.Context()
	c := startEmbedded(t, "")
	js := c.JetStream()
	cfg := Config{Partitions: 1, ArticlesMaxMsgs: 10}
	if _, err := EnsureStreams(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	n, _ := cfg.Names()
	pub, err := NewPublisher(js, PublisherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := pub.Write(ctx, testArticle("wzljl", i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := js.Stream(ctx, n.Articles)
	created := s.CachedInfo().Created

	// Larger limits: updated in place, data kept.
	cfg.ArticlesMaxMsgs = 100
	cfg.ArticlesMaxAge = 48 * time.Hour
	changes, err := EnsureStreams(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		want := ActionUnchanged
		if ch.Name == n.Articles {
			want = ActionUpdated
		}
		if ch.Action != want {
			t.Errorf("%s: %s, want %s", ch.Name, ch.Action, want)
		}
	}
	s, _ = js.Stream(ctx, n.Articles)
	info := s.CachedInfo()
	if !info.Created.Equal(created) {
		t.Errorf("ARTICLES recreated")
	}
	if info.Config.MaxMsgs != 100 || info.Config.MaxAge != 48*time.Hour {
		t.Errorf("limits not applied: MaxMsgs %d MaxAge %s", info.Config.MaxMsgs, info.Config.MaxAge)
	}
	if info.State.Msgs != 3 {
		t.Errorf("ARTICLES holds %d messages after update, want 3", info.State.Msgs)
	}

	// Limits below the current content are refused, nothing changes.
	cfg.ArticlesMaxMsgs = 2
	if _, err := EnsureStreams(ctx, js, cfg); !errors.Is(err, ErrWouldEvict) {
		t.Fatalf("shrinking below content: err %v, want ErrWouldEvict", err)
	}
	if st := streamState(t, js, n.Articles); st.Msgs != 3 {
		t.Errorf("ARTICLES holds %d messages after refused update, want 3", st.Msgs)
	}
}

func TestEnsureStreamsNamespaceAndValidation(t *testing.T) {
	ctx := t.Context()
	c := startEmbedded(t, "")
	js := c.JetStream()
	if _, err := EnsureStreams(ctx, js, Config{Namespace: "Bad.NS"}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("bad namespace: err %v, want ErrInvalidOptions", err)
	}
	// Two namespaces live side by side on one server without overlap.
	for _, ns := range []string{"", "t1", "t2"} {
		if _, err := EnsureStreams(ctx, js, Config{Namespace: ns, Partitions: 2}); err != nil {
			t.Fatalf("namespace %q: %v", ns, err)
		}
	}
	name, err := js.StreamNameBySubject(ctx, "t2.articles.clean.wzljl")
	if err != nil || name != "t2_ARTICLES" {
		t.Errorf("stream for t2.articles.clean.wzljl = %q, %v; want t2_ARTICLES", name, err)
	}
}
