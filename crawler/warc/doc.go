// Package warc archives every fetched HTTP response as a WARC 1.1 record,
// so that analysts can audit what the crawler saw and "winnow replay" can
// run the content path again without the network.
//
// A [Writer] appends records to size-rotated files named
// <prefix>-<UTC timestamp>-<serial>.warc.gz in one directory. Each record
// is its own gzip member, so [Writer.WriteResponse] returns a reference,
// "FILE#OFFSET", that [Open] resolves by seeking to OFFSET and reading one
// member; it is stored as the article record's raw_ref. [Scan] iterates
// the response records of a whole file (gzipped or plain .warc).
//
// A file starts with a warcinfo record; each response record
// (application/http;msgtype=response, with WARC-Block-Digest and
// WARC-Payload-Digest in sha1 base32) is followed by a request record
// linked to it by WARC-Concurrent-To.
//
// # Library
//
// Records are parsed and digest-checked by github.com/nlnwa/gowarc/v3,
// the WARC library of the National Library of Norway's Veidemann crawler
// (WARC 1.0/1.1, record validation, digests). The writer serializes its
// three record types itself, field for field as gowarc's record builder
// does (the tests read them back with gowarc's strict validation): the
// builder's URL re-parsing, validation and buffering cost more than
// compressing the record. Its WarcFileWriter is not used either: it writes through a pool of workers,
// keeps files named ".open" until they are closed (so a ref would not
// resolve while its file is being written), and never fsyncs a file on
// close or rotation. This package owns only the file handling: one
// current file, records compressed before the lock is taken, the offset
// of each member returned synchronously, fsync on rotation, Sync and
// Close. github.com/internetarchive/gowarc was the alternative; it is
// built around its own capturing HTTP client and dedup machinery, which
// the crawler does not need.
//
// # Bodies and headers
//
// Response.Body is the HTTP payload after de-chunking and decoding, what
// net/http hands the crawler. A Transfer-Encoding header is therefore
// stored renamed to X-Archive-Orig-Transfer-Encoding, so that no reader
// de-chunks the payload again. When the header still names a gzip or zstd
// Content-Encoding but the body is evidently decoded (no magic number; as
// colly leaves it), Content-Encoding and Content-Length are stored renamed
// with the same prefix and Content-Length is set to len(Body), so the
// record is self-consistent for other tools. Reading decodes a stored
// chunked or gzip/deflate/zstd-encoded payload (as other crawlers write
// them) and returns the header as stored.
//
// # Caveats
//
//   - The HTTP message is reconstructed from the parsed response
//     (status line, canonicalized headers in sorted order, payload); the
//     bytes on the wire are not available through net/http.
//   - A file being written is a valid WARC up to its last complete member,
//     but a reader cannot tell it is still growing; only Close (or
//     rotation) marks the end, by syncing it and opening the next file.
//   - Open and Scan buffer one payload in memory (larger than 32 MiB, in a
//     temporary file) and refuse decoded payloads over MaxPayload.
//   - The request record holds the method, the request-target and Host:
//     Response carries no request header.
//   - Brotli-encoded payloads (from other tools' WARCs) are not decoded;
//     reading them fails with ErrUnsupportedEncoding.
package warc
