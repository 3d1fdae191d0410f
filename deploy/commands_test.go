package deploy_test

import (
	"fmt"
	"slices"
	"strings"
)

// The winnow command line the deployment files may use: every command
// takes the global (bus) flags, plus its own. A flag may also come from the
// environment as WINNOW_ + upper-cased name with - -> _. require-precreated
// (bind to the consumers admin init made, never create one) is what the
// least-privilege users need: they may not create consumers.
var (
	globalFlags = []string{
		"data", "nats-url", "nats-creds", "nats-nkey", "nats-user", "nats-password-file",
		"nats-ca", "nats-cert", "nats-key", "nats-inbox-prefix", "replicas",
	}
	commandFlags = map[string][]string{
		"admin init":     {"sink-durables"},
		"worker":         {"sources", "workers", "metrics-addr", "require-precreated"},
		"scheduler":      {"sources", "metrics-addr", "require-precreated"},
		"sink postgres":  {"postgres", "durable", "metrics-addr", "require-precreated"},
		"sink sqlite":    {"durable", "metrics-addr", "require-precreated"},
		"sink jsonl":     {"out", "durable", "metrics-addr", "require-precreated"},
		"dlq-forwarder":  {"require-precreated"},
		"serve":          {"listen", "postgres", "token-file"},
		"run":            {"sources", "demo", "until-idle", "listen"},
		"tail":           {"source"},
		"sources check":  {},
		"sources list":   {"json"},
		"sources status": {"json"},
		"sources pause":  {},
		"sources resume": {},
		"sources run":    {},
	}
	boolFlags = []string{"demo", "until-idle", "json", "require-precreated"}
)

// command is one parsed winnow invocation.
type command struct {
	Name  string            // "worker", "sink postgres", …
	Flags map[string]string // flag name -> value ("true" for booleans)
	Args  []string          // positional arguments
}

// parseCommand parses the arguments after the binary name and checks
// every flag against the command's flags.
func parseCommand(args []string) (command, error) {
	if len(args) == 0 {
		return command{}, fmt.Errorf("no winnow subcommand")
	}
	name, rest := args[0], args[1:]
	if _, ok := commandFlags[name]; !ok && len(rest) > 0 {
		name, rest = args[0]+" "+args[1], args[2:]
	}
	own, ok := commandFlags[name]
	if !ok {
		return command{}, fmt.Errorf("unknown winnow subcommand %q", strings.Join(args, " "))
	}
	c := command{Name: name, Flags: map[string]string{}}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "--") {
			c.Args = append(c.Args, a)
			continue
		}
		f, v, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !slices.Contains(globalFlags, f) && !slices.Contains(own, f) {
			return command{}, fmt.Errorf("winnow %s: unknown flag --%s", name, f)
		}
		switch {
		case hasValue:
		case slices.Contains(boolFlags, f):
			v = "true"
		case i+1 < len(rest):
			i++
			v = rest[i]
		default:
			return command{}, fmt.Errorf("winnow %s: flag --%s needs a value", name, f)
		}
		if _, dup := c.Flags[f]; dup {
			return command{}, fmt.Errorf("winnow %s: flag --%s given twice", name, f)
		}
		c.Flags[f] = v
	}
	return c, nil
}

// flagOfEnv maps WINNOW_NATS_URL to nats-url; ok is false for variables
// that are not winnow's.
func flagOfEnv(name string) (flag string, ok bool) {
	rest, ok := strings.CutPrefix(name, "WINNOW_")
	if !ok {
		return "", false
	}
	return strings.ToLower(strings.ReplaceAll(rest, "_", "-")), true
}

// envOfFlag maps nats-url to WINNOW_NATS_URL.
func envOfFlag(flag string) string {
	return "WINNOW_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// withEnv checks the WINNOW_* variables in env against c's flags and
// returns the effective settings: flags on the command line win over the
// environment, as in cmd/winnow.
func (c command) withEnv(env map[string]string) (map[string]string, error) {
	out := map[string]string{}
	own := commandFlags[c.Name]
	for k, v := range env {
		f, ok := flagOfEnv(k)
		if !ok {
			continue
		}
		if !slices.Contains(globalFlags, f) && !slices.Contains(own, f) {
			return nil, fmt.Errorf("winnow %s: %s names no flag of the command", c.Name, k)
		}
		out[f] = v
	}
	for f, v := range c.Flags {
		out[f] = v
	}
	return out, nil
}
