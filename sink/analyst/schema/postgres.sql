-- winnow analyst tables (PostgreSQL). Idempotent: applied on every open.

-- Crawl outcomes per source, UTC day, kind and reason (counts are added
-- by RecordOutcomes, never replaced).
CREATE TABLE IF NOT EXISTS crawl_outcomes (
    source text   NOT NULL,  -- source id
    day    text   NOT NULL,  -- YYYY-MM-DD, UTC
    kind   text   NOT NULL,  -- handled, not_article, failed or skipped
    reason text   NOT NULL,  -- handled, robots, http_404 …
    count  bigint NOT NULL,
    PRIMARY KEY (source, day, kind, reason)
);
CREATE INDEX IF NOT EXISTS crawl_outcomes_day ON crawl_outcomes (day);
