package main

import (
	"context"
	"errors"
	"fmt"

	"winnow/sink/natsbus"
)

// runDLQForwarder runs the DLQ forwarder against an external server: it
// copies messages that ran out of deliveries (MAX_DELIVERIES and
// MSG_TERMINATED advisories) to dlq.<stream>.<consumer> with the reason.
// `winnow run` runs one itself.
func runDLQForwarder(ctx context.Context, std stdio, args []string) error {
	const usage = "[--metrics-addr ADDR] [--nats-url URL …] [--durable NAME]"
	fs, _ := flagSet(std, "dlq-forwarder", usage)
	var bf busFlags
	bf.register(fs)
	durable := fs.String("durable", natsbus.ConsumerDLQForwarder, "the forwarder's durable consumer on the advisories stream")
	precreated := fs.Bool("require-precreated", false, "bind to a consumer `winnow admin init` created, never create one")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics (the DLQ's size), /healthz and /readyz on this address (e.g. :9090)")
	level := logLevelFlag(fs)
	setUsage(fs, "dlq-forwarder", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
	}
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	log := newLogger(std.err, *level).With("role", "dlq-forwarder")
	conn, err := bf.connect(ctx, "dlq-forwarder", log)
	if err != nil {
		return err
	}
	defer conn.Close()
	names, err := cfg.Names()
	if err != nil {
		return err
	}
	m := newMetrics()
	stopHTTP, err := serveRoleHTTP(ctx, std, *metricsAddr, m, []readyCheck{natsReady(conn)}, log, func(ctx context.Context) (lagSample, error) {
		return pollLag(ctx, conn, cfg, lagDLQ, []consumerRef{{names.Advisories, *durable}}, nil)
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(std.err, "winnow dlq-forwarder: forwarding dead letters")
	err = natsbus.ForwardDeadLetters(ctx, conn.JetStream(), natsbus.ForwarderOptions{
		Config: cfg, Durable: *durable, RequirePrecreated: *precreated, Logger: log,
	})
	return errors.Join(err, stopHTTP(), conn.Close())
}
