package deploy_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	systemdDir = "systemd"
	winnowBin  = "/usr/local/bin/winnow"
	// etcWinnow is where the units read files the operator installs:
	// /etc/winnow/<rel> holds the generated secret <rel> (nats/…,
	// postgres/…, serve-token), and /etc/winnow/sources the sources.
	etcWinnow = "/etc/winnow/"
)

// unit is a parsed systemd unit: section -> key -> values in order.
type unit map[string]map[string][]string

// parseUnit reads a unit file, then its drop-ins in order (an empty
// assignment resets a list, as systemd does).
func parseUnit(t testing.TB, paths ...string) unit {
	t.Helper()
	u := unit{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		section, cont := "", ""
		n := 0
		for sc.Scan() {
			n++
			line := strings.TrimSpace(sc.Text())
			if s, ok := strings.CutSuffix(line, `\`); ok {
				cont += s + " "
				continue
			}
			line, cont = cont+line, ""
			switch {
			case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
				section = strings.Trim(line, "[]")
				if u[section] == nil {
					u[section] = map[string][]string{}
				}
			default:
				k, v, ok := strings.Cut(line, "=")
				if !ok || section == "" {
					t.Fatalf("%s:%d: not a key=value in a section: %q", p, n, line)
				}
				if v == "" {
					u[section][k] = nil
					continue
				}
				u[section][k] = append(u[section][k], v)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (u unit) last(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// expand replaces the specifiers the units use.
func expand(s, instance, credDir string) string {
	return strings.NewReplacer("%i", instance, "%d", credDir, "%%", "%").Replace(s)
}

// TestSystemd checks the units: hardening, restart policy, environment
// files, a valid winnow command line per unit (templates with sample
// instances, drop-ins applied), and per role the NATS user, inbox and
// credentials, loaded with LoadCredential= from the generated secrets.
func TestSystemd(t *testing.T) {
	realFlags(t) // the commands are checked against the binary's flags
	type instance struct {
		file, instance string
		dropIns        []string
	}
	instances := []instance{
		{"winnow-run.service", "", nil},
		{"winnow-admin-init.service", "", nil},
		{"winnow-worker@.service", "9101", nil},
		{"winnow-sink@.service", "sqlite", nil},
		{"winnow-sink@.service", "postgres", []string{"winnow-sink@postgres.service.d/postgres.conf"}},
		{"winnow-scheduler.service", "", nil},
		{"winnow-dlq-forwarder.service", "", nil},
		{"winnow-serve.service", "", nil},
	}
	files, err := filepath.Glob(filepath.Join(systemdDir, "*.service"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, in := range instances {
		if !slices.Contains(listed, in.file) {
			listed = append(listed, in.file)
		}
	}
	for _, f := range files {
		if !slices.Contains(listed, filepath.Base(f)) {
			t.Errorf("unit %s is not checked by this test", f)
		}
	}
	keys := k8sSecretKeys()
	hardening := map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "DynamicUser": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
		"Restart": "on-failure",
	}
	commands := map[string]bool{}
	for _, in := range instances {
		paths := []string{filepath.Join(systemdDir, in.file)}
		for _, d := range in.dropIns {
			paths = append(paths, filepath.Join(systemdDir, d))
		}
		u := parseUnit(t, paths...)
		name := strings.Replace(in.file, "@", "@"+in.instance, 1)
		where := "systemd " + name
		credDir := "/run/credentials/" + name
		svc := u["Service"]
		for k, want := range hardening {
			got, ok := svc[k]
			if k == "Restart" && u.last("Service", "Type") == "oneshot" {
				continue
			}
			if !ok || (want != "" && u.last("Service", k) != want) || (want == "" && len(got) != 0) {
				t.Errorf("%s: %s=%q, want %q", where, k, got, want)
			}
		}
		if len(svc["StateDirectory"]) == 0 || len(svc["EnvironmentFile"]) == 0 {
			t.Errorf("%s: needs StateDirectory= and EnvironmentFile=", where)
		}
		if u.last("Install", "WantedBy") == "" {
			t.Errorf("%s: no WantedBy=", where)
		}
		exec := svc["ExecStart"]
		if len(exec) != 1 {
			t.Errorf("%s: %d ExecStart= lines, want 1", where, len(exec))
			continue
		}
		argv := strings.Fields(expand(exec[0], in.instance, credDir))
		if argv[0] != winnowBin {
			t.Errorf("%s: runs %s, want %s", where, argv[0], winnowBin)
			continue
		}
		cmd, err := parseCommand(argv[1:])
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		commands[cmd.Name] = true
		// EnvironmentFile= settings (their examples) override Environment=.
		env := map[string]string{}
		for _, e := range svc["Environment"] {
			k, v, _ := strings.Cut(expand(e, in.instance, credDir), "=")
			env[k] = v
		}
		for _, ef := range svc["EnvironmentFile"] {
			ef = expand(ef, in.instance, credDir)
			optional := strings.HasPrefix(ef, "-")
			ef = strings.TrimPrefix(ef, "-")
			example := filepath.Join(systemdDir, strings.TrimPrefix(ef, etcWinnow)+".example")
			if !fileExists(example) {
				if !optional {
					t.Errorf("%s: EnvironmentFile=%s is required but has no example %s", where, ef, example)
				}
				continue
			}
			for k, v := range readEnvFile(t, example) {
				env[k] = v
			}
		}
		eff, err := cmd.withEnv(env)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if d := eff["data"]; d != "" {
			state := "/var/lib/" + expand(u.last("Service", "StateDirectory"), in.instance, credDir)
			if d != state {
				t.Errorf("%s: --data %s is not its StateDirectory %s (the only writable place)", where, d, state)
			}
		}
		creds := map[string]string{}
		for _, lc := range svc["LoadCredential"] {
			id, p, _ := strings.Cut(expand(lc, in.instance, credDir), ":")
			creds[id] = p
		}
		file := func(p string) mountSource {
			if id, ok := strings.CutPrefix(p, credDir+"/"); ok {
				rel, ok := strings.CutPrefix(creds[id], etcWinnow)
				if !ok {
					return mountSource{}
				}
				return keys[rel]
			}
			if strings.HasPrefix(p, etcWinnow+"sources") {
				return mountSource{Kind: "host", Name: p}
			}
			return mountSource{}
		}
		if roleOfCommand(cmd.Name) != "" {
			if !slices.Contains(svc["EnvironmentFile"], "/etc/winnow/cluster.env") {
				t.Errorf("%s: does not read the cluster settings /etc/winnow/cluster.env", where)
			}
		}
		checkIdentity(t, where, cmd, eff, env, file)
	}
	for _, want := range []string{"run", "worker", "sink postgres", "sink sqlite", "scheduler", "serve", "admin init", "dlq-forwarder"} {
		if !commands[want] {
			t.Errorf("no unit runs winnow %s", want)
		}
	}

	// The example environment files set only flags of the commands that
	// read them.
	for file, cmds := range map[string][]string{"cluster.env.example": {"worker", "scheduler", "sink postgres", "sink sqlite", "serve", "admin init", "dlq-forwarder"}, "postgres.env.example": {"sink postgres", "serve"}} {
		env := readEnvFile(t, filepath.Join(systemdDir, file))
		if len(env) == 0 {
			t.Errorf("%s sets nothing", file)
		}
		for _, c := range cmds {
			if _, err := (command{Name: c}).withEnv(env); err != nil {
				t.Errorf("%s: %v", file, err)
			}
		}
		if strings.Contains(fmt.Sprint(env), "password=") {
			t.Errorf("%s holds a password", file)
		}
	}
}

// readEnvFile reads KEY=VALUE lines.
func readEnvFile(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			k, v, _ := strings.Cut(l, "=")
			env[k] = v
		}
	}
	return env
}
