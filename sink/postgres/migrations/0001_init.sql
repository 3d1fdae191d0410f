-- winnow PostgreSQL store, schema 1: the same tables as the SQLite store,
-- with native types. Analysts may query these tables directly.

-- One row per article: the latest stored version of each record id.
CREATE TABLE articles (
    id                  text PRIMARY KEY,       -- record id (32 hex digits)
    schema_version      integer NOT NULL,
    url                 text NOT NULL,
    canonical_url       text NOT NULL,
    source              text NOT NULL,          -- source id, '' for ad-hoc input
    site_name           text NOT NULL,
    section             text NOT NULL,
    title               text NOT NULL,
    subtitle            text NOT NULL,
    authors             jsonb NOT NULL,         -- array of names
    editor              text NOT NULL,
    origin              text NOT NULL,
    published_at        timestamptz,            -- NULL if unknown (record->>'published_at' keeps the source offset)
    published_precision text NOT NULL,
    fetched_at          timestamptz,            -- NULL for ad-hoc input
    lang                text NOT NULL,
    script_in           text NOT NULL,
    script_out          text NOT NULL,
    body                text NOT NULL,
    content_hash        text NOT NULL,
    hygiene_verdict     text NOT NULL,          -- clean, cleaned or spam_page
    rules_version       text NOT NULL,
    removed_count       integer NOT NULL,       -- rows in removals for this article
    normalization       jsonb NOT NULL,         -- e.g. {"opencc": "t2s"}
    raw_ref             text NOT NULL,          -- WARC file#offset
    stored_at           timestamptz NOT NULL,   -- when this version was written
    record              jsonb NOT NULL,         -- the record with "body": "" (the body is the body column;
                                                -- jsonb_set(record, '{body}', to_jsonb(body)) is the whole record)
    search              tsvector NOT NULL       -- title (weight A) and body as CJK bigrams and words
);
CREATE INDEX articles_source_published ON articles (source, published_at);
CREATE INDEX articles_published ON articles (published_at);
CREATE INDEX articles_verdict ON articles (hygiene_verdict, stored_at);
CREATE INDEX articles_stored_at ON articles (stored_at);
-- A long pending list makes GIN insertion of ~2,000 bigrams per article
-- several times cheaper (merged in bulk by autovacuum or when full), at
-- the cost of scanning up to 32 MB of it per search.
CREATE INDEX articles_search ON articles USING gin (search) WITH (gin_pending_list_limit = 32768);

-- One row per removal of the stored version, in page order.
CREATE TABLE removals (
    article_id text NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   integer NOT NULL,     -- index in hygiene.removed, from 0
    text       text NOT NULL,        -- exactly as in the input
    kind       text NOT NULL,        -- spam, ad or boilerplate
    rule       text NOT NULL,        -- e.g. spam.keyword_chain
    scope      text NOT NULL,        -- line or span
    field      text NOT NULL,        -- title, body or page
    reason     text NOT NULL,
    source     text NOT NULL,        -- the article's source
    stored_at  timestamptz NOT NULL, -- the article's stored_at
    PRIMARY KEY (article_id, position)
);
CREATE INDEX removals_rule ON removals (rule, stored_at);
CREATE INDEX removals_kind ON removals (kind, stored_at);
CREATE INDEX removals_source ON removals (source, stored_at);
CREATE INDEX removals_stored_at ON removals (stored_at);
