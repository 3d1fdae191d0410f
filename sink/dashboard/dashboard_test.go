package dashboard_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"winnow/cleaner/normalize"
	"winnow/sink"
	"winnow/sink/analyst"
	"winnow/sink/dashboard"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sinktest"
	"winnow/sink/sqlite"
)

// XSS payloads from the issue: page text is hostile.
const (
	xssRemoval = `<script>alert(1)</script>" onmouseover="alert(2)`
	xssTitle   = `</title><img src=x onerror=alert(3)>`
)

// xssRecord is a valid record whose title and removal carry the payloads.
func xssRecord(t *testing.T) *record.Article {
	t.Helper()
	a := sinktest.Article(77)
	a.Title = xssTitle
	a.Body = "正文第一段。\n" + `他说："<b>不是标签</b>" & 'quote'`
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene.Removed = append(a.Hygiene.Removed,
		record.Removal{Text: xssRemoval, Kind: record.KindSpam, Rule: "spam.keyword_chain", Scope: record.ScopeLine, Field: record.FieldBody, Reason: `reason with <i>tags</i> and "quotes"`})
	recordtest.Check(t, a)
	return a
}

type fixture struct {
	an    *analyst.Analyst
	store *sqlite.Store
	recs  []*record.Article
	xss   *record.Article
	seed  *record.Article
}

// openStore opens a SQLite store at path with an Analyst over it.
func openStore(t testing.TB, path string) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	an, err := analyst.New(t.Context(), analyst.Options{DB: db, Dialect: analyst.SQLite,
		Search: func(ctx context.Context, q string, limit int) ([]analyst.Hit, error) {
			hits, err := st.Search(ctx, q, sink.SearchOptions{Limit: limit})
			var out []analyst.Hit
			for _, h := range hits {
				out = append(out, analyst.Hit{ID: h.ID, Title: h.Title, Source: h.Source, Snippet: h.Snippet})
			}
			return out, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{an: an, store: st}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := openStore(t, filepath.Join(t.TempDir(), "winnow.db"))
	f.xss, f.seed = xssRecord(t), sinktest.SeedLike()
	st, an := f.store, f.an
	for i := range 5 {
		f.recs = append(f.recs, sinktest.Article(i))
	}
	f.recs[4].Hygiene.Verdict = record.VerdictSpamPage
	f.recs = append(f.recs, f.xss, f.seed)
	for _, a := range f.recs {
		if err := st.Write(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	today := analyst.Day(time.Now())
	if err := an.RecordOutcomes(t.Context(), []analyst.OutcomeCount{
		{Source: "example-news", Day: today, Kind: "handled", Reason: "handled", Count: 5},
		{Source: "example-news", Day: today, Kind: "skipped", Reason: "robots", Count: 2},
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func serve(t *testing.T, opts dashboard.Options) *httptest.Server {
	t.Helper()
	s, err := dashboard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, u string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// inert fails t when page has a script other than /static/app.js, an
// inline event handler, a javascript: URL or an element from the
// payloads.
func inert(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				src := ""
				for _, a := range n.Attr {
					if a.Key == "src" {
						src = a.Val
					}
				}
				if src != "/static/app.js" || n.FirstChild != nil {
					t.Errorf("unexpected script element (src %q)", src)
				}
			case "img", "b", "i", "iframe", "object":
				t.Errorf("page text became a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("inline handler %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("javascript: URL in %s", a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func TestPagesEscapeHostileText(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, dashboard.Options{Analyst: f.an, MarkFalsePositive: func(context.Context, dashboard.FalsePositive) (string, error) { return "", nil }})
	for _, path := range []string{"/", "/removals", "/removals?rule=spam.keyword_chain", "/article/" + f.xss.ID, "/search?q=" + url.QueryEscape(`<script>alert(5)</script>正文`)} {
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, srv.Client(), srv.URL+path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			inert(t, body)
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
				t.Errorf("payload not escaped")
			}
		})
	}
	_, body := get(t, srv.Client(), srv.URL+"/article/"+f.xss.ID)
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;alert(2)", "&lt;/title&gt;&lt;img src=x onerror=alert(3)&gt;", "&lt;b&gt;不是标签&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("article page lacks the escaped text %q", want)
		}
	}
}

func TestDashboardCharts(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, dashboard.Options{Analyst: f.an, Sources: func(context.Context) ([]dashboard.SourceStatus, error) {
		return []dashboard.SourceStatus{{ID: "example-news", State: "active", Detail: `<script>x</script>`}, {ID: "idle-source", State: "paused"}}, nil
	}})
	resp, body := get(t, srv.Client(), srv.URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	inert(t, body)
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	bars := map[string]int{} // chart id -> bars with a positive value
	var walk func(n *html.Node, chartID string)
	walk = func(n *html.Node, chartID string) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "id" && strings.HasPrefix(a.Val, "chart-") {
					chartID = a.Val
				}
			}
			if n.Data == "rect" && attr(n, "class") == "bar" && attr(n, "data-value") != "0" && attr(n, "data-value") != "" {
				bars[chartID]++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, chartID)
		}
	}
	walk(doc, "")
	for _, id := range []string{"chart-removals", "chart-spam", "chart-outcomes-0"} {
		if bars[id] == 0 {
			t.Errorf("chart %s has no bars with data (bars: %v)", id, bars)
		}
	}
	for _, want := range []string{"idle-source", "paused", "example-news", "wuzhou-example"} {
		if !strings.Contains(body, want) {
			t.Errorf("sources board lacks %q", want)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestRemovalsFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, dashboard.Options{Analyst: f.an, PageSize: 5})
	total := 0
	for _, a := range f.recs {
		total += len(a.Hygiene.Removed)
	}
	seen := 0
	next := "/removals"
	for pages := 0; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
		_, body := get(t, srv.Client(), srv.URL+next)
		seen += strings.Count(body, `<td class="removed-text">`)
		next = ""
		if i := strings.Index(body, `rel="next"`); i >= 0 {
			j := strings.LastIndex(body[:i], `href="`)
			next = html.UnescapeString(body[j+6 : strings.Index(body[j+6:], `"`)+j+6])
		}
	}
	if seen != total {
		t.Errorf("pages listed %d removals, want %d", seen, total)
	}
	_, body := get(t, srv.Client(), srv.URL+"/removals?source=wuzhou-example&kind=ad")
	if n := strings.Count(body, `<td class="removed-text">`); n != 1 {
		t.Errorf("source+kind filter listed %d rows, want 1", n)
	}
	if resp, _ := get(t, srv.Client(), srv.URL+"/removals?since=yesterday"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad since: status %d", resp.StatusCode)
	}
}

func TestSearchSimplifiesQuery(t *testing.T) {
	f := newFixture(t)
	t2s, err := normalize.New("t2s")
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, dashboard.Options{Analyst: f.an, Simplify: t2s.Convert})
	for _, q := range []string{"政法", "幹警"} {
		_, body := get(t, srv.Client(), srv.URL+"/search?q="+url.QueryEscape(q))
		if !strings.Contains(body, `data-id="`+f.seed.ID+`"`) {
			t.Errorf("search %q does not return the seed article", q)
		}
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, dashboard.Options{Analyst: f.an, Token: "s3cret-token"})
	c := srv.Client()
	if resp, _ := get(t, c, srv.URL+"/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: status %d, want 401", resp.StatusCode)
	}
	if resp, _ := get(t, c, srv.URL+"/article/"+f.seed.ID, "Authorization", "Bearer wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: status %d, want 401", resp.StatusCode)
	}
	if resp, _ := get(t, c, srv.URL+"/", "Authorization", "Bearer s3cret-token"); resp.StatusCode != http.StatusOK {
		t.Errorf("bearer token: status %d, want 200", resp.StatusCode)
	}
	if resp, _ := get(t, c, srv.URL+"/static/app.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("static without token: status %d", resp.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	bc := &http.Client{Jar: jar, Transport: c.Transport}
	resp, _ := get(t, bc, srv.URL+"/", "Accept", "text/html")
	if resp.Request.URL.Path != "/login" {
		t.Errorf("browser without a session landed on %s, want /login", resp.Request.URL.Path)
	}
	resp, err := bc.PostForm(srv.URL+"/login", url.Values{"token": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad login: status %d", resp.StatusCode)
	}
	resp, err = bc.PostForm(srv.URL+"/login", url.Values{"token": {"s3cret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		t.Errorf("login: status %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	u, _ := url.Parse(srv.URL)
	cookies := jar.Cookies(u)
	if len(cookies) != 1 || strings.Contains(cookies[0].Value, "s3cret") {
		t.Errorf("session cookie %v", cookies)
	}
	if resp, _ := get(t, bc, srv.URL+"/removals"); resp.StatusCode != http.StatusOK {
		t.Errorf("with session: status %d", resp.StatusCode)
	}
}

func TestFalsePositiveForm(t *testing.T) {
	f := newFixture(t)
	var (
		mu  sync.Mutex
		got []dashboard.FalsePositive
	)
	srv := serve(t, dashboard.Options{Analyst: f.an, MarkFalsePositive: func(_ context.Context, fp dashboard.FalsePositive) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fp)
		return `override version "2" <ok>`, nil
	}})
	c := srv.Client()
	_, page := get(t, c, srv.URL+"/article/"+f.seed.ID)
	i := strings.Index(page, `name="csrf" value="`)
	if i < 0 {
		t.Fatal("no CSRF token in the form")
	}
	csrf := page[i+len(`name="csrf" value="`):]
	csrf = csrf[:strings.Index(csrf, `"`)]
	post := func(form url.Values, hdr ...string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/article/"+f.seed.ID+"/false-positive", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := (&http.Client{Transport: c.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	tests := []struct {
		name   string
		form   url.Values
		hdr    []string
		status int
	}{
		{"no token", url.Values{"position": {"1"}}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"position": {"1"}, "csrf": {"00"}}, nil, http.StatusForbidden},
		{"cross-site", url.Values{"position": {"1"}, "csrf": {csrf}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"no such removal", url.Values{"position": {"9"}, "csrf": {csrf}}, nil, http.StatusBadRequest},
		{"ok", url.Values{"position": {"1"}, "csrf": {csrf}, "note": {"ticket 7"}}, []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		if resp := post(tt.form, tt.hdr...); resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
	}
	want := []dashboard.FalsePositive{{ArticleID: f.seed.ID, Position: 1, Note: "ticket 7"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("corrections (-want +got):\n%s", d)
	}
	_, page = get(t, c, srv.URL+"/article/"+f.seed.ID+"?marked="+url.QueryEscape(`override version "2" <ok>`))
	if !strings.Contains(page, "override version &#34;2&#34; &lt;ok&gt;") {
		t.Error("the correction message is missing or unescaped")
	}
}

func TestRawPageIsPlainText(t *testing.T) {
	f := newFixture(t)
	raw := []byte(`<html><script>alert(1)</script><p>正文</p></html>`)
	srv := serve(t, dashboard.Options{Analyst: f.an, RawPage: func(_ context.Context, ref string) (*dashboard.RawPage, error) {
		if ref != f.seed.RawRef {
			t.Errorf("raw ref %q, want %q", ref, f.seed.RawRef)
		}
		return &dashboard.RawPage{URL: f.seed.URL, StatusCode: 200, Header: http.Header{"Content-Type": {`text/html; charset="gb2312"><script>`}}, Body: raw}, nil
	}})
	resp, body := get(t, srv.Client(), srv.URL+"/article/"+f.seed.ID+"/raw")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=gb2312" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("CSP %q", csp)
	}
	if !strings.HasSuffix(body, string(raw)) || !strings.Contains(body, "HTTP 200") {
		t.Errorf("body %q", body)
	}
	_, page := get(t, srv.Client(), srv.URL+"/article/"+f.seed.ID)
	if !strings.Contains(page, `href="/article/`+f.seed.ID+`/raw"`) {
		t.Error("article page lacks the raw link")
	}
	if resp, _ := get(t, srv.Client(), srv.URL+"/article/..%2f..%2fetc/raw"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bad id: status %d", resp.StatusCode)
	}
}

func TestArticleInPlace(t *testing.T) {
	f := newFixture(t)
	a := sinktest.SeedLike()
	a.URL += "?v=2"
	a.CanonicalURL = a.URL
	a.ID = record.NewID(a.CanonicalURL, "", "")
	a.Hygiene.Removed = append(a.Hygiene.Removed,
		record.Removal{Text: "99福利_在线观看", Kind: record.KindSpam, Rule: "spam.keyword_chain", Scope: record.ScopeLine, Field: record.FieldBody, Reason: "chain"},
		record.Removal{Text: "开云体育官网入口", Kind: record.KindSpam, Rule: "spam.span_brand", Scope: record.ScopeSpan, Field: record.FieldBody, Reason: "brand"},
		record.Removal{Text: "不在原文里", Kind: record.KindSpam, Rule: "spam.span_brand", Scope: record.ScopeSpan, Field: record.FieldBody, Reason: "lost"})
	if err := f.store.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, dashboard.Options{Analyst: f.an, Original: func(context.Context, *record.Article) (*dashboard.Original, error) {
		return &dashboard.Original{Body: []string{"第一段。", "99福利_在线观看", "记者获悉，开云体育官网入口今年游客增长。"}}, nil
	}})
	_, page := get(t, srv.Client(), srv.URL+"/article/"+a.ID)
	for _, want := range []string{
		`<p class="removed-line" id="removal-3"><del>99福利_在线观看</del>`,
		`<p>记者获悉，<mark id="removal-4" title="spam.span_brand: brand">开云体育官网入口</mark>今年游客增长。</p>`,
		"Body removals not found in the archived text",
		"Removed from the page (outside title and body)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
}

func TestLoopback(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:9000": true, "127.1.2.3:1": true,
		":8080": false, "0.0.0.0:8080": false, "192.168.1.5:80": false, "example.com:80": false, "[::]:80": false,
	}
	for addr, want := range tests {
		if got := dashboard.Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestAuthorize(t *testing.T) {
	h := dashboard.Authorize("tok", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "metrics") }))
	for _, tt := range []struct {
		hdr  string
		want int
	}{{"", 401}, {"Bearer x", 401}, {"Bearer tok", 200}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if tt.hdr != "" {
			req.Header.Set("Authorization", tt.hdr)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("Authorization %q: %d, want %d", tt.hdr, rec.Code, tt.want)
		}
	}
}
