// Package source describes news sources: one YAML file per source (plus an
// optional defaults file), decoded strictly and validated on load with
// errors that name the file, line and field, for example
//
//	sources/wuzhou.yaml:12: politeness.min_delay: "fast" is not a duration
//
// # Loading
//
// [LoadDir] reads every *.yaml and *.yml file of a directory. A file named
// defaults.yaml (or _defaults.yaml) is not a source: its values are laid
// under every source, and whatever a source file writes itself wins. The
// overlay is field by field for mappings (a source that sets only
// politeness.min_delay keeps the default politeness.concurrency) and whole
// for lists (a source's scope.deny replaces the default list). [LoadFile]
// and [Parse] read one source. Every error of a file is reported, joined
// with [errors.Join]; each is a [*FieldError] wrapping [ErrInvalid].
//
// # Effective values
//
// Zero values in a Source mean documented defaults (MinDelay 0 means 1s,
// Concurrency 0 means 1 …). The engine reads them only through the methods
// of this package ([Politeness.Delay], [Fetch.Timeouts], [Scope.InScope] …),
// so each default lives in one place.
//
// # Caveats
//
//   - A Source built in Go rather than parsed must be passed to
//     [Source.Validate] before use: it compiles the scope's patterns and the
//     cron expression. Methods on an unvalidated source still work but
//     compile patterns on every call, and a scope without Hosts then
//     matches no host (the seeds' hosts are derived by Validate).
//   - Timezone names are resolved with [time.LoadLocation], which needs the
//     IANA database on the host or the time/tzdata package linked into the
//     binary; the default zone, Asia/Shanghai, falls back to a fixed UTC+8.
//   - "*.example.com" matches sub-domains only; list "example.com" as well
//     to include the apex.
//   - Scope patterns (article_pattern, deny) are Go regular expressions
//     (RE2) matched against the escaped URL path, and against path?query
//     when the URL has a query.
//   - The package never reads environment variables; overriding values at
//     run time is the command's business.
package source
