package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The winnow command lines the deployment files use are checked against
// the real binary: realFlags builds cmd/winnow once and reads every
// command's flags from its `-h` output (flags marked internal are not
// listed there, so deployment files cannot use them). A flag may also
// come from the environment as WINNOW_ + upper-cased name with - -> _.
//
// commandFlags are the flags the deployment relies on (and the checks
// below look at): TestCommandFlags fails if the binary lacks one.
// require-precreated (bind to the consumers admin init made, never
// create one) is what the least-privilege users need: they may not
// create consumers.
var (
	// busFlags are the connection and topology flags every command that
	// talks to NATS takes.
	busFlags = []string{
		"data", "nats-url", "nats-creds", "nats-nkey", "nats-user", "nats-password-file",
		"nats-ca", "nats-cert", "nats-key", "nats-inbox-prefix", "replicas",
	}
	commandFlags = map[string][]string{
		"admin init":     {"sink-durables"},
		"worker":         {"sources", "workers", "metrics-addr", "require-precreated"},
		"scheduler":      {"sources", "metrics-addr", "require-precreated"},
		"sink postgres":  {"postgres", "durable", "metrics-addr", "require-precreated"},
		"sink sqlite":    {"durable", "metrics-addr", "require-precreated"},
		"sink jsonl":     {"jsonl-dir", "durable", "metrics-addr", "require-precreated"},
		"dlq-forwarder":  {"metrics-addr", "require-precreated"},
		"serve":          {"listen", "postgres", "token-file"},
		"run":            {"sources", "demo", "until-idle", "listen", "metrics-addr"},
		"tail":           {"source"},
		"sources check":  {},
		"sources list":   {"json"},
		"sources status": {"json"},
		"sources pause":  {},
		"sources resume": {},
		"sources run":    {},
	}
	// busCommands take busFlags.
	busCommands = []string{"admin init", "worker", "scheduler", "sink postgres", "sink sqlite", "sink jsonl", "dlq-forwarder",
		"serve", "run", "tail", "sources list", "sources status", "sources pause", "sources resume", "sources run"}
)

// flagInfo is one flag of a command as `winnow CMD -h` lists it.
type flagInfo struct {
	Name string
	Bool bool // takes no value
}

var (
	realOnce  sync.Once
	realSet   map[string]map[string]flagInfo
	realError error
)

// usageLine matches a flag line of `-h` output: winnow's own format
// ("  --name TYPE  [WINNOW_NAME]") and the flag package's ("  -name TYPE").
var usageLine = regexp.MustCompile(`^  --?([a-z0-9][a-z0-9-]*)(?: ([a-z]+))?(?:\s|$)`)

// realFlags builds the winnow binary and returns every command's flags,
// read from `winnow CMD -h`.
func realFlags(t testing.TB) map[string]map[string]flagInfo {
	t.Helper()
	realOnce.Do(func() {
		dir, err := os.MkdirTemp("", "winnow-deploy-")
		if err != nil {
			realError = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "winnow")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		if out, err := exec.Command(goTool, "build", "-o", bin, "../cmd/winnow").CombinedOutput(); err != nil {
			realError = fmt.Errorf("go build ../cmd/winnow: %v\n%s", err, out)
			return
		}
		realSet = map[string]map[string]flagInfo{}
		for name := range commandFlags {
			out, err := exec.Command(bin, append(strings.Fields(name), "-h")...).CombinedOutput()
			if err != nil {
				realError = fmt.Errorf("winnow %s -h: %v\n%s", name, err, out)
				return
			}
			flags := map[string]flagInfo{}
			for _, l := range strings.Split(string(out), "\n") {
				if m := usageLine.FindStringSubmatch(l); m != nil {
					flags[m[1]] = flagInfo{Name: m[1], Bool: m[2] == ""}
				}
			}
			if len(flags) == 0 {
				realError = fmt.Errorf("winnow %s -h lists no flags:\n%s", name, out)
				return
			}
			realSet[name] = flags
		}
	})
	if realError != nil {
		t.Fatal(realError)
	}
	return realSet
}

// TestCommandFlags checks that the binary has every flag the deployment
// relies on, and the bus flags on every command that talks to NATS.
func TestCommandFlags(t *testing.T) {
	real := realFlags(t)
	for name, want := range commandFlags {
		if slices.Contains(busCommands, name) {
			want = append(slices.Clone(want), busFlags...)
		}
		for _, f := range want {
			if _, ok := real[name][f]; !ok {
				t.Errorf("winnow %s has no flag --%s", name, f)
			}
		}
	}
	// A password is never a flag value (it would show in ps).
	for name, flags := range real {
		for f := range flags {
			if strings.Contains(f, "password") && !strings.HasSuffix(f, "-file") {
				t.Errorf("winnow %s lists --%s: passwords come from files", name, f)
			}
		}
	}
	if !real["run"]["until-idle"].Bool || real["worker"]["workers"].Bool {
		t.Errorf("flag kinds misread: until-idle %+v, workers %+v", real["run"]["until-idle"], real["worker"]["workers"])
	}
}

// command is one parsed winnow invocation.
type command struct {
	Name  string            // "worker", "sink postgres", …
	Flags map[string]string // flag name -> value ("true" for booleans)
	Args  []string          // positional arguments
	real  map[string]flagInfo
}

// knownFlags is the set parseCommand and withEnv check against: the
// binary's, loaded by realFlags (every test that parses commands calls
// it first).
func knownFlags() map[string]map[string]flagInfo { return realSet }

// parseCommand parses the arguments after the binary name and checks
// every flag against the command's real flags.
func parseCommand(args []string) (command, error) {
	if len(args) == 0 {
		return command{}, fmt.Errorf("no winnow subcommand")
	}
	real := knownFlags()
	name, rest := args[0], args[1:]
	if _, ok := real[name]; !ok && len(rest) > 0 {
		name, rest = args[0]+" "+args[1], args[2:]
	}
	own, ok := real[name]
	if !ok {
		return command{}, fmt.Errorf("unknown winnow subcommand %q", strings.Join(args, " "))
	}
	c := command{Name: name, Flags: map[string]string{}, real: own}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "--") {
			c.Args = append(c.Args, a)
			continue
		}
		f, v, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		info, ok := own[f]
		if !ok {
			return command{}, fmt.Errorf("winnow %s: unknown flag --%s", name, f)
		}
		switch {
		case hasValue:
		case info.Bool:
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

// withEnv checks the WINNOW_* variables in env against c's real flags
// and returns the effective settings: flags on the command line win over
// the environment, as in cmd/winnow.
func (c command) withEnv(env map[string]string) (map[string]string, error) {
	own := c.real
	if own == nil {
		own = knownFlags()[c.Name]
	}
	out := map[string]string{}
	for k, v := range env {
		f, ok := flagOfEnv(k)
		if !ok {
			continue
		}
		if _, ok := own[f]; !ok {
			return nil, fmt.Errorf("winnow %s: %s names no flag of the command", c.Name, k)
		}
		out[f] = v
	}
	for f, v := range c.Flags {
		out[f] = v
	}
	return out, nil
}
