package main

import (
	"context"
	"encoding/json"
	"fmt"

	"winnow/crawler/source"
)

// runSources dispatches `winnow sources SUBCOMMAND`.
func runSources(ctx context.Context, std stdio, args []string) error {
	if len(args) == 0 {
		return usagef("sources needs a subcommand: check DIR | list | status [ID] | pause ID | resume ID | run ID")
	}
	switch args[0] {
	case "check":
		return runSourcesCheck(std, args[1:])
	}
	return usagef("unknown sources subcommand %q", args[0])
}

// runSourcesCheck validates a sources directory and prints one line per
// source (or JSON with --json); any invalid file fails with every error
// named by file, line and field.
func runSourcesCheck(std stdio, args []string) error {
	fs, _ := flagSet(std, "sources check", "[--json] DIR")
	asJSON := fs.Bool("json", false, "print the sources as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("sources check needs exactly one DIR")
	}
	srcs, err := source.LoadDir(fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		return enc.Encode(srcs)
	}
	if err := source.WriteSummary(std.out, srcs); err != nil {
		return err
	}
	_, err = fmt.Fprintf(std.out, "%d sources OK\n", len(srcs))
	return err
}
