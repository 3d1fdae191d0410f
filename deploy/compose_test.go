package deploy_test

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const composeFile = "compose.yaml"

func readCompose(t testing.TB) map[string]any {
	t.Helper()
	return readYAML(t, composeFile)
}

// composeService is one service with its settings normalized.
type composeService struct {
	Name    string
	Doc     map[string]any
	Env     map[string]string
	Command []string
	// Mounts maps a path inside the container to what is mounted there:
	// "secret:<name>", "config:<name>", "volume:<name>", "bind:<path>".
	Mounts map[string]string
}

func composeServices(t testing.TB, c map[string]any) map[string]composeService {
	t.Helper()
	out := map[string]composeService{}
	for name, raw := range digMap(c, "services") {
		doc, _ := raw.(map[string]any)
		s := composeService{Name: name, Doc: doc, Env: map[string]string{}, Mounts: map[string]string{}}
		switch env := doc["environment"].(type) {
		case map[string]any:
			for k, v := range env {
				s.Env[k] = fmt.Sprint(v)
			}
		case []any:
			for _, kv := range env {
				k, v, _ := strings.Cut(fmt.Sprint(kv), "=")
				s.Env[k] = v
			}
		}
		for _, a := range digList(doc, "command") {
			s.Command = append(s.Command, fmt.Sprint(a))
		}
		for _, kind := range []string{"secrets", "configs"} {
			for _, x := range digList(doc, kind) {
				src, target := "", ""
				switch x := x.(type) {
				case string:
					src = x
				case map[string]any:
					src, target = digString(x, "source"), digString(x, "target")
				}
				if target == "" {
					target = "/" + src
					if kind == "secrets" {
						target = "/run/secrets/" + src
					}
				} else if !strings.HasPrefix(target, "/") && kind == "secrets" {
					target = "/run/secrets/" + target
				}
				s.Mounts[target] = strings.TrimSuffix(kind, "s") + ":" + src
			}
		}
		for _, v := range digList(doc, "volumes") {
			vs, ok := v.(string)
			if !ok {
				t.Errorf("service %s: volume %v: use the short syntax", name, v)
				continue
			}
			parts := strings.Split(vs, ":")
			if len(parts) < 2 {
				s.Mounts[parts[0]] = "volume:" // anonymous
				continue
			}
			kind := "volume:"
			if strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[0], "/") {
				kind = "bind:"
			}
			s.Mounts[parts[1]] = kind + parts[0]
		}
		out[name] = s
	}
	return out
}

// mountAt returns what is mounted at or above p.
func (s composeService) mountAt(p string) (string, bool) {
	for p != "/" && p != "." && p != "" {
		if m, ok := s.Mounts[p]; ok {
			return m, true
		}
		p = path.Dir(p)
	}
	return "", false
}

// TestCompose validates compose.yaml: references resolve (volumes,
// secrets, configs, networks, services), winnow services run the
// Dockerfile's image with valid commands, flags and environment, each as
// its own NATS user with the right role and secrets, health checks ask
// /healthz or /readyz on the served port, and the NATS services mount
// what nats-server.conf reads.
func TestCompose(t *testing.T) {
	realFlags(t) // the commands are checked against the binary's flags
	c := readCompose(t)
	image := dockerImage(t)
	services := composeServices(t, c)
	topVolumes, topSecrets, topConfigs, topNetworks := digMap(c, "volumes"), digMap(c, "secrets"), digMap(c, "configs"), digMap(c, "networks")
	generated := secretFiles()

	for _, name := range sortedKeys(topSecrets) {
		f := digString(topSecrets, name, "file")
		rel, ok := strings.CutPrefix(f, "./secrets/")
		if !ok || !slices.Contains(generated, rel) {
			t.Errorf("secret %s: file %s is not one TestSecrets writes into deploy/secrets/", name, f)
		}
	}
	for _, name := range sortedKeys(topConfigs) {
		if f := digString(topConfigs, name, "file"); !fileExists(f) {
			t.Errorf("config %s: file %s does not exist", name, f)
		}
	}

	// logical resolves a container path to the generated secret it holds,
	// named as in k8s/secrets.yaml, or to the kind of mount otherwise.
	keys := k8sSecretKeys()
	logical := func(s composeService) func(string) mountSource {
		return func(p string) mountSource {
			m, ok := s.mountAt(p)
			if !ok {
				return mountSource{}
			}
			kind, name, _ := strings.Cut(m, ":")
			if kind == "secret" {
				rel, _ := strings.CutPrefix(digString(topSecrets, name, "file"), "./secrets/")
				return keys[rel]
			}
			return mountSource{Kind: kind, Name: name}
		}
	}

	counts := map[string]int{}
	var natsNodes []string
	for _, name := range sortedKeys(services) {
		s := services[name]
		where := "compose service " + name
		for target, m := range s.Mounts {
			kind, src, _ := strings.Cut(m, ":")
			switch kind {
			case "secret":
				if _, ok := topSecrets[src]; !ok {
					t.Errorf("%s: secret %s is not defined", where, src)
				}
			case "config":
				if _, ok := topConfigs[src]; !ok {
					t.Errorf("%s: config %s is not defined", where, src)
				}
			case "volume":
				if _, ok := topVolumes[src]; src != "" && !ok {
					t.Errorf("%s: volume %s is not defined", where, src)
				}
			case "bind":
				if !fileExists(src) {
					t.Errorf("%s: bind mount %s -> %s: no such path", where, src, target)
				}
			}
		}
		for _, n := range networkNames(s.Doc["networks"]) {
			if _, ok := topNetworks[n]; !ok {
				t.Errorf("%s: network %s is not defined", where, n)
			}
		}
		for dep, cond := range digMap(s.Doc, "depends_on") {
			d, ok := services[dep]
			if !ok {
				t.Errorf("%s: depends on unknown service %s", where, dep)
				continue
			}
			switch cnd := digString(cond, "condition"); cnd {
			case "service_healthy":
				if digMap(d.Doc, "healthcheck") == nil {
					t.Errorf("%s waits for %s to be healthy, which has no healthcheck", where, dep)
				}
			case "service_completed_successfully":
				if digString(d.Doc, "restart") != "no" {
					t.Errorf("%s waits for %s to complete, which restarts", where, dep)
				}
			case "service_started":
			default:
				t.Errorf("%s: depends_on %s: condition %q", where, dep, cnd)
			}
		}
		if hc := digMap(s.Doc, "healthcheck"); hc != nil {
			checkComposeHealth(t, where, s, hc)
		}
		img := digString(s.Doc, "image")
		switch {
		case strings.HasPrefix(img, "nats:"):
			natsNodes = append(natsNodes, name)
			checkComposeNATS(t, where, s)
			continue
		case img == image:
		case strings.HasPrefix(img, "postgres:"):
			continue
		default:
			t.Errorf("%s: image %q is neither the Dockerfile's %s nor NATS or PostgreSQL", where, img, image)
			continue
		}

		// A winnow service.
		if ctx, df := digString(s.Doc, "build", "context"), digString(s.Doc, "build", "dockerfile"); !fileExists(filepath.Join(ctx, df)) || !fileExists(filepath.Join(ctx, "go.mod")) {
			t.Errorf("%s: build context %q / dockerfile %q is not the repository and deploy/Dockerfile", where, ctx, df)
		}
		if digString(s.Doc, "read_only") != "true" || !slices.Contains(digList(s.Doc, "cap_drop"), any("ALL")) {
			t.Errorf("%s: want read_only: true and cap_drop: [ALL]", where)
		}
		cmd, err := parseCommand(s.Command)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		eff, err := cmd.withEnv(s.Env)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		replicas := 1
		if n, ok := dig(s.Doc, "deploy", "replicas").(int); ok {
			replicas = n
		}
		counts[cmd.Name] += replicas
		checkIdentity(t, where, cmd, eff, s.Env, logical(s))
		for host := range strings.SplitSeq(eff["nats-url"], ",") {
			u, err := url.Parse(host)
			if err != nil || u.Scheme != "tls" {
				t.Errorf("%s: NATS URL %q: want tls://", where, host)
				continue
			}
			if _, ok := services[u.Hostname()]; !ok {
				t.Errorf("%s: NATS URL %s names no service", where, host)
			}
		}
		if d := eff["data"]; d != "" {
			if m, ok := s.mountAt(d); ok && !strings.HasPrefix(m, "volume:") {
				t.Errorf("%s: --data %s is mounted from %s, want a volume", where, d, m)
			}
		}
	}
	want := map[string]int{"admin init": 1, "worker": 2, "scheduler": 1, "sink postgres": 2, "dlq-forwarder": 1, "serve": 1}
	for cmd, n := range want {
		if counts[cmd] < n {
			t.Errorf("compose runs winnow %s %d times, want at least %d", cmd, counts[cmd], n)
		}
	}

	// The cluster: the nodes nats-server.conf routes to, each named
	// after itself.
	var routeHosts []string
	conf, err := os.ReadFile(clusterConfFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`nats-route://([^:"]+):6222`).FindAllStringSubmatch(string(conf), -1) {
		routeHosts = append(routeHosts, m[1])
	}
	if diff := cmp.Diff(sorted(routeHosts), sorted(natsNodes)); diff != "" {
		t.Errorf("NATS routes vs compose NATS services (-routes +services):\n%s", diff)
	}
	for _, n := range natsNodes {
		if got := services[n].Env["NATS_SERVER_NAME"]; got != n {
			t.Errorf("service %s: NATS_SERVER_NAME %q, want %q", n, got, n)
		}
	}
}

// checkComposeNATS: a NATS node mounts every file nats-server.conf and
// accounts.conf read, from the right sources, and keeps JetStream on a volume.
func checkComposeNATS(t *testing.T, where string, s composeService) {
	t.Helper()
	c := readCompose(t)
	keys := k8sSecretKeys()
	want := map[string]string{
		"/etc/nats/nats-server.conf":               clusterConfFile,
		"/etc/nats/accounts.conf":                  accountsFile,
		path.Join("/etc/nats", credentialsInclude): "secret:nats/credentials.conf",
		"/etc/nats/tls/ca.crt":                     "secret:nats/ca.crt",
		"/etc/nats/tls/server.crt":                 "secret:nats/server.crt",
		"/etc/nats/tls/server.key":                 "secret:nats/server.key",
	}
	for _, p := range natsConfPaths {
		if _, ok := want[p]; !ok && !strings.HasPrefix(p, "/data/") {
			t.Errorf("nats-server.conf reads %s, which this test does not know", p)
		}
	}
	for target, source := range want {
		m, ok := s.Mounts[target]
		if !ok {
			t.Errorf("%s: nothing mounted at %s", where, target)
			continue
		}
		kind, name, _ := strings.Cut(m, ":")
		var got string
		switch kind {
		case "config":
			got = strings.TrimPrefix(digString(c, "configs", name, "file"), "./")
		case "secret":
			rel := strings.TrimPrefix(digString(c, "secrets", name, "file"), "./secrets/")
			if _, ok := keys[rel]; ok {
				got = "secret:" + rel
			}
		}
		if got != source {
			t.Errorf("%s: %s comes from %q, want %q", where, target, got, source)
		}
	}
	if m, ok := s.mountAt("/data/jetstream"); !ok || !strings.HasPrefix(m, "volume:") {
		t.Errorf("%s: the JetStream store /data/jetstream is not on a volume (%q)", where, m)
	}
	if !slices.Equal(digStrings(s.Doc, "command"), []string{"nats-server", "--config", "/etc/nats/nats-server.conf"}) {
		t.Errorf("%s: command %v", where, digList(s.Doc, "command"))
	}
}

// checkComposeHealth: winnow and NATS health checks ask /healthz or
// /readyz, on the port the service serves.
func checkComposeHealth(t *testing.T, where string, s composeService, hc map[string]any) {
	t.Helper()
	test := digStrings(hc, "test")
	if len(test) < 2 || test[0] != "CMD" {
		t.Errorf("%s: healthcheck test %v: want the exec form [CMD, …]", where, test)
		return
	}
	if test[1] == "pg_isready" {
		return
	}
	u, err := url.Parse(test[len(test)-1])
	if err != nil || u.Scheme != "http" || (u.Path != "/healthz" && u.Path != "/readyz") {
		t.Errorf("%s: healthcheck %v does not ask /healthz or /readyz", where, test)
		return
	}
	port := u.Port()
	if strings.HasPrefix(digString(s.Doc, "image"), "nats:") {
		if port != "8222" {
			t.Errorf("%s: NATS health on port %s, want the monitoring port 8222", where, port)
		}
		return
	}
	cmd, err := parseCommand(s.Command)
	if err != nil {
		return // reported elsewhere
	}
	eff, _ := cmd.withEnv(s.Env)
	addr := eff["metrics-addr"]
	if addr == "" {
		addr = eff["listen"]
	}
	if _, p, _ := strings.Cut(addr, ":"); p != port {
		t.Errorf("%s: healthcheck on port %s, but the service serves on %q", where, port, addr)
	}
}

func networkNames(v any) []string {
	switch n := v.(type) {
	case []any:
		var out []string
		for _, x := range n {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case map[string]any:
		return sortedKeys(n)
	}
	return nil
}

func digStrings(v any, keys ...any) []string {
	var out []string
	for _, x := range digList(v, keys...) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
