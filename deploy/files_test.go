package deploy_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// deployFiles lists the files under deploy/ (relative, slash-separated),
// without generated secrets.
func deployFiles(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == "secrets" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			out = append(out, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestYAMLParses decodes every YAML file of deploy/, all documents.
func TestYAMLParses(t *testing.T) {
	n := 0
	for _, f := range deployFiles(t) {
		if ext := filepath.Ext(f); ext != ".yaml" && ext != ".yml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(decodeYAMLDocs(t, f, data)) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
		n++
	}
	if n < 10 {
		t.Errorf("only %d YAML files found under deploy/", n)
	}
}

// registryHostRe matches an image reference or URL that names a registry
// host (a first path component with a dot or a port, or a well-known one).
var registryHostRe = regexp.MustCompile(`(?i)\b(docker\.io|registry-1\.docker\.io|gcr\.io|[a-z0-9-]+\.gcr\.io|ghcr\.io|quay\.io|registry\.k8s\.io|k8s\.gcr\.io|mcr\.microsoft\.com|public\.ecr\.aws|[a-z0-9-]+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com|proxy\.golang\.org|registry\.npmjs\.org|pypi\.org)\b`)

// TestNoRegistryHost: deployment files name images by bare name only.
func TestNoRegistryHost(t *testing.T) {
	for _, f := range deployFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := registryHostRe.FindString(line); m != "" {
				t.Errorf("%s:%d names a registry host %q", f, i+1, m)
			}
		}
	}
}

// dockerStage is one FROM ... AS stage of a Dockerfile.
type dockerStage struct {
	From, Name string
	Lines      []string // instructions with continuations joined
}

func parseDockerfile(t testing.TB, path string) []dockerStage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages []dockerStage
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		f := strings.Fields(line)
		if strings.EqualFold(f[0], "FROM") {
			st := dockerStage{From: f[1]}
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				st.Name = f[3]
			}
			stages = append(stages, st)
			return
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %q before FROM", path, line)
		}
		stages[len(stages)-1].Lines = append(stages[len(stages)-1].Lines, line)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

// dockerImage is the image deploy/Dockerfile builds, from its documented
// build command; compose and Kubernetes must run this image.
func dockerImage(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`docker build -f deploy/Dockerfile -t (\S+) \.`).FindSubmatch(data)
	if m == nil {
		t.Fatal("Dockerfile does not document its build command (docker build -f deploy/Dockerfile -t NAME:TAG .)")
	}
	return string(m[1])
}

// TestDockerfile checks the image: multi-stage, static build with module
// and build caches, non-root, minimal final base with CA certificates and
// time zones, the /data volume and the winnow entrypoint.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, "Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a multi-stage build", len(stages))
	}
	image := dockerImage(t)
	if !strings.HasPrefix(image, "winnow:") {
		t.Errorf("image %q, want winnow:<tag>", image)
	}
	all := func(st dockerStage) string { return strings.Join(st.Lines, "\n") }
	build := stages[0]
	if !strings.HasPrefix(build.From, "golang:") {
		t.Errorf("builder FROM %s, want golang:…", build.From)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w"`, "--mount=type=cache,target=/go/pkg/mod",
		"--mount=type=cache,target=/root/.cache/go-build", "./cmd/winnow", "COPY go.mod go.sum"} {
		if !strings.Contains(all(build), want) {
			t.Errorf("builder stage lacks %q", want)
		}
	}
	final := stages[len(stages)-1]
	if final.From != "scratch" && !strings.Contains(final.From, "distroless") && !strings.HasSuffix(final.From, "-slim") {
		t.Errorf("final stage FROM %s, want scratch or a minimal base", final.From)
	}
	var user, entrypoint string
	var volumes []string
	for _, l := range final.Lines {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "ENTRYPOINT":
			entrypoint = strings.TrimSpace(strings.TrimPrefix(l, f[0]))
		case "VOLUME":
			volumes = append(volumes, strings.TrimSpace(strings.TrimPrefix(l, f[0])))
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u != "65532" {
		t.Errorf("final USER %q, want 65532 (non-root)", user)
	}
	if entrypoint != `["/winnow"]` {
		t.Errorf("ENTRYPOINT %s, want [\"/winnow\"]", entrypoint)
	}
	if !slices.Contains(volumes, `["/data"]`) && !slices.Contains(volumes, "/data") {
		t.Errorf("VOLUME %v, want /data", volumes)
	}
	for _, want := range []string{"/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo", "WINNOW_DATA=/data", "/out/winnow /winnow", "--chown=65532:65532 /rootfs/data /data"} {
		if !strings.Contains(all(final), want) {
			t.Errorf("final stage lacks %q", want)
		}
	}
	// Every COPY --from names an earlier stage.
	var names []string
	for i, st := range stages {
		for _, l := range st.Lines {
			if m := regexp.MustCompile(`--from=(\S+)`).FindStringSubmatch(l); m != nil && !slices.Contains(names, m[1]) {
				t.Errorf("stage %d: COPY --from=%s names no earlier stage", i, m[1])
			}
		}
		names = append(names, st.Name)
	}
	// The ignore file keeps secrets out of the build context.
	ignore, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"deploy/secrets", ".git"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), want) {
			t.Errorf("Dockerfile.dockerignore lacks %q", want)
		}
	}
}

// externalObjects reads the table of objects the manifests use but do not
// define, from OPERATIONS.md: rows "| Kind | `name` | … |".
func externalObjects(t testing.TB) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	re := regexp.MustCompile("(?m)^\\| (Secret|ConfigMap|Service|PersistentVolumeClaim) \\| `([^`]+)` \\|")
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		out[m[1]+"/"+m[2]] = true
	}
	if len(out) == 0 {
		t.Fatal("OPERATIONS.md has no table of external objects")
	}
	return out
}

// TestOperationsGuide checks that the guide covers what operators need and
// that every winnow command line it shows is a valid one.
func TestOperationsGuide(t *testing.T) {
	realFlags(t) // the commands are checked against the binary's flags
	data, err := os.ReadFile("OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var headings []string
	for _, l := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			headings = append(headings, strings.ToLower(h))
		}
	}
	for _, want := range []string{"deploy", "scale", "add a source", "rotate credentials", "lost nats node", "back up", "upgrade", "troubleshoot"} {
		if !slices.ContainsFunc(headings, func(h string) bool { return strings.Contains(h, want) }) {
			t.Errorf("OPERATIONS.md has no section about %q (sections: %q)", want, headings)
		}
	}
	// Commands in code blocks: "winnow <subcommand> …" lines must parse.
	inCode, n := false, 0
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			inCode = !inCode
			continue
		}
		if !inCode {
			continue
		}
		for _, m := range regexp.MustCompile(`(?:^|[\s;&|(])(?:\S*/)?winnow ((?:admin|sink|sources|worker|scheduler|dlq-forwarder|serve|run|tail)\b[^|;&#)]*)`).FindAllStringSubmatch(l, -1) {
			args := strings.Fields(strings.ReplaceAll(m[1], `\`, ""))
			if _, err := parseCommand(args); err != nil {
				t.Errorf("OPERATIONS.md:%d: %v", i+1, err)
			}
			n++
		}
	}
	if n < 5 {
		t.Errorf("OPERATIONS.md shows %d winnow command lines", n)
	}
	// Every external object is listed once and every listed one is used.
	if diff := cmp.Diff(sortedKeys(externalObjects(t)), sorted(k8sExternalUsed(t))); diff != "" {
		t.Errorf("external objects in OPERATIONS.md vs those the manifests use without defining (-doc +used):\n%s", diff)
	}
}
