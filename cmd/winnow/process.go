package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"winnow/cleaner"
	"winnow/cleaner/extract"
	"winnow/cleaner/hygiene"
	"winnow/cleaner/normalize"
)

// contentFlags are the content-path flags shared by process, crawl and
// replay.
type contentFlags struct {
	script   string
	rules    string
	maxBytes int64
	timezone string
}

func (f *contentFlags) register(fs interface {
	StringVar(*string, string, string, string)
	Int64Var(*int64, string, int64, string)
}) {
	fs.StringVar(&f.script, "script", normalize.Default, "OpenCC configuration for the output script, or none")
	fs.StringVar(&f.rules, "rules", "", "hygiene rules override file(s), comma-separated, applied over the embedded default")
	fs.Int64Var(&f.maxBytes, "max-bytes", 16<<20, "largest accepted input in bytes")
	fs.StringVar(&f.timezone, "timezone", "Asia/Shanghai", "time zone of dates that carry none")
}

// newCleaner builds the content path from the flags; its errors are
// usage errors when they come from a bad flag value.
func (f *contentFlags) newCleaner() (*cleaner.Cleaner, error) {
	conv, err := normalize.New(f.script)
	if err != nil {
		return nil, usageError{err}
	}
	loc, err := time.LoadLocation(f.timezone)
	if err != nil {
		return nil, usagef("--timezone: %v", err)
	}
	if f.maxBytes <= 0 {
		return nil, usagef("--max-bytes must be positive")
	}
	var rules *hygiene.Ruleset
	if f.rules != "" {
		if rules, err = hygiene.LoadRules(splitList(f.rules)...); err != nil {
			return nil, err
		}
	}
	return cleaner.New(cleaner.Options{Converter: conv, Rules: rules, MaxBytes: f.maxBytes, Location: loc})
}

func runProcess(ctx context.Context, std stdio, args []string) error {
	fs, _ := flagSet(std, "process", "[--url U] [--format auto|html|text] [--script CFG] [--jsonl] [FILE]")
	var cf contentFlags
	cf.register(fs)
	url := fs.String("url", "", "URL the document was fetched from (canonical URL, id, date from path)")
	format := fs.String("format", "auto", "input format: auto, html or text")
	charset := fs.String("charset", "", "force a charset label instead of detecting it")
	jsonl := fs.Bool("jsonl", false, `stream mode: JSON lines {"id","url","html"} or {"id","text"} on stdin, one record line out per line`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmtv, err := parseFormat(*format)
	if err != nil {
		return err
	}
	if *jsonl && fs.NArg() > 0 {
		return usagef("--jsonl reads stdin; no FILE argument")
	}
	if fs.NArg() > 1 {
		return usagef("one FILE at most")
	}
	cl, err := cf.newCleaner()
	if err != nil {
		return err
	}
	if *jsonl {
		if _, set := os.LookupEnv("GOGC"); !set {
			// A stream holds one document at a time over a large, fixed
			// live heap (dictionaries, rules): collecting less often
			// saves about a tenth of the CPU for a few tens of MB.
			debug.SetGCPercent(streamGCPercent)
		}
		return processStream(ctx, cl, cf.maxBytes, std.in, std.out)
	}
	in := std.in
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	body, err := readLimited(in, cf.maxBytes)
	if err != nil {
		return err
	}
	a, err := cl.Clean(ctx, cleaner.Input{URL: *url, Body: body, Format: fmtv, Charset: *charset})
	if err != nil {
		return err
	}
	return writeJSONLine(std.out, a)
}

func parseFormat(s string) (extract.Format, error) {
	switch s {
	case "auto", "":
		return extract.FormatAuto, nil
	case "html":
		return extract.FormatHTML, nil
	case "text":
		return extract.FormatText, nil
	}
	return 0, usagef("--format must be auto, html or text, not %q", s)
}

// readLimited reads all of r, failing clearly past limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes (raise --max-bytes)", extract.ErrTooLarge, limit)
	}
	return data, nil
}

// streamGCPercent is the GC target of `process --jsonl` unless GOGC is
// set.
const streamGCPercent = 400

// streamInput is one line of `process --jsonl` input.
type streamInput struct {
	ID   string  `json:"id"`
	URL  string  `json:"url"`
	HTML *string `json:"html"`
	Text *string `json:"text"`
}

// streamError is the output line for an input line that failed.
type streamError struct {
	InputID string `json:"input_id"`
	Error   string `json:"error"`
}

// processStream implements `process --jsonl`: one record line per input
// line, in order, flushed after each; a bad line yields an error line and
// the stream goes on.
func processStream(ctx context.Context, cl *cleaner.Cleaner, maxBytes int64, r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 1<<20)
	bw := bufio.NewWriter(w)
	// One line is handled at a time: its buffers are reused, and a line
	// that fits in br is read in place.
	var sl streamLine
	var long []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := readLine(br, maxBytes*2+4096, &long)
		if len(bytes.TrimSpace(line)) > 0 || tooLong {
			out := processLine(ctx, cl, &sl, line, tooLong)
			if werr := writeJSONLine(bw, out); werr != nil {
				return werr
			}
			if werr := bw.Flush(); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
}

// processLine handles one input line; in is its decoding scratch.
func processLine(ctx context.Context, cl *cleaner.Cleaner, in *streamLine, line []byte, tooLong bool) any {
	if tooLong {
		return streamError{Error: "line too long (raise --max-bytes)"}
	}
	if err := in.decode(line); err != nil {
		return streamError{Error: "bad JSON line: " + err.Error()}
	}
	input := cleaner.Input{URL: in.URL, Decoded: true}
	switch {
	case in.HTML != nil:
		input.Body, input.Format = in.HTML, extract.FormatHTML
	case in.Text != nil:
		input.Body, input.Format = in.Text, extract.FormatText
	default:
		return streamError{InputID: in.ID, Error: `line has neither "html" nor "text"`}
	}
	a, err := cl.Clean(ctx, input)
	if err != nil {
		return streamError{InputID: in.ID, Error: err.Error()}
	}
	a.InputID = in.ID
	return a
}

// readLine reads one '\n'-terminated line. A line that fits in br's
// buffer is returned in place (valid until the next read); a longer one
// is gathered in *buf, which is kept for the next. Past max bytes it
// discards the rest of the line and reports tooLong.
func readLine(br *bufio.Reader, max int64, buf *[]byte) (line []byte, tooLong bool, err error) {
	chunk, err := br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		if int64(len(chunk)) > max {
			return nil, true, err
		}
		return chunk, false, err
	}
	line = (*buf)[:0]
	defer func() { *buf = line[:0] }()
	for {
		if int64(len(line)+len(chunk)) > max {
			tooLong = true
			line = line[:0]
		} else {
			line = append(line, chunk...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, tooLong, err
		}
		chunk, err = br.ReadSlice('\n')
	}
}

func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func splitList(s string) []string {
	var out []string
	for _, p := range bytes.Split([]byte(s), []byte(",")) {
		if t := string(bytes.TrimSpace(p)); t != "" {
			out = append(out, t)
		}
	}
	return out
}
