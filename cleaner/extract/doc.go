// Package extract turns page bytes into an article draft: charset
// decoding, one HTML parse, metadata, and the main content's paragraphs.
// It is the only importer of goquery.
// Pure: (url, bytes, content-type) in, draft out; no network, no files,
// no logging.
//
// # Charsets
//
// A byte order mark decides first, then a forced label (Input.Charset),
// then the HTTP Content-Type charset, then UTF-8 validity (bytes that are
// valid UTF-8 are UTF-8 whatever a <meta> says), then <meta charset> or
// <meta http-equiv> in the first 16 KiB, then a statistical detector
// (saintfish/chardet), and finally GB18030. GB2312 and GBK are decoded as
// GB18030 and Big5 with the WHATWG table (which includes HKSCS), the
// widest decoders x/text has. Input.Decoded text is never re-decoded.
// Invalid bytes become U+FFFD: output is always valid UTF-8.
//
// # HTML
//
// The decoded page is parsed once into an x/net/html tree. goquery reads
// the page-level metadata from that tree (<html lang>, <title>, <meta>,
// JSON-LD, <link rel=canonical>: one goquery.Matcher pass, no second parse), and
// one walk turns the body into a flat element table with text statistics (characters, link
// characters, commas including ，、。, paragraphs, images, inputs) and into
// chunks: runs of inline text between block boundaries and <br>s, the
// paragraph candidates. Everything after that works on the table:
//
//   - chrome tags (nav, aside, footer, header, form …), hidden elements
//     (display:none, visibility:hidden, the hidden attribute, hiding
//     classes) and unlikely candidates by id/class (comments, share bars,
//     related lists, ads) are excluded; their text is kept as segments
//     (RoleChrome, RoleHidden) for the hygiene stage;
//   - the content container is a known article-body name
//     (itemprop=articleBody, article-body, post-content, TRS_Editor,
//     endText, rich_media_content …) when it passes sanity checks, else
//     the winner of readability-style density scoring with link density
//     counted in characters, merged with its good siblings;
//   - inside the container, junk is removed bottom-up: share bars,
//     related and comment blocks, captions, teaser cards, link lists,
//     ad labels, link-only paragraphs;
//   - the title repeated at the top, bylines (zhmeta.ParseByline) near
//     the title, at the start of the lead and at the end of the body are
//     consumed as metadata.
//
// Metadata comes from JSON-LD, OpenGraph and <meta> first, then <time>,
// the title candidates (<h1>, og:title, <title> split by
// zhmeta.SplitTitle), the Chinese byline, the breadcrumb and the URL.
// Listing pages are refused with ErrNotArticle and the evidence.
//
// # Plain text
//
// Lines go to zhmeta.AnalyzeText, which finds title, subtitle,
// breadcrumb, byline, preamble, body and trailer.
//
// # Caveats
//
//   - Text and dates that only JavaScript renders (WeChat's publish
//     time, client-side pages) are not seen.
//   - Before parsing, a byte scan drops the contents of <script> (except
//     JSON-LD), <style> and <svg>, all comments, and the attributes
//     nothing reads (src, data-*, on* …: see keptAttrs); a literal
//     "<script" inside an attribute value can make it drop more than the
//     browser would.
//   - The parse has two paths with one result. A fast tree builder
//     (quickParse) reads pages without tables, templates, objects,
//     foreign content or misnested formatting elements, building exactly
//     the tree html.Parse builds (a differential fuzz test holds them
//     equal); it hands every other page to html.Parse. On the
//     ScrapingHub and zh-news-dev pages it reads 186 of 208; tables are
//     the usual reason to fall back.
//   - Documents nested deeper than the HTML parser allows (512 open
//     elements) are read with the tokenizer as plain text.
//   - Image captions, "related" lists, teaser cards and paragraphs that
//     are only a link are dropped from the body; a story told only in
//     captions loses them.
//   - A line break between two CJK characters inside one text node is
//     dropped (wrapped source lines); elsewhere whitespace becomes one
//     space. Punctuation is never changed.
//   - Title candidates are ordered by agreement and source, not judged:
//     a spam <title> is only outranked by an <h1> or og:title; the
//     hygiene stage rejects spam candidates.
//   - Lang is "zh" when Han characters dominate; other languages only
//     come from <html lang>.
//   - Unknown charset labels in a header or <meta> are ignored (as
//     browsers do); only a forced unknown label is an error.
package extract
