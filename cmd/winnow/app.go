package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
)

// stdio is the process's standard streams, injected for tests.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	usage   string // arguments after the name
	summary string
	run     func(ctx context.Context, std stdio, args []string) error
}

// usageError marks bad usage (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func commands() []command {
	return []command{
		{"process", "[--url U] [--format auto|html|text] [--script CFG] [--jsonl] [FILE]", "one document -> one article record (JSON line)", runProcess},
		{"normalize", "[--script CFG]", "convert text on stdin to the target script, line by line", runNormalize},
		{"sources", "check DIR | list | status [ID] | pause ID | resume ID | run ID", "validate, list and control configured sources", runSources},
		{"crawl", "[--out FILE] [--summary FILE] SOURCE_FILE...", "one-off crawl of sources, records as JSON lines", runCrawl},
		{"demo", "[--out FILE] [--summary FILE]", "serve the demo site and crawl it, in one command", runDemo},
		{"demo-site", "--addr 127.0.0.1:PORT", "serve the bundled offline demo news site", runDemoSite},
		{"run", "[--sources DIR] [--demo] [--until-idle] [--listen ADDR] [--nats-url …] [--postgres DSN]", "everything in one process: NATS, scheduler, crawl workers, storage (SQLite by default), web page", runRun},
		{"worker", "--sources DIR [--workers N] [--metrics-addr ADDR] [--seed] --nats-url URL", "crawler only, on the shared JetStream frontier (scale-out role)", runWorker},
		{"scheduler", "--sources DIR [--metrics-addr ADDR] --nats-url URL", "fires sources on their schedules into the frontier; leases in crawl_state (scale-out role)", runScheduler},
		{"sink", "sqlite|postgres|jsonl [--durable NAME] --nats-url URL", "one storage consumer of ARTICLES (scale-out role)", runSink},
		{"dlq-forwarder", "--nats-url URL", "copy messages out of deliveries to the DLQ stream (scale-out role)", runDLQForwarder},
		{"admin", "init [--replicas N] [--sink-durables a,b] --nats-url URL", "create or update streams, buckets and consumers (idempotent)", runAdmin},
		{"tail", "[--source ID] [--since DURATION|RFC3339|all] --nats-url URL", "follow clean articles on the bus as JSON lines", runTail},
		{"search", "[--json] [--limit N] [--postgres DSN] QUERY", "full-text search of the stored articles", runSearch},
		{"audit", "removals|stats|show ID|allow ID POS [--format table|json|csv]", "audit what hygiene removed and why; mark false positives", runAudit},
		{"serve", "[--listen ADDR] [--token-file FILE] [--postgres DSN] [--rules FILE]", "the analyst web page (dashboard, removals, articles, search) with /metrics, /healthz, /readyz", runServe},
		{"replay", "[--rules FILE] [--source ID] [--since DATE] [--publish] [WARC...]", "re-run the content path over archived responses and show what changes", runReplay},
		{"help", "[COMMAND]", "list commands, or show one command's flags", nil},
	}
}

// run dispatches args to a subcommand and maps its error to an exit code:
// 0 success, 1 failure, 2 bad usage.
func run(ctx context.Context, args []string, std stdio) int {
	cmds := commands()
	if len(args) == 0 {
		printUsage(std.err, cmds)
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(rest) > 0 {
			for _, c := range cmds {
				if c.name == rest[0] && c.run != nil {
					_ = c.run(ctx, stdio{in: strings.NewReader(""), out: std.out, err: std.out}, []string{"-h"})
					return 0
				}
			}
			fmt.Fprintf(std.err, "winnow: unknown command %q\n", rest[0])
			return 2
		}
		printUsage(std.out, cmds)
		return 0
	}
	for _, c := range cmds {
		if c.name != name || c.run == nil {
			continue
		}
		err := c.run(ctx, std, rest)
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(std.err, "winnow %s: %v\n", name, err)
			return 2
		default:
			fmt.Fprintf(std.err, "winnow %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(std.err, "winnow: unknown command %q (winnow help lists them)\n", name)
	return 2
}

func printUsage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "winnow — article ingestion and content hygiene for news sites")
	fmt.Fprintln(w, "\nusage: winnow COMMAND [flags] [args]\n\ncommands:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, c.usage, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nEvery command takes --data DIR (default ./winnow-data). Exit status: 0 ok, 1 failure, 2 bad usage.")
}

// flagSet returns a flag set for a subcommand that reports errors (and
// -h) through its return value, plus the common --data flag.
func flagSet(std stdio, name, usage string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("winnow "+name, flag.ContinueOnError)
	fs.SetOutput(std.err)
	data := fs.String("data", "./winnow-data", "data directory (JetStream store, SQLite store, WARC files)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: winnow %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs, data
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// newLogger returns the JSON logger commands use on stderr.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
