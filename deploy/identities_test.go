// Package deploy_test validates the deployment files of winnow (Dockerfile,
// compose.yaml, Kubernetes manifests, the NATS Helm values, nats-server
// configs and systemd units) against each other and against the code they
// deploy: the NATS permissions come from natsbus.Permissions, the commands
// and flags from the winnow command line.
//
// It also holds two generators, run as tests:
//
//	go test ./deploy -run TestNATSAccounts -count=1 -update        # rewrite nats/accounts.conf
//	go test ./deploy -run TestSecrets -count=1 -secrets=secrets    # passwords, hashes, TLS into deploy/secrets/
//
// Caveats: the files are checked for structure and consistency, not run:
// there is no Docker engine or Kubernetes API here. The nats-server config
// is the exception: TestNATSCluster starts the configured 3-node cluster
// in-process and runs every role against it.
package deploy_test

import (
	"slices"
	"strings"

	"winnow/sink/natsbus"
)

// natsUser is one NATS identity of the deployment.
type natsUser struct {
	// Name is the user name; the user's inbox prefix is inboxPrefix(Name)
	// and its password file <Name>.password.
	Name string
	// Role is the natsbus role whose permissions the user gets.
	Role string
	// Durables are the role's durable consumers (sink, dlq-forwarder), or
	// for the read-only roles the durables they must not touch.
	Durables []string
	// Purpose is the comment written above its permissions.
	Purpose string
}

// sinkDurables are the durable consumers of ARTICLES that
// `winnow admin init --sink-durables` creates: one per storage consumer and
// per downstream service. Every process sharing a durable shares its work.
var sinkDurables = []string{"sink-postgres", "sink-sqlite", "downstream"}

// natsUsers are the users of the WINNOW account, in the order of
// accounts.conf.
func natsUsers() []natsUser {
	return []natsUser{
		{Name: "admin", Role: natsbus.RoleAdmin, Purpose: "winnow admin init: creates and updates streams, buckets and consumers."},
		{Name: "crawler", Role: natsbus.RoleCrawler, Purpose: "winnow worker: frontier partitions, crawl state, publishes ARTICLES and AUDIT."},
		{Name: "scheduler", Role: natsbus.RoleCrawler, Purpose: "winnow scheduler: the crawler's permissions (source leases and state in KV, frontier)."},
		{Name: "sink-postgres", Role: natsbus.RoleSink, Durables: []string{"sink-postgres"}, Purpose: "winnow sink postgres --durable sink-postgres."},
		{Name: "sink-sqlite", Role: natsbus.RoleSink, Durables: []string{"sink-sqlite"}, Purpose: "winnow sink sqlite --durable sink-sqlite."},
		{Name: "downstream", Role: natsbus.RoleSink, Durables: []string{"downstream"}, Purpose: "a downstream service reading clean articles on its own durable consumer \"downstream\"."},
		{Name: "dlq-forwarder", Role: natsbus.RoleForwarder, Durables: []string{natsbus.ConsumerDLQForwarder}, Purpose: "winnow dlq-forwarder: copies dead letters named by advisories to DLQ."},
		{Name: "tail", Role: natsbus.RoleTail, Durables: sinkDurables, Purpose: "winnow tail: read-only ARTICLES through ordered consumers; the sinks' durables are denied."},
		{Name: "analyst", Role: natsbus.RoleAnalyst, Purpose: "winnow serve and analysts: read-only AUDIT and DLQ through ordered consumers."},
	}
}

// sysUser is the only user of the system account (server monitoring and
// cluster operations such as `nats server raft peer-remove`); winnow never
// uses it.
const sysUser = "sys"

// natsUserByName returns the user called name.
func natsUserByName(name string) (natsUser, bool) {
	i := slices.IndexFunc(natsUsers(), func(u natsUser) bool { return u.Name == name })
	if i < 0 {
		return natsUser{}, false
	}
	return natsUsers()[i], true
}

// inboxPrefix is the inbox prefix of a user (--nats-inbox-prefix).
func inboxPrefix(user string) string { return "_INBOX_" + user }

// confVar turns a user name into the suffix of its config variables:
// sink-postgres -> SINK_POSTGRES.
func confVar(user string) string {
	return strings.ToUpper(strings.ReplaceAll(user, "-", "_"))
}

// roleOfCommand is the natsbus role a winnow subcommand runs as, "" for
// commands that do not use NATS in a deployment.
func roleOfCommand(cmd string) string {
	switch {
	case cmd == "admin init":
		return natsbus.RoleAdmin
	case cmd == "worker", cmd == "scheduler":
		return natsbus.RoleCrawler
	case strings.HasPrefix(cmd, "sink "):
		return natsbus.RoleSink
	case cmd == "dlq-forwarder":
		return natsbus.RoleForwarder
	case cmd == "tail":
		return natsbus.RoleTail
	case cmd == "serve":
		return natsbus.RoleAnalyst
	}
	return ""
}
