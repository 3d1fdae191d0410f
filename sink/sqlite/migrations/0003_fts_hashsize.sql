-- Let FTS5 hold up to 32 MB of pending index in memory before it writes
-- a segment (the default is 1 MB). The indexer adds up to 512 articles
-- per transaction; with the default, a transaction of 5 KB Chinese
-- articles flushed a small segment every few dozen articles, and the
-- merges of all those segments were most of the indexing cost. One
-- segment per transaction makes indexing about 1.6x cheaper on real
-- Chinese news text; the memory is used only while a transaction is
-- being indexed.
INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 33554432);
