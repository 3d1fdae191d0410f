package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"winnow/sink/natsbus"
)

// runAdmin dispatches `winnow admin SUBCOMMAND`.
func runAdmin(ctx context.Context, std stdio, args []string) error {
	if len(args) == 0 {
		return usagef("admin needs a subcommand: init")
	}
	switch args[0] {
	case "init":
		return runAdminInit(ctx, std, args[1:])
	case "-h", "--help", "-help":
		fmt.Fprintln(std.err, "usage: winnow admin init [--replicas N] [--sink-durables a,b] [--nats-url URL …]")
		return nil
	}
	return usagef("unknown admin subcommand %q", args[0])
}

// runAdminInit creates or updates the bus topology on an external server
// (the admin role's job): every stream and key-value bucket, the frontier
// partition consumers, the DLQ forwarder's consumer and the storage
// consumers named by --sink-durables (on ARTICLES and on OUTCOMES), so
// least-privilege roles can bind to them (--require-precreated). It is idempotent: a second run reports
// everything unchanged.
func runAdminInit(ctx context.Context, std stdio, args []string) error {
	const usage = "[--replicas N] [--sink-durables a,b] [--json] [--nats-url URL …]"
	fs, _ := flagSet(std, "admin init", usage)
	var bf busFlags
	bf.register(fs)
	durables := fs.String("sink-durables", "", "storage or downstream consumers of ARTICLES to pre-create, comma-separated")
	var cf consumerFlags
	cf.register(fs, "")
	asJSON := fs.Bool("json", false, "print the changes as JSON")
	level := logLevelFlag(fs)
	setUsage(fs, "admin init", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
	}
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	log := newLogger(std.err, *level).With("role", "admin")
	conn, err := bf.connect(ctx, "admin", log)
	if err != nil {
		return err
	}
	defer conn.Close()
	js := conn.JetStream()
	changes, err := natsbus.EnsureStreams(ctx, js, cfg)
	if err != nil {
		return err
	}
	for _, d := range splitList(*durables) {
		cf.durable = d
		cc, err := cf.config(cfg, log)
		if err != nil {
			return err
		}
		action, err := natsbus.EnsureConsumer(ctx, js, cc)
		if err != nil {
			return err
		}
		changes = append(changes, natsbus.Change{Kind: "consumer", Name: cc.Stream + "/" + d, Action: action})
		// Its outcome events (recorded by storage consumers into
		// crawl_outcomes).
		oc, err := outcomeConsumer(cfg, d, false, log)
		if err != nil {
			return err
		}
		if action, err = natsbus.EnsureEventConsumer(ctx, js, oc); err != nil {
			return err
		}
		changes = append(changes, natsbus.Change{Kind: "consumer", Name: oc.Stream + "/" + d, Action: action})
	}
	if *asJSON {
		out := make([]map[string]string, len(changes))
		for i, c := range changes {
			out[i] = map[string]string{"kind": c.Kind, "name": c.Name, "action": c.Action}
		}
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(std.out, 0, 4, 2, ' ', 0)
		for _, c := range changes {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Kind, c.Name, c.Action)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return conn.Close()
}
