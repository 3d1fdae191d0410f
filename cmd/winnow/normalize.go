package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"winnow/cleaner/normalize"
)

// runNormalize converts stdin to stdout line by line with the same
// converter the content path uses: the output is byte-identical to the
// pipeline's for Chinese text. (The pipeline leaves documents it detects
// as Japanese or Korean unconverted; a line has no document language, so
// this command always converts.)
func runNormalize(ctx context.Context, std stdio, args []string) error {
	fs, _ := flagSet(std, "normalize", "[--script CFG] < in > out")
	script := fs.String("script", normalize.Default, "OpenCC configuration: "+fmt.Sprint(normalize.Configs()))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("normalize reads stdin; unexpected argument %q", fs.Arg(0))
	}
	conv, err := normalize.New(*script)
	if err != nil {
		return usageError{err}
	}
	br := bufio.NewReaderSize(std.in, 1<<16)
	bw := bufio.NewWriterSize(std.out, 1<<16)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			eol := ""
			if line[len(line)-1] == '\n' {
				line, eol = line[:len(line)-1], "\n"
			}
			if _, werr := bw.WriteString(conv.Convert(line) + eol); werr != nil {
				return werr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return bw.Flush()
			}
			return fmt.Errorf("read stdin: %w", err)
		}
	}
}
