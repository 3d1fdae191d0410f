package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"unicode"

	"winnow/cleaner/normalize"
	"winnow/sink"
)

// runSearch searches the stored articles: `winnow search [--json]
// [--limit N] [--postgres DSN] QUERY`. The query is converted to
// Simplified script first (records are stored normalized), so 政法 and
// 政法 written in Traditional find the same articles.
func runSearch(ctx context.Context, std stdio, args []string) error {
	const usage = "[--json] [--limit N] [--include-spam] [--postgres DSN] QUERY"
	fs, dataDir := flagSet(std, "search", usage)
	var sf storeFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print the hits as JSON lines")
	limit := fs.Int("limit", 20, "most hits to print")
	spam := fs.Bool("include-spam", false, "also find pages judged whole spam pages")
	script := fs.String("script", normalize.Default, "OpenCC configuration the query is converted with (as the records were), or none")
	setUsage(fs, "search", usage)
	if err := parseFlagsEnv(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("search needs a QUERY")
	}
	if *limit < 1 {
		return usagef("--limit must be positive")
	}
	conv, err := normalize.New(*script)
	if err != nil {
		return usageError{err}
	}
	q := conv.Convert(strings.Join(fs.Args(), " "))
	kind := storeSQLite
	if sf.postgres != "" {
		kind = storePostgres
	} else if _, err := os.Stat(filepath.Join(*dataDir, "winnow.db")); err != nil {
		return fmt.Errorf("no store in %s (winnow run or winnow sink sqlite fills it): %w", *dataDir, err)
	}
	store, err := openStore(ctx, kind, *dataDir, sf, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer store.Close()
	hits, err := store.Search(ctx, q, sink.SearchOptions{Limit: *limit, IncludeSpam: *spam})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(std.out)
		enc.SetEscapeHTML(false)
		for _, h := range hits {
			if err := enc.Encode(h); err != nil {
				return err
			}
		}
	} else if err := printHits(std.out, q, hits); err != nil {
		return err
	}
	return store.Close()
}

// printHits prints hits for people: rank, date, source, title, then the
// snippet indented.
func printHits(w io.Writer, q string, hits []sink.Hit) error {
	if len(hits) == 0 {
		_, err := fmt.Fprintf(w, "no articles match %q\n", q)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, h := range hits {
		date := h.PublishedAt
		if len(date) > 10 {
			date = date[:10]
		}
		fmt.Fprintf(tw, "%d.\t%s\t%s\t%s\t%s\n", i+1, printable(date), printable(h.Source), printable(h.Title), h.ID)
		fmt.Fprintf(tw, "\t\t\t%s\t\n", printable(h.Snippet))
	}
	return tw.Flush()
}

// printable replaces control characters (page text is hostile: no
// terminal escapes) and tabs with spaces.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
