package demosite

import (
	"html"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Link-dense defaults.
const (
	DefaultPages        = 20000
	DefaultPageBytes    = 30 << 10
	DefaultLinksPerPage = 50

	linkDensePrefix  = "/news/bench/2026-10/"
	linkDensePattern = `^/news/bench/2026-10/\d{2}/p\d{6}\.html$`
	linkDenseName    = "基准新闻网"
)

// LinkDense is a generated link-dense site for crawl benchmarks: Pages
// article-like pages of exactly PageBytes bytes, each linking to
// LinksPerPage others (with duplicate links, tracking-parameter and
// fragment variants, and a link to itself), generated on the fly from the
// page number. It counts fetches per page so tests can assert that a
// crawler fetched every page once. It is safe for concurrent use.
type LinkDense struct {
	pages, pageBytes, links int
	layout                  Layout
	hosts                   []string
	log                     *slog.Logger
	titles                  []string
	paras                   [][]byte
	counts                  []atomic.Int32
	other                   atomic.Int64
	buffers                 sync.Pool
}

// LinkDensePage locates one page of the link-dense site.
type LinkDensePage struct {
	// Host is the page's host ("" when Options.Hosts is nil: any host).
	Host string
	Path string
}

// LinkDenseManifest is the exact content of a link-dense site.
type LinkDenseManifest struct {
	// ArticlePattern matches every page path and nothing else linked.
	ArticlePattern string
	// PageBytes is the size of every page; LinksPerPage the number of
	// article links on it.
	PageBytes, LinksPerPage int
	// Hosts are the host names (nil: one site on any host); every host
	// serves an entry page "/" and robots.txt.
	Hosts []string
	// Pages lists every page, page number order.
	Pages []LinkDensePage
}

// NewLinkDense builds a link-dense site from the link-dense fields of
// opts (Pages, PageBytes, Hosts, LinksPerPage, Logger).
func NewLinkDense(opts Options) *LinkDense {
	d := &LinkDense{pages: opts.Pages, pageBytes: opts.PageBytes, links: opts.LinksPerPage, layout: opts.Layout, log: opts.Logger}
	if d.pages <= 0 {
		d.pages = DefaultPages
	}
	d.pages = min(d.pages, 999999)
	if d.pageBytes <= 0 {
		d.pageBytes = DefaultPageBytes
	}
	if d.links <= 0 {
		d.links = DefaultLinksPerPage
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	for _, h := range opts.Hosts {
		d.hosts = append(d.hosts, strings.ToLower(h))
	}
	d.counts = make([]atomic.Int32, d.pages)
	d.text()
	d.buffers.New = func() any {
		return &ldBuf{page: make([]byte, 0, d.pageBytes+4096), links: make([]byte, 0, 4096)}
	}
	return d
}

// text prepares the pools of titles and paragraphs pages are built from.
func (d *LinkDense) text() {
	c, err := loadCorpus()
	if err != nil {
		d.log.Error("link-dense site: corpus unavailable, using plain text", "err", err)
		d.titles = []string{"基准测试页面"}
		d.paras = [][]byte{[]byte("<p>这是用于抓取基准测试的生成页面，内容由页码决定。</p>\n")}
		return
	}
	r := newRNG("linkdense")
	for len(d.paras) < 256 {
		t := c.topics[r.intn(len(c.topics))]
		f := newFiller(c, r, baseBenchDate())
		if len(d.titles) < 64 {
			d.titles = append(d.titles, f.fill(t.titles[r.intn(len(t.titles))]).hans)
		}
		var b strings.Builder
		b.WriteString("<p>")
		for range r.between(2, 4) {
			b.WriteString(html.EscapeString(f.fill(t.body[r.intn(len(t.body))]).hans) + "。")
		}
		b.WriteString("</p>\n")
		d.paras = append(d.paras, []byte(b.String()))
	}
}

// Manifest returns the pages of the site.
func (d *LinkDense) Manifest() LinkDenseManifest {
	m := LinkDenseManifest{ArticlePattern: linkDensePattern, PageBytes: d.pageBytes, LinksPerPage: d.links,
		Hosts: append([]string(nil), d.hosts...), Pages: make([]LinkDensePage, d.pages)}
	for n := range d.pages {
		m.Pages[n] = LinkDensePage{Host: d.host(n), Path: d.Path(n)}
	}
	return m
}

// Path returns the path of page n.
func (d *LinkDense) Path(n int) string { return string(appendPath(nil, n)) }

// appendPath appends the path of page n.
func appendPath(b []byte, n int) []byte {
	b = append(b, linkDensePrefix...)
	b = appendPadded(b, 1+n%28, 2)
	b = append(b, "/p"...)
	b = appendPadded(b, n, 6)
	return append(b, ".html"...)
}

// appendPadded appends n with leading zeros to width digits.
func appendPadded(b []byte, n, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// host returns the host page n lives on ("" for any).
func (d *LinkDense) host(n int) string {
	if len(d.hosts) == 0 {
		return ""
	}
	return d.hosts[n%len(d.hosts)]
}

// Fetches returns how many times page n was served (any query string).
func (d *LinkDense) Fetches(n int) int {
	if n < 0 || n >= d.pages {
		return 0
	}
	return int(d.counts[n].Load())
}

// Fetched returns how many distinct pages were served at least once, and
// Duplicates how many were served more than once.
func (d *LinkDense) Fetched() (fetched, duplicates int) {
	for i := range d.counts {
		switch c := d.counts[i].Load(); {
		case c > 1:
			duplicates++
			fetched++
		case c == 1:
			fetched++
		}
	}
	return fetched, duplicates
}

// OtherRequests returns how many requests were not for a page (entry
// pages, robots.txt, unknown paths).
func (d *LinkDense) OtherRequests() int64 { return d.other.Load() }

// pageOf parses a page path; ok is false for anything else.
func (d *LinkDense) pageOf(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, linkDensePrefix)
	if !ok || len(rest) != len("01/p000000.html") || rest[2] != '/' || rest[3] != 'p' || !strings.HasSuffix(rest, ".html") {
		return 0, false
	}
	n, err := strconv.Atoi(rest[4:10])
	if err != nil || n < 0 || n >= d.pages || rest[4] == '-' || rest[4] == '+' {
		return 0, false
	}
	if d.Path(n) != path {
		return 0, false
	}
	return n, true
}

// hostIndex returns which host r is for (-1 = unknown; 0 with no hosts).
func (d *LinkDense) hostIndex(r *http.Request) int {
	if len(d.hosts) == 0 {
		return 0
	}
	h := strings.ToLower(r.Host)
	for i, x := range d.hosts {
		if x == h {
			return i
		}
	}
	return -1
}

// ServeHTTP serves the link-dense site.
func (d *LinkDense) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		d.other.Add(1)
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hi := d.hostIndex(r)
	n, isPage := d.pageOf(r.URL.Path)
	if !isPage || hi < 0 || (len(d.hosts) > 0 && n%len(d.hosts) != hi) {
		d.other.Add(1)
		c := d.channel(r.URL.Path)
		switch {
		case hi >= 0 && r.URL.Path == "/robots.txt":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			writeAll(w, r, []byte("User-agent: *\nAllow: /\n"))
		case hi >= 0 && (r.URL.Path == "/" || r.URL.Path == "/index.html"):
			d.serveListing(w, r, hi, 0, linkDenseName)
		case hi >= 0 && c >= 0:
			d.serveListing(w, r, hi, c*997%d.pages, portalChannels[c].name+" - "+linkDenseName)
		default:
			http.NotFound(w, r)
		}
		return
	}
	d.counts[n].Add(1)
	buf := d.buffers.Get().(*ldBuf)
	page := d.render(buf, n)
	h := w.Header()
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	h["Content-Length"] = []string{strconv.Itoa(len(page))}
	writeAll(w, r, page)
	d.buffers.Put(buf)
}

// appendTitle appends the headline of page n.
func (d *LinkDense) appendTitle(b []byte, n int) []byte {
	b = append(b, d.titles[n%len(d.titles)]...)
	b = append(b, "（第"...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, "期）"...)
}

// target returns the page link i of page n points to, and the variant of
// the link: 0 plain, 1 exact duplicate of the previous link, 2 with
// tracking parameters, 3 with a fragment.
func (d *LinkDense) target(n, i int) (int, int) {
	N := d.pages
	switch {
	case i == 0:
		return (n + 1) % N, 0
	case i == 1:
		return (n + N - 1) % N, 0
	case i%17 == 5:
		return n, 0 // a link to the page itself
	case i%10 == 3:
		t, _ := d.target(n, i-1)
		return t, 1
	case i%10 == 6:
		t, _ := d.target(n, i-1)
		return t, 2
	case i%10 == 9:
		t, _ := d.target(n, i-1)
		return t, 3
	}
	return int((uint64(n)*7919 + uint64(i)*104729 + uint64(i*i)) % uint64(N)), 0
}

// appendHref appends the link from page n to page m.
func (d *LinkDense) appendHref(b []byte, n, m int) []byte {
	if h := d.host(m); h != d.host(n) {
		b = append(b, "//"...)
		b = append(b, h...)
	}
	return appendPath(b, m)
}

// ldBuf holds the buffers of one page render.
type ldBuf struct{ page, links []byte }

// render returns page n in the site's layout: exactly pageBytes bytes
// when the links fit. The result aliases buf.
func (d *LinkDense) render(buf *ldBuf, n int) []byte {
	if d.layout == LayoutPortal {
		return d.renderPortal(buf, n)
	}
	return d.renderArticleText(buf, n)
}

// renderArticleText renders page n in LayoutArticleText.
func (d *LinkDense) renderArticleText(buf *ldBuf, n int) []byte {
	b := append(buf.page[:0], "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>"...)
	b = d.appendTitle(b, n)
	b = append(b, " - "+linkDenseName+"</title>\n<meta property=\"article:published_time\" content=\""...)
	b = appendISOTime(b, n)
	b = append(b, "\">\n</head>\n<body>\n<h1>"...)
	b = d.appendTitle(b, n)
	b = append(b, "</h1>\n<div class=\"meta\">时间："...)
	b = appendLocalTime(b, n)
	b = append(b, " 来源："+linkDenseName+"</div>\n<div class=\"article-body\">\n"...)

	l := append(buf.links[:0], "</div>\n"...)
	l = d.appendRelated(l, n)
	l = append(l, "</body>\n</html>\n"...)

	b = d.appendParagraphs(b, n, d.pageBytes-len(b)-len(l))
	b = padTo(b, d.pageBytes-len(l), '\n')
	b = append(b, l...)
	buf.page, buf.links = b, l
	return b
}

// appendISOTime appends the publication time of page n as RFC 3339.
func appendISOTime(b []byte, n int) []byte {
	b = append(b, "2026-10-"...)
	b = appendPadded(b, 1+n%28, 2)
	b = append(b, "T08:"...)
	b = appendPadded(b, n%60, 2)
	return append(b, ":00+08:00"...)
}

// appendLocalTime appends the publication time of page n as a Chinese
// page prints it.
func appendLocalTime(b []byte, n int) []byte {
	b = append(b, "2026-10-"...)
	b = appendPadded(b, 1+n%28, 2)
	b = append(b, " 08:"...)
	return appendPadded(b, n%60, 2)
}

// appendRelated appends the related-articles block of page n: its
// LinksPerPage article links.
func (d *LinkDense) appendRelated(l []byte, n int) []byte {
	l = append(l, "<div class=\"related\"><h3>相关阅读</h3><ul>\n"...)
	for i := range d.links {
		m, variant := d.target(n, i)
		l = append(l, "<li><a href=\""...)
		l = d.appendHref(l, n, m)
		switch variant {
		case 2:
			l = append(l, "?utm_source=bench&amp;utm_medium=related"...)
		case 3:
			l = append(l, "#comments"...)
		}
		l = append(l, "\">"...)
		l = d.appendTitle(l, m)
		l = append(l, "</a></li>\n"...)
	}
	return append(l, "</ul></div>\n"...)
}

// appendParagraphs appends whole article paragraphs of page n while they
// fit in room bytes.
func (d *LinkDense) appendParagraphs(b []byte, n, room int) []byte {
	for k := 0; ; k++ {
		p := d.paras[(n*31+k*7)%len(d.paras)]
		if len(p) > room {
			return b
		}
		b = append(b, p...)
		room -= len(p)
	}
}

// padTo appends c until b is size bytes long.
func padTo(b []byte, size int, c byte) []byte {
	for len(b) < size {
		b = append(b, c)
	}
	return b
}

// baseBenchDate is the date the link-dense text speaks of.
func baseBenchDate() time.Time {
	return time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*60*60))
}
