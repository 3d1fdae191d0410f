package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"winnow/cleaner/hygiene"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// chromiumPath is the Debian chromium binary .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// requireBrowserEnv, when set, turns a missing Chromium into a failure
// (CI), not a skip.
const requireBrowserEnv = "WINNOW_TEST_REQUIRE_BROWSER"

// newChromium starts a headless Chromium with a fresh profile for t and
// counts the JavaScript dialogs (alert, confirm, prompt) any page opens.
func newChromium(t *testing.T) (context.Context, *atomic.Int32) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatalf("%s is set but %s is missing: %v", requireBrowserEnv, chromiumPath, err)
		}
		t.Skipf("browser tests need %s (apt-get install chromium); %s (set by .ci/run) makes its absence a failure: %v", chromiumPath, requireBrowserEnv, err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	// Start the browser, then count (and dismiss) every dialog.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var dialogs atomic.Int32
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range opening {
			if err != nil {
				return
			}
			dialogs.Add(1)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	// Every document counts calls of alert, confirm and prompt before any
	// page script runs; the CSP does not apply to this DevTools script.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__alerts = 0;
		for (const f of ["alert", "confirm", "prompt"]) { const o = window[f]; window[f] = function (...a) { window.__alerts++; return o.apply(this, a); }; }`}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return ctx, &dialogs
}

// navigateReady navigates to u and waits for app.js to have run.
func navigateReady(ctx context.Context, u string) error {
	return chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`html[data-ready="1"]`)))
}

func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("WINNOW_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(dir, name))
}

// testBrowser drives the analyst page in headless Chromium over a demo
// crawl: charts drawn with data, search finds the seed article, hostile
// text stays inert, the article view marks removals, a false positive is
// marked through the form, and a token-protected page asks to sign in.
func testBrowser(t *testing.T, dc *demoCrawl, dir string) {
	st, err := openAnalystStore(t.Context(), dir, analystFlags{}, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rules := filepath.Join(dir, "fp.yaml")
	handlers, err := analystSurface(st, newMetrics(), rules, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newMux(muxParts{handlers: handlers}))
	defer srv.Close()
	ctx, dialogs := newChromium(t)
	nav := func(u string) {
		t.Helper()
		if err := navigateReady(ctx, u); err != nil {
			t.Fatalf("open %s: %v", u, err)
		}
	}

	// Dashboard: the three charts carry bars with data.
	nav(srv.URL + "/")
	bars := evaluate[map[string]int](t, ctx, `(() => {
		const out = {};
		for (const id of ["chart-removals", "chart-spam", "chart-outcomes-0"]) {
			out[id] = [...document.querySelectorAll("#" + id + " svg rect.bar")].filter(r => parseFloat(r.dataset.value) > 0 && parseFloat(r.getAttribute("height")) > 0).length;
		}
		return out;
	})()`)
	for _, id := range []string{"chart-removals", "chart-spam", "chart-outcomes-0"} {
		if bars[id] == 0 {
			t.Errorf("chart %s drew no bars with data: %v", id, bars)
		}
	}
	if board := evaluate[string](t, ctx, `document.querySelector("#sources").innerText`); !strings.Contains(board, "demo") {
		t.Errorf("sources board lacks the demo source: %q", board)
	}
	saveScreenshot(t, ctx, "dashboard.png")

	// A hostile record joins the store for the checks below.
	xss := browserXSSRecord(t)
	if err := st.store.Write(t.Context(), xss); err != nil {
		t.Fatal(err)
	}

	// Search: a two-character word finds the seed article.
	var seed *record.Article
	for _, a := range dc.records {
		if strings.HasSuffix(a.URL, "/e9e67510d88d065b.html") {
			seed = a
		}
	}
	if seed == nil {
		t.Fatal("the demo crawl has no seed article")
	}
	nav(srv.URL + "/search?q=" + url.QueryEscape("政法"))
	if hits := evaluate[[]string](t, ctx, `[...document.querySelectorAll("li.hit")].map(li => li.dataset.id)`); !slices.Contains(hits, seed.ID) {
		t.Errorf("search 政法 returned %v, not the seed article %s", hits, seed.ID)
	}

	// XSS: the hostile title and removal render as text, nothing runs.
	type inertness struct {
		Alerts   int    `json:"alerts"`
		Scripts  int    `json:"scripts"`
		Handlers int    `json:"handlers"`
		Images   int    `json:"images"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	}
	for _, path := range []string{"/article/" + xss.ID, "/removals?source=hostile"} {
		nav(srv.URL + path)
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(300, 300), chromedp.MouseClickXY(600, 500)); err != nil {
			t.Fatal(err)
		}
		res := evaluate[inertness](t, ctx, `({
			alerts: window.__alerts,
			scripts: document.scripts.length,
			handlers: document.querySelectorAll("[onmouseover],[onerror],[onclick],[onload]").length,
			images: document.images.length,
			title: document.title,
			text: document.body.innerText
		})`)
		if res.Alerts != 0 || dialogs.Load() != 0 || res.Scripts != 1 || res.Handlers != 0 || res.Images != 0 {
			t.Errorf("%s: alerts %d, dialogs %d, scripts %d, inline handlers %d, images %d; want 0, 0, 1, 0, 0",
				path, res.Alerts, dialogs.Load(), res.Scripts, res.Handlers, res.Images)
		}
		if !strings.Contains(res.Text, xssRemovalText) {
			t.Errorf("%s: the hostile removal is not shown as text", path)
		}
		if strings.HasPrefix(path, "/article/") && !strings.Contains(res.Title, xssTitleText) {
			t.Errorf("the hostile title is not shown as text: %q", res.Title)
		}
	}

	// The article view: removals marked in place in the archived text.
	target := articleWithMostBodyRemovals(dc.records)
	nav(srv.URL + "/article/" + target.ID)
	if marked := evaluate[int](t, ctx, `document.querySelectorAll("#body mark, #body p.removed-line").length`); marked == 0 {
		t.Errorf("article %s: no removal marked in place", target.ID)
	}
	saveScreenshot(t, ctx, "article.png")

	// A false positive through the form writes the override file.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`form.fp input[name="note"]`), "browser test"),
		chromedp.Click(chromedp.CSS(`form.fp button`)),
		chromedp.WaitVisible(chromedp.CSS(`#marked`))); err != nil {
		t.Fatal(err)
	}
	notice := evaluate[string](t, ctx, `document.querySelector("#marked").innerText`)
	rs, err := hygiene.LoadRules(rules)
	if err != nil {
		t.Fatalf("the form did not write a valid override: %v", err)
	}
	if !strings.HasSuffix(rs.Version(), "-1") || !strings.Contains(notice, "version 1") {
		t.Errorf("override version %q, notice %q", rs.Version(), notice)
	}

	// Token auth (what a non-loopback listener gets): the browser is sent
	// to sign in, and the cookie it gets opens the dashboard.
	tokHandlers, err := analystSurface(st, newMetrics(), rules, "correct-horse-battery-staple", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	tokSrv := httptest.NewServer(newMux(muxParts{handlers: tokHandlers}))
	defer tokSrv.Close()
	nav(tokSrv.URL + "/")
	if path := evaluate[string](t, ctx, `location.pathname`); path != "/login" {
		t.Errorf("without a session the browser is at %s, want /login", path)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), "correct-horse-battery-staple"),
		chromedp.Submit(chromedp.CSS(`form.login`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-removals`))); err != nil {
		t.Fatal(err)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll("svg rect.bar").length`); n == 0 {
		t.Error("signed in, but the dashboard has no charts")
	}
	if dialogs.Load() != 0 {
		t.Errorf("%d JavaScript dialogs opened", dialogs.Load())
	}
}

const (
	xssRemovalText = `<script>alert(1)</script>" onmouseover="alert(2)`
	xssTitleText   = `</title><img src=x onerror=alert(3)>`
)

// browserXSSRecord is a valid record whose title and removed line carry
// the payloads.
func browserXSSRecord(t *testing.T) *record.Article {
	t.Helper()
	a := record.New()
	a.URL = "https://hostile.example/news/1.html"
	a.CanonicalURL = a.URL
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.Source = "hostile"
	a.Title = xssTitleText
	a.Body = "正文第一段，记者报道。\n" + `正文第二段："<b>粗体</b>" 'x' & y`
	a.Lang = "zh"
	a.ScriptIn, a.ScriptOut = record.ScriptHans, record.ScriptHans
	a.FetchedAt = time.Now().UTC().Format(time.RFC3339)
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Normalization = map[string]string{"opencc": "t2s"}
	a.Hygiene = record.Hygiene{Verdict: record.VerdictCleaned, RulesVersion: "test", Removed: []record.Removal{
		{Text: xssRemovalText, Kind: record.KindSpam, Rule: "spam.keyword_chain", Scope: record.ScopeLine, Field: record.FieldBody, Reason: `"><svg onload=alert(4)>`},
		{Text: `<iframe src="javascript:alert(5)">`, Kind: record.KindAd, Rule: "ad.app_promo", Scope: record.ScopeLine, Field: record.FieldPage, Reason: "x"},
	}}
	recordtest.Check(t, a)
	return a
}

func articleWithMostBodyRemovals(recs []*record.Article) *record.Article {
	var best *record.Article
	score := func(a *record.Article) int {
		n := 0
		for _, r := range a.Hygiene.Removed {
			if r.Field == record.FieldBody {
				n += 2
				if r.Scope == record.ScopeSpan {
					n++ // show a span in its sentence
				}
			}
		}
		if a.Hygiene.Verdict == record.VerdictSpamPage {
			n = 0
		}
		return n
	}
	for _, a := range recs {
		if best == nil || score(a) > score(best) {
			best = a
		}
	}
	return best
}
