// Package demosite is an offline demo news site and a generated link-dense
// benchmark site: HTTP fixtures that exercise every feature of winnow's
// crawl and content path, with an exact manifest of what they serve.
//
// The demo site, New, is a Chinese local-news portal (梧州零距离网) of about
// 160 articles generated deterministically from the vocabularies and
// sentence templates in data/ (no wall clock: dates span 2026-08..2026-11),
// plus the bundled seed article. It has a home page, paginated section
// listings, an RSS feed, a sitemap index with a Google News sitemap and a
// gzip-compressed archive sitemap, robots.txt with a disallowed /private/
// area that the site links to, and four article layouts: a modern layout
// with OpenGraph and JSON-LD, an old portal <table> layout, a TRS_Editor
// government layout and a Traditional-script layout. Pages are served in
// UTF-8, GBK and Big5, with the charset declared in the header, in <meta>,
// in both, in neither, or wrongly (UTF-8 under a stale gb2312 <meta>).
// About half of the articles carry injected spam (keyword chains in
// <title>, hidden link farms, header and footer lines, lottery lines with
// obfuscated contacts, gambling brands inside genuine sentences, keyword
// lines, Unicode evasion, Simplified spam in Traditional pages), and six
// whole gambling SEO pages sit at article URLs. Clean "trap" articles use
// words naive filters flag (彩票, 成人礼, 赌博, 博彩 …). Special paths
// answer 404, 503 then 200 (flaky), redirect in a loop, answer slowly,
// stream 12 MiB, or send a gzip bomb.
//
// Site.Manifest lists every article with its expected record fields
// (title after t2s normalization, date, authors, body) and every injected
// line, so tests assert exact counts; Site.Requests records what a crawler
// fetched and when.
//
// NewLinkDense serves N article-like pages of an exact size, each linking
// to many others (duplicates and tracking-parameter variants included),
// optionally spread over several host names, generated on the fly from the
// page number; it counts fetches per page. Pages come in two layouts:
// LayoutArticleText (nearly all article paragraphs, the heaviest case for
// extraction and hygiene) and LayoutPortal (composed like a portal's
// article page: scripts, channel bar, article, related and hot lists,
// footer).
//
// The package uses the standard library, golang.org/x/text encodings and
// winnow/sink/record (for its constants) only. Traditional text comes from
// data/hant.tsv, written by gen_hant.go with OpenCC; the tests check that
// OpenCC t2s turns every Traditional page text back into the manifest's.
//
// Caveats:
//
//   - The gzip bomb inflates to 1 GiB from about 1 MiB on the wire: DEFLATE
//     cannot compress better than about 1032:1, so "a few KB to 1 GiB" is
//     impossible in one gzip layer. It is a multi-member gzip stream, which
//     Go's gzip reader (and so net/http) inflates whole.
//   - Page text and dates are fixed, but absolute URLs (canonical links,
//     og:url, feeds, sitemaps, robots.txt) are built from the request's
//     Host header, so the bytes differ between hosts.
//   - The request log keeps the first 65,536 requests; per-path counts
//     stop growing new paths after as many distinct paths.
//   - The flaky article's failure counter is per Site, not per client; a
//     test that crawls twice calls ResetFlaky in between.
//   - The Big5 pages use the standard Big5 codes (CP950), not x/text's
//     encoder, which writes some common characters (港) as HKSCS codes.
//   - New cannot fail on input; a defect in the embedded data (only a
//     broken build) is reported by Site.Err, never a panic.
package demosite
