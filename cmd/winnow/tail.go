package main

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"time"

	"winnow/sink/natsbus"
)

// errTailDone stops Follow once --limit records were written.
var errTailDone = errors.New("tail: limit reached")

// runTail follows clean articles on the bus and writes each record as one
// JSON line to stdout, flushed per line: `winnow tail [--source ID]
// [--since DURATION|RFC3339|all]`. It reads through an ephemeral ordered
// consumer, so it acknowledges nothing and leaves nothing behind.
func runTail(ctx context.Context, std stdio, args []string) error {
	const usage = "[--source ID] [--since DURATION|RFC3339|all] [--limit N] --nats-url URL"
	fs, _ := flagSet(std, "tail", usage)
	var bf busFlags
	bf.register(fs)
	src := fs.String("source", "", "only this source's articles (default: every source)")
	since := fs.String("since", "", "start this long ago (e.g. 1h), at this time (RFC 3339), or from the first stored record (all); default: new records only")
	limit := fs.Int("limit", 0, "exit after this many records (0 = follow until interrupted)")
	level := logLevelFlag(fs)
	setUsage(fs, "tail", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
	}
	start, err := parseSince(*since, time.Now())
	if err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("--limit must not be negative")
	}
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	names, err := cfg.Names()
	if err != nil {
		return err
	}
	subject := names.ArticleSubjects()
	if *src != "" {
		if subject, err = names.ArticleSubject(*src); err != nil {
			return usageError{err}
		}
	}
	log := newLogger(std.err, *level).With("role", "tail")
	conn, err := bf.connect(ctx, "tail", log)
	if err != nil {
		return err
	}
	defer conn.Close()
	w := bufio.NewWriterSize(std.out, 1<<16)
	n := 0
	err = natsbus.Follow(ctx, conn.JetStream(), subject, start, func(_ context.Context, m natsbus.Message) error {
		line := strings.TrimRight(string(m.Data), "\n")
		if _, err := w.WriteString(line + "\n"); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if n++; *limit > 0 && n >= *limit {
			return errTailDone
		}
		return nil
	})
	if errors.Is(err, errTailDone) {
		err = nil
	}
	return errors.Join(err, w.Flush())
}

// parseSince reads --since: "" (new records only: the zero time), "all"
// (from the first stored record), a duration before now, or an RFC 3339
// time.
func parseSince(s string, now time.Time) (time.Time, error) {
	switch s = strings.TrimSpace(s); s {
	case "":
		return time.Time{}, nil
	case "all":
		return time.Unix(1, 0).UTC(), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, usagef("--since %q: the duration must be positive", s)
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--since %q: want a duration (1h), an RFC 3339 time or all", s)
	}
	return t, nil
}
