-- winnow SQLite store, schema 1. Analysts may query these tables directly.

-- One row per article: the latest stored version of each record id.
CREATE TABLE articles (
    id                  TEXT PRIMARY KEY,  -- record id (32 hex digits)
    schema_version      INTEGER NOT NULL,
    url                 TEXT NOT NULL,
    canonical_url       TEXT NOT NULL,
    source              TEXT NOT NULL,     -- source id, '' for ad-hoc input
    site_name           TEXT NOT NULL,
    section             TEXT NOT NULL,
    title               TEXT NOT NULL,
    subtitle            TEXT NOT NULL,
    authors             TEXT NOT NULL,     -- JSON array of names
    editor              TEXT NOT NULL,
    origin              TEXT NOT NULL,
    published_at        TEXT NOT NULL,     -- RFC 3339 with the source's offset, '' if unknown
    published_utc       TEXT,              -- the same instant as YYYY-MM-DDTHH:MM:SSZ (sortable), NULL if unknown
    published_precision TEXT NOT NULL,
    fetched_at          TEXT NOT NULL,     -- RFC 3339, '' for ad-hoc input
    lang                TEXT NOT NULL,
    script_in           TEXT NOT NULL,
    script_out          TEXT NOT NULL,
    body                TEXT NOT NULL,
    content_hash        TEXT NOT NULL,
    hygiene_verdict     TEXT NOT NULL,     -- clean, cleaned or spam_page
    rules_version       TEXT NOT NULL,
    removed_count       INTEGER NOT NULL,  -- rows in removals for this article
    normalization       TEXT NOT NULL,     -- JSON object, e.g. {"opencc":"t2s"}
    raw_ref             TEXT NOT NULL,     -- WARC file#offset
    stored_at           TEXT NOT NULL,     -- UTC, when this version was written
    record              TEXT NOT NULL      -- the record as JSON with "body": "" (the body is the
                                           -- body column; json_set(record, '$.body', body) is the whole record)
);
CREATE INDEX articles_source_published ON articles (source, published_utc);
CREATE INDEX articles_published ON articles (published_utc);
CREATE INDEX articles_verdict ON articles (hygiene_verdict, stored_at);
CREATE INDEX articles_stored_at ON articles (stored_at);

-- One row per removal of the stored version, in page order.
CREATE TABLE removals (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,  -- index in hygiene.removed, from 0
    text       TEXT NOT NULL,     -- exactly as in the input
    kind       TEXT NOT NULL,     -- spam, ad or boilerplate
    rule       TEXT NOT NULL,     -- e.g. spam.keyword_chain
    scope      TEXT NOT NULL,     -- line or span
    field      TEXT NOT NULL,     -- title, body or page
    reason     TEXT NOT NULL,
    source     TEXT NOT NULL,     -- the article's source
    stored_at  TEXT NOT NULL,     -- the article's stored_at
    PRIMARY KEY (article_id, position)
);
CREATE INDEX removals_rule ON removals (rule, stored_at);
CREATE INDEX removals_kind ON removals (kind, stored_at);
CREATE INDEX removals_source ON removals (source, stored_at);
CREATE INDEX removals_stored_at ON removals (stored_at);

-- Search index: title (with subtitle) and body as space-separated CJK
-- bigrams and latin words (see winnow/sink/internal/bigram); rowid is
-- articles.rowid. Contentless: the text lives in articles. The tokens are
-- already folded and split, so the plain ascii tokenizer (spaces split,
-- every non-ASCII byte is a token byte) indexes them as they are.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'ascii'
);

-- Articles written but not yet in articles_fts, oldest first. A write
-- adds its article here in the same transaction; the indexer moves it to
-- articles_fts later (an article is in exactly one of the two).
CREATE TABLE search_pending (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    article_rowid INTEGER NOT NULL UNIQUE
);
