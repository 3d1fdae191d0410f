-- winnow analyst tables (SQLite). Idempotent: applied on every open.

-- Crawl outcomes per source, UTC day, kind and reason (counts are added
-- by RecordOutcomes, never replaced).
CREATE TABLE IF NOT EXISTS crawl_outcomes (
    source TEXT    NOT NULL,  -- source id
    day    TEXT    NOT NULL,  -- YYYY-MM-DD, UTC
    kind   TEXT    NOT NULL,  -- handled, not_article, failed or skipped
    reason TEXT    NOT NULL,  -- handled, robots, http_404 …
    count  INTEGER NOT NULL,
    PRIMARY KEY (source, day, kind, reason)
);
CREATE INDEX IF NOT EXISTS crawl_outcomes_day ON crawl_outcomes (day);
