package natsbus

import (
	"fmt"
	"slices"
)

// Roles of a scaled-out deployment, each with its own NATS identity.
const (
	RoleAdmin     = "admin"         // creates streams, buckets and consumers (EnsureStreams)
	RoleCrawler   = "crawler"       // frontier worker and scheduler: Frontier, State, Publisher
	RoleSink      = "sink"          // a storage consumer or downstream service: Consume on one durable
	RoleForwarder = "dlq-forwarder" // ForwardDeadLetters
	RoleTail      = "tail"          // read-only: Follow on ARTICLES (winnow tail)
	RoleAnalyst   = "analyst"       // read-only: Follow on AUDIT and DLQ, crawl_state read-only
)

// OutcomeLeaseKey is the crawl_leases key held by the one process of a
// storage consumer (durable) that records outcome events at a time.
func OutcomeLeaseKey(durable string) string { return "outcomes." + durable }

// RolePermissions are the subjects one role may publish and subscribe to,
// in the form of a nats-server user's permissions block.
type RolePermissions struct {
	// Publish lists the subjects the role may publish to (JetStream API
	// requests included).
	Publish []string `json:"publish"`
	// PublishDeny lists subjects denied even though Publish matches them.
	PublishDeny []string `json:"publish_deny,omitempty"`
	// Subscribe lists the subjects the role may subscribe to.
	Subscribe []string `json:"subscribe"`
}

// Permissions returns the least-privilege subject permissions of role in
// the topology c, for a user whose connection uses inboxPrefix
// (Options.InboxPrefix; "" = "_INBOX", which other users share: give each
// role its own). RoleSink and RoleForwarder need their durable consumer
// names; the consumers must be pre-created by the admin
// (RequirePrecreated). RoleCrawler pulls from the pre-created frontier
// partition consumers. The lists are what this package's operations use,
// checked by tests against a server that enforces them.
//
// RoleSink also reads its own outcome-event consumer on OUTCOMES (same
// durable name) and holds the lease OutcomeLeaseKey(durable) in
// crawl_leases. RoleAnalyst also reads crawl_state (the sources board)
// and the DLQ's size.
//
// RoleTail and RoleAnalyst follow streams through ordered consumers, whose
// names are generated, so they are allowed the consumer API of their
// streams by wildcard; pass the durable consumers of those streams (the
// sinks' and downstream services') as durables to deny the read-only roles
// any request on them.
func Permissions(c Config, role, inboxPrefix string, durables ...string) (RolePermissions, error) {
	n, err := c.Names()
	if err != nil {
		return RolePermissions{}, err
	}
	if inboxPrefix == "" {
		inboxPrefix = "_INBOX"
	}
	for _, d := range durables {
		if !consumerRe.MatchString(d) {
			return RolePermissions{}, fmt.Errorf("%w: durable %q", ErrInvalidOptions, d)
		}
	}
	const api = "$JS.API."
	sub := []string{inboxPrefix + ".>"}
	pullFrom := func(stream, consumer string) []string {
		return []string{
			api + "CONSUMER.INFO." + stream + "." + consumer,
			api + "CONSUMER.MSG.NEXT." + stream + "." + consumer,
			"$JS.ACK." + stream + "." + consumer + ".>",
		}
	}
	kv := func(bucket string) []string {
		return []string{
			api + "STREAM.INFO.KV_" + bucket,
			api + "DIRECT.GET.KV_" + bucket + ".>",
			"$KV." + bucket + ".>",
		}
	}
	// Ordered consumers (Follow, key-value watches) create, inspect, pull
	// from and delete ephemeral consumers of the stream.
	ordered := func(stream string) []string {
		return []string{
			api + "CONSUMER.CREATE." + stream + ".>",
			api + "CONSUMER.INFO." + stream + ".>",
			api + "CONSUMER.MSG.NEXT." + stream + ".>",
			api + "CONSUMER.DELETE." + stream + ".>",
		}
	}
	var pub []string
	switch role {
	case RoleAdmin:
		return RolePermissions{Publish: []string{">"}, Subscribe: []string{">"}}, nil
	case RoleCrawler:
		// Workers and the scheduler: publish records, audit and outcome
		// events, run the frontier, keep crawl state; the scheduler
		// reads outcome events back (ordered consumer) and lists and
		// watches crawl_state.
		pub = append(pub, n.ArticleSubjects(), n.AuditSubjects(), n.OutcomeSubjects(), n.FrontierSubjects(), n.DLQSubject(n.Frontier, "*"),
			api+"STREAM.INFO."+n.Frontier, api+"STREAM.NAMES")
		pub = append(pub, pullFrom(n.Frontier, "*")...)
		for _, b := range []string{n.State, n.Seen, n.Leases} {
			pub = append(pub, kv(b)...)
		}
		pub = append(pub, ordered("KV_"+n.Leases)...) // membership watch
		pub = append(pub, ordered("KV_"+n.State)...)  // key listing, change watch
		pub = append(pub, ordered(n.Outcomes)...)     // run results
	case RoleSink, RoleForwarder:
		if len(durables) == 0 {
			return RolePermissions{}, fmt.Errorf("%w: role %s needs its durable consumer name", ErrInvalidOptions, role)
		}
		stream := n.Articles
		if role == RoleForwarder {
			stream = n.Advisories
			pub = append(pub, n.DLQSubjects())
			for _, s := range []string{n.Frontier, n.Articles, n.Audit, n.Outcomes} {
				pub = append(pub, api+"STREAM.INFO."+s, api+"STREAM.MSG.GET."+s)
			}
			pub = append(pub, api+"STREAM.INFO."+n.DLQ) // the DLQ size gauge
			pub = append(pub, api+"STREAM.MSG.DELETE."+n.Frontier)
		}
		for _, d := range durables {
			if role == RoleSink {
				// Its records and its outcome events (one recorder at a
				// time, by a lease of its own in crawl_leases).
				pub = append(pub, n.DLQSubject(stream, d))
				pub = append(pub, api+"STREAM.INFO."+n.Outcomes)
				pub = append(pub, pullFrom(n.Outcomes, d)...)
				lease := OutcomeLeaseKey(d)
				pub = append(pub, api+"STREAM.INFO.KV_"+n.Leases, api+"DIRECT.GET.KV_"+n.Leases+".$KV."+n.Leases+"."+lease,
					"$KV."+n.Leases+"."+lease)
			}
			pub = append(pub, pullFrom(stream, d)...)
		}
	case RoleTail, RoleAnalyst:
		streams := []string{n.Articles}
		if role == RoleAnalyst {
			streams = []string{n.Audit, n.DLQ}
		}
		pub = append(pub, api+"STREAM.NAMES")
		var deny []string
		if role == RoleAnalyst {
			// The sources board and the DLQ gauge: crawl_state read-only
			// (direct gets and key listing, never $KV.<bucket>.> puts).
			pub = append(pub, api+"STREAM.INFO."+n.DLQ, api+"STREAM.INFO.KV_"+n.State, api+"DIRECT.GET.KV_"+n.State+".>")
			pub = append(pub, ordered("KV_"+n.State)...)
		}
		for _, s := range streams {
			pub = append(pub, ordered(s)...)
			for _, d := range durables {
				deny = append(deny, api+"CONSUMER.CREATE."+s+"."+d, api+"CONSUMER.CREATE."+s+"."+d+".>", api+"CONSUMER.INFO."+s+"."+d,
					api+"CONSUMER.MSG.NEXT."+s+"."+d, api+"CONSUMER.DELETE."+s+"."+d, "$JS.ACK."+s+"."+d+".>")
			}
		}
		return RolePermissions{Publish: pub, PublishDeny: deny, Subscribe: sub}, nil
	default:
		return RolePermissions{}, fmt.Errorf("%w: unknown role %q", ErrInvalidOptions, role)
	}
	return RolePermissions{Publish: slices.Compact(pub), Subscribe: sub}, nil
}
