package deploy_test

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/natsbus"
)

const (
	k8sDir          = "k8s"
	helmValuesFile  = "k8s/nats-values.yaml"
	kustomization   = "k8s/kustomization.yaml"
	sourcesCMFile   = "k8s/sources-configmap.yaml"
	sourcesCMName   = "winnow-sources"
	sourcesDir      = "sources"
	helmChartConfig = "/etc/nats-config" // where the NATS chart mounts its config
)

// k8sObject is one document of the Kubernetes manifests.
type k8sObject struct {
	File, Kind, Name string
	Doc              map[string]any
}

func (o k8sObject) String() string { return o.Kind + "/" + o.Name + " (" + o.File + ")" }

// k8sManifests are the files kubectl apply -k applies: every YAML file of
// k8s/ but the kustomization and the Helm values.
func k8sManifests(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(files, func(f string) bool { return f == kustomization || f == helmValuesFile })
}

func k8sObjects(t testing.TB) []k8sObject {
	t.Helper()
	var out []k8sObject
	for _, f := range k8sManifests(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range decodeYAMLDocs(t, f, data) {
			o := k8sObject{File: f, Doc: d}
			o.Kind, _ = d["kind"].(string)
			o.Name, _ = dig(d, "metadata", "name").(string)
			if api, _ := d["apiVersion"].(string); api == "" || o.Kind == "" || o.Name == "" {
				t.Errorf("%s document %d: apiVersion %q, kind %q, metadata.name %q: all are required", f, i+1, api, o.Kind, o.Name)
				continue
			}
			out = append(out, o)
		}
	}
	return out
}

// dig walks nested maps (and list indexes given as ints).
func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func digMap(v any, keys ...any) map[string]any {
	m, _ := dig(v, keys...).(map[string]any)
	return m
}

func digList(v any, keys ...any) []any {
	l, _ := dig(v, keys...).([]any)
	return l
}

func digString(v any, keys ...any) string {
	switch x := dig(v, keys...).(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// podTemplate returns the pod template of a workload, nil for other kinds.
func podTemplate(o k8sObject) map[string]any {
	switch o.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet":
		return digMap(o.Doc, "spec", "template")
	case "CronJob":
		return digMap(o.Doc, "spec", "jobTemplate", "spec", "template")
	}
	return nil
}

// ref is a reference from one object to another, by kind and name.
type ref struct{ Kind, Name, From string }

// k8sRefs collects every reference the manifests make.
func k8sRefs(t testing.TB, objs []k8sObject) []ref {
	t.Helper()
	var refs []ref
	add := func(kind, name string, from k8sObject) {
		if name != "" {
			refs = append(refs, ref{kind, name, from.String()})
		}
	}
	for _, o := range objs {
		if pt := podTemplate(o); pt != nil {
			spec := digMap(pt, "spec")
			add("ServiceAccount", digString(spec, "serviceAccountName"), o)
			for _, v := range digList(spec, "volumes") {
				add("Secret", digString(v, "secret", "secretName"), o)
				add("ConfigMap", digString(v, "configMap", "name"), o)
				add("PersistentVolumeClaim", digString(v, "persistentVolumeClaim", "claimName"), o)
			}
			for _, c := range append(digList(spec, "containers"), digList(spec, "initContainers")...) {
				for _, e := range digList(c, "envFrom") {
					add("ConfigMap", digString(e, "configMapRef", "name"), o)
					add("Secret", digString(e, "secretRef", "name"), o)
				}
				for _, e := range digList(c, "env") {
					add("ConfigMap", digString(e, "valueFrom", "configMapKeyRef", "name"), o)
					add("Secret", digString(e, "valueFrom", "secretKeyRef", "name"), o)
				}
			}
		}
		switch o.Kind {
		case "Ingress":
			for _, tls := range digList(o.Doc, "spec", "tls") {
				add("Secret", digString(tls, "secretName"), o)
			}
			for _, r := range digList(o.Doc, "spec", "rules") {
				for _, p := range digList(r, "http", "paths") {
					add("Service", digString(p, "backend", "service", "name"), o)
				}
			}
		case "ConfigMap":
			// Services named by URLs in the shared settings.
			if u := digString(o.Doc, "data", envOfFlag("nats-url")); u != "" {
				for s := range strings.SplitSeq(u, ",") {
					pu, err := url.Parse(s)
					if err != nil {
						t.Errorf("%s: %s: %v", o, envOfFlag("nats-url"), err)
						continue
					}
					labels := strings.Split(pu.Hostname(), ".")
					if len(labels) < 2 || labels[1] != k8sNamespace {
						t.Errorf("%s: NATS host %s is not a Service of namespace %s", o, pu.Hostname(), k8sNamespace)
					}
					add("Service", labels[0], o)
				}
			}
		}
	}
	return refs
}

// helmRefs are the Secrets the NATS Helm values use (made outside the
// chart).
func helmRefs(t testing.TB) []ref {
	t.Helper()
	v := readYAML(t, helmValuesFile)
	from := helmValuesFile
	refs := []ref{
		{"Secret", digString(v, "tlsCA", "secretName"), from},
		{"Secret", digString(v, "config", "nats", "tls", "secretName"), from},
		{"Secret", digString(v, "config", "cluster", "tls", "secretName"), from},
	}
	for _, p := range digList(v, "podTemplate", "patch") {
		if s := digString(p, "value", "secret", "secretName"); s != "" {
			refs = append(refs, ref{"Secret", s, from})
		}
	}
	return refs
}

// k8sExternalUsed lists "Kind/name" of everything referenced by the
// manifests or the Helm values and defined by neither.
func k8sExternalUsed(t testing.TB) []string {
	t.Helper()
	objs := k8sObjects(t)
	defined := map[string]bool{}
	for _, o := range objs {
		defined[o.Kind+"/"+o.Name] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range append(k8sRefs(t, objs), helmRefs(t)...) {
		k := r.Kind + "/" + r.Name
		if !defined[k] && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// TestKubernetes validates the manifests one by one and against each other.
func TestKubernetes(t *testing.T) {
	realFlags(t) // the commands are checked against the binary's flags
	objs := k8sObjects(t)
	image := dockerImage(t)
	byKey := map[string]k8sObject{}
	for _, o := range objs {
		if _, dup := byKey[o.Kind+"/"+o.Name]; dup {
			t.Errorf("%s defined twice", o)
		}
		byKey[o.Kind+"/"+o.Name] = o
		if digString(o.Doc, "metadata", "labels", "app.kubernetes.io/part-of") != "winnow" {
			t.Errorf("%s lacks the label app.kubernetes.io/part-of: winnow", o)
		}
		if ns := digString(o.Doc, "metadata", "namespace"); ns != "" && ns != k8sNamespace {
			t.Errorf("%s: namespace %s", o, ns)
		}
	}

	// kustomization: applies exactly the manifests, in the namespace, and
	// retags the Dockerfile's image.
	k := readYAML(t, kustomization)
	var resources []string
	for _, r := range digList(k, "resources") {
		resources = append(resources, filepath.Join(k8sDir, r.(string)))
	}
	if diff := cmp.Diff(sorted(k8sManifests(t)), sorted(resources)); diff != "" {
		t.Errorf("kustomization resources vs manifest files (-files +resources):\n%s", diff)
	}
	if digString(k, "namespace") != k8sNamespace {
		t.Errorf("kustomization namespace %q, want %s", digString(k, "namespace"), k8sNamespace)
	}
	imgName, imgTag, _ := strings.Cut(image, ":")
	if digString(k, "images", 0, "name") != imgName || digString(k, "images", 0, "newTag") != imgTag {
		t.Errorf("kustomization images %v, want name %s newTag %s", digList(k, "images"), imgName, imgTag)
	}

	// References resolve, or are documented as external.
	external := externalObjects(t)
	for _, r := range k8sRefs(t, objs) {
		if _, ok := byKey[r.Kind+"/"+r.Name]; !ok && !external[r.Kind+"/"+r.Name] {
			t.Errorf("%s references %s/%s, which is neither in the manifests nor in the external objects of OPERATIONS.md", r.From, r.Kind, r.Name)
		}
	}
	// The generated Secrets cover the external ones (but the Ingress
	// certificate, made by cert-manager or by hand).
	for key := range external {
		kind, name, _ := strings.Cut(key, "/")
		if kind == "Secret" && !slices.Contains(k8sSecretNames, name) && !ingressTLSSecret(objs, name) {
			t.Errorf("external Secret %s is not generated by TestSecrets (k8s/secrets.yaml)", name)
		}
	}

	workloads := map[string]k8sObject{}
	for _, o := range objs {
		if pt := podTemplate(o); pt != nil {
			workloads[o.Name] = o
			checkWorkload(t, o, pt, image, byKey)
		}
	}
	for name, min := range map[string]int{"winnow-worker": 2, "winnow-sink-postgres": 2, "winnow-scheduler": 1, "winnow-dlq-forwarder": 1, "winnow-serve": 1} {
		w, ok := workloads[name]
		if !ok {
			t.Errorf("no workload %s", name)
			continue
		}
		if n, _ := dig(w.Doc, "spec", "replicas").(int); n < min {
			t.Errorf("%s: %d replicas, want at least %d", w, n, min)
		}
	}
	if j, ok := workloads["winnow-admin-init"]; !ok || j.Kind != "Job" {
		t.Error("no Job winnow-admin-init")
	}

	// Services select pods that declare their target ports; Ingresses,
	// NetworkPolicies and PodDisruptionBudgets select something real.
	for _, o := range objs {
		switch o.Kind {
		case "Service":
			sel := digMap(o.Doc, "spec", "selector")
			matched := selectWorkloads(workloads, sel, nil)
			if len(matched) == 0 {
				t.Errorf("%s selects no pods (%v)", o, sel)
			}
			for _, p := range digList(o.Doc, "spec", "ports") {
				target := digString(p, "targetPort")
				if target == "" {
					target = digString(p, "port")
				}
				for _, w := range matched {
					if !slices.Contains(containerPorts(w), target) {
						t.Errorf("%s: targetPort %s is not a port %s declares", o, target, w)
					}
				}
			}
		case "Ingress":
			for _, r := range digList(o.Doc, "spec", "rules") {
				for _, p := range digList(r, "http", "paths") {
					svc, ok := byKey["Service/"+digString(p, "backend", "service", "name")]
					if !ok {
						continue // reported as a reference
					}
					port := digString(p, "backend", "service", "port", "name")
					if port == "" {
						port = digString(p, "backend", "service", "port", "number")
					}
					var ports []string
					for _, sp := range digList(svc.Doc, "spec", "ports") {
						ports = append(ports, digString(sp, "name"), digString(sp, "port"))
					}
					if !slices.Contains(ports, port) {
						t.Errorf("%s: backend port %s is not a port of %s", o, port, svc)
					}
				}
			}
		case "NetworkPolicy", "PodDisruptionBudget":
			selKey := []any{"spec", "podSelector"}
			if o.Kind == "PodDisruptionBudget" {
				selKey = []any{"spec", "selector"}
			}
			matched := selectWorkloads(workloads, digMap(o.Doc, append(selKey, "matchLabels")...), digList(o.Doc, append(selKey, "matchExpressions")...))
			if len(matched) == 0 {
				t.Errorf("%s selects no pods", o)
			}
			for _, rule := range digList(o.Doc, "spec", "ingress") {
				for _, p := range digList(rule, "ports") {
					port := digString(p, "port")
					if slices.ContainsFunc(matched, func(w k8sObject) bool { return slices.Contains(containerPorts(w), port) }) {
						continue
					}
					t.Errorf("%s: port %s is declared by none of the pods it selects", o, port)
				}
			}
		}
	}
}

func ingressTLSSecret(objs []k8sObject, name string) bool {
	for _, o := range objs {
		if o.Kind != "Ingress" {
			continue
		}
		for _, tls := range digList(o.Doc, "spec", "tls") {
			if digString(tls, "secretName") == name {
				return true
			}
		}
	}
	return false
}

// selectWorkloads returns the workloads whose pod labels match.
func selectWorkloads(workloads map[string]k8sObject, labels map[string]any, exprs []any) []k8sObject {
	var out []k8sObject
	for _, name := range sortedKeys(workloads) {
		w := workloads[name]
		podLabels := digMap(podTemplate(w), "metadata", "labels")
		ok := len(labels) > 0 || len(exprs) > 0
		for k, v := range labels {
			if podLabels[k] != v {
				ok = false
			}
		}
		for _, e := range exprs {
			val, has := podLabels[digString(e, "key")]
			var values []string
			for _, x := range digList(e, "values") {
				values = append(values, fmt.Sprint(x))
			}
			switch digString(e, "operator") {
			case "In":
				ok = ok && has && slices.Contains(values, fmt.Sprint(val))
			case "NotIn":
				ok = ok && (!has || !slices.Contains(values, fmt.Sprint(val)))
			case "Exists":
				ok = ok && has
			case "DoesNotExist":
				ok = ok && !has
			}
		}
		if ok {
			out = append(out, w)
		}
	}
	return out
}

// containerPorts lists the names and numbers of a workload's ports.
func containerPorts(w k8sObject) []string {
	var out []string
	for _, c := range digList(podTemplate(w), "spec", "containers") {
		for _, p := range digList(c, "ports") {
			out = append(out, digString(p, "name"), digString(p, "containerPort"))
		}
	}
	return out
}

// mountSource says where a file path inside a container comes from.
type mountSource struct {
	Kind, Name, Key string // Secret/ConfigMap name and key; Kind "" = not from one
}

// resolveFile maps a path in a container to the Secret or ConfigMap (and
// key) mounted there.
func resolveFile(spec, container map[string]any, file string) mountSource {
	volumes := map[string]map[string]any{}
	for _, v := range digList(spec, "volumes") {
		volumes[digString(v, "name")] = v.(map[string]any)
	}
	for _, m := range digList(container, "volumeMounts") {
		mp := digString(m, "mountPath")
		rel, ok := strings.CutPrefix(file, mp+"/")
		if !ok {
			if file == mp {
				rel = ""
			} else {
				continue
			}
		}
		v := volumes[digString(m, "name")]
		for _, kind := range []string{"secret", "configMap"} {
			src := digMap(v, kind)
			if src == nil {
				continue
			}
			name := digString(src, "secretName")
			if kind == "configMap" {
				name = digString(src, "name")
			}
			k := strings.ToUpper(kind[:1]) + kind[1:]
			items := digList(src, "items")
			if len(items) == 0 || rel == "" {
				return mountSource{k, name, rel}
			}
			for _, it := range items {
				if digString(it, "path") == rel {
					return mountSource{k, name, digString(it, "key")}
				}
			}
			return mountSource{}
		}
	}
	return mountSource{}
}

// checkWorkload checks one workload's pod template.
func checkWorkload(t *testing.T, o k8sObject, pt map[string]any, image string, byKey map[string]k8sObject) {
	t.Helper()
	spec := digMap(pt, "spec")
	for k, v := range digMap(o.Doc, "spec", "selector", "matchLabels") {
		if digMap(pt, "metadata", "labels")[k] != v {
			t.Errorf("%s: selector %s=%v does not match the pod labels", o, k, v)
		}
	}
	if dig(spec, "automountServiceAccountToken") != false {
		t.Errorf("%s: automountServiceAccountToken must be false", o)
	}
	psc := digMap(spec, "securityContext")
	if dig(psc, "runAsNonRoot") != true || digString(psc, "runAsUser") != "65532" || digString(psc, "seccompProfile", "type") != "RuntimeDefault" {
		t.Errorf("%s: pod securityContext %v: want runAsNonRoot, runAsUser 65532, seccomp RuntimeDefault", o, psc)
	}
	volumeNames := map[string]bool{}
	for _, v := range digList(spec, "volumes") {
		volumeNames[digString(v, "name")] = true
	}
	for _, v := range digList(o.Doc, "spec", "volumeClaimTemplates") {
		volumeNames[digString(v, "metadata", "name")] = true
	}
	for _, c := range digList(spec, "containers") {
		c := c.(map[string]any)
		name := digString(c, "name")
		where := fmt.Sprintf("%s container %s", o, name)
		if got := digString(c, "image"); got != image {
			t.Errorf("%s: image %q, want %q (the Dockerfile's)", where, got, image)
		}
		sc := digMap(c, "securityContext")
		if dig(sc, "allowPrivilegeEscalation") != false || dig(sc, "readOnlyRootFilesystem") != true ||
			!slices.Contains(digList(sc, "capabilities", "drop"), any("ALL")) {
			t.Errorf("%s: securityContext %v: want no privilege escalation, read-only root, all capabilities dropped", where, sc)
		}
		for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
			a, b, _ := strings.Cut(r, ".")
			if digString(c, "resources", a, b) == "" {
				t.Errorf("%s: no resources.%s", where, r)
			}
		}
		for _, m := range digList(c, "volumeMounts") {
			if !volumeNames[digString(m, "name")] {
				t.Errorf("%s: mounts undefined volume %s", where, digString(m, "name"))
			}
		}
		// Probes on declared ports; /healthz for liveness, /readyz for readiness.
		var ports []string
		for _, p := range digList(c, "ports") {
			ports = append(ports, digString(p, "name"), digString(p, "containerPort"))
		}
		for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
			p := digMap(c, probe)
			if p == nil {
				if len(ports) > 0 && o.Kind != "Job" {
					t.Errorf("%s declares ports but has no %s", where, probe)
				}
				continue
			}
			if got := digString(p, "httpGet", "path"); got != path {
				t.Errorf("%s: %s path %q, want %s", where, probe, got, path)
			}
			if port := digString(p, "httpGet", "port"); !slices.Contains(ports, port) {
				t.Errorf("%s: %s port %s is not a declared containerPort %v", where, probe, port, ports)
			}
		}

		// The command line and its environment.
		var args []string
		for _, a := range digList(c, "args") {
			args = append(args, fmt.Sprint(a))
		}
		if cmd := digList(c, "command"); len(cmd) > 0 {
			t.Errorf("%s overrides the image's entrypoint (command %v): use args", where, cmd)
		}
		cmd, err := parseCommand(args)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		env := map[string]string{}
		for _, e := range digList(c, "envFrom") {
			if cm, ok := byKey["ConfigMap/"+digString(e, "configMapRef", "name")]; ok {
				for k, v := range digMap(cm.Doc, "data") {
					env[k] = fmt.Sprint(v)
				}
			}
		}
		for _, e := range digList(c, "env") {
			env[digString(e, "name")] = digString(e, "value")
		}
		eff, err := cmd.withEnv(env)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		file := func(p string) mountSource { return resolveFile(spec, c, p) }
		checkIdentity(t, where, cmd, eff, env, file)
		for _, f := range []string{"metrics-addr", "listen"} {
			if addr := eff[f]; addr != "" {
				_, port, _ := strings.Cut(addr, ":")
				if !slices.Contains(ports, port) {
					t.Errorf("%s: --%s %s is not a declared containerPort %v", where, f, addr, ports)
				}
			}
		}
		if eff["data"] != "" && !slices.ContainsFunc(digList(c, "volumeMounts"), func(m any) bool { return digString(m, "mountPath") == eff["data"] }) {
			t.Errorf("%s: --data %s is not a mounted volume (the root file system is read-only)", where, eff["data"])
		}
	}
}

// checkIdentity checks a winnow process's NATS identity and files: the
// user exists with the role its command needs and its own inbox prefix,
// and the files its flags name come from the right secrets. file resolves
// a path inside the process's file system to the generated secret it
// holds, named as in k8s/secrets.yaml.
func checkIdentity(t *testing.T, where string, cmd command, eff, env map[string]string, file func(string) mountSource) {
	t.Helper()
	role := roleOfCommand(cmd.Name)
	if role == "" {
		return
	}
	user := eff["nats-user"]
	u, ok := natsUserByName(user)
	switch {
	case !ok:
		t.Errorf("%s: NATS user %q is not in %s", where, user, accountsFile)
		return
	case u.Role != role:
		t.Errorf("%s: winnow %s runs as role %s, but user %s has role %s", where, cmd.Name, role, user, u.Role)
	}
	if got := eff["nats-inbox-prefix"]; got != inboxPrefix(user) {
		t.Errorf("%s: inbox prefix %q, want %q (the only inbox user %s may subscribe to)", where, got, inboxPrefix(user), user)
	}
	if got := file(eff["nats-password-file"]); got != (mountSource{"Secret", "winnow-nats-users", user}) {
		t.Errorf("%s: --nats-password-file %s comes from %+v, want key %s of Secret winnow-nats-users", where, eff["nats-password-file"], got, user)
	}
	if got := file(eff["nats-ca"]); got != (mountSource{"Secret", "nats-ca", "ca.crt"}) {
		t.Errorf("%s: --nats-ca %s comes from %+v, want Secret nats-ca", where, eff["nats-ca"], got)
	}
	if eff["nats-url"] == "" {
		t.Errorf("%s: no --nats-url (it would start an embedded server)", where)
	}
	checkCommandNeeds(t, where, cmd, eff, env, u, file)
}

// checkCommandNeeds checks the flags a command needs in a deployment,
// whatever the platform: sinks bind their user's durable, the admin makes
// every sink durable, sources and secrets come from where they should.
func checkCommandNeeds(t *testing.T, where string, cmd command, eff, env map[string]string, u natsUser, file func(string) mountSource) {
	t.Helper()
	switch {
	case cmd.Name == "admin init":
		if got := strings.Split(eff["sink-durables"], ","); !cmp.Equal(sorted(got), sorted(sinkDurables)) {
			t.Errorf("%s: --sink-durables %v, want %v (the durables accounts.conf grants)", where, got, sinkDurables)
		}
	case strings.HasPrefix(cmd.Name, "sink "):
		if !slices.Contains(u.Durables, eff["durable"]) {
			t.Errorf("%s: --durable %q, but user %s may only use %v", where, eff["durable"], u.Name, u.Durables)
		}
	case u.Role == natsbus.RoleCrawler:
		if got := file(eff["sources"]); got.Kind == "" {
			t.Errorf("%s: --sources %q is not mounted", where, eff["sources"])
		}
	}
	if slices.Contains(commandFlags[cmd.Name], "require-precreated") && eff["require-precreated"] != "true" {
		t.Errorf("%s: winnow %s must bind only (--require-precreated): user %s may not create consumers", where, cmd.Name, u.Name)
	}
	if slices.Contains(commandFlags[cmd.Name], "postgres") {
		if eff["postgres"] == "" {
			t.Errorf("%s: no --postgres DSN", where)
		}
		if strings.Contains(eff["postgres"], "password") || strings.Contains(eff["postgres"], ":@") {
			t.Errorf("%s: the DSN must not hold the password", where)
		}
		if got := file(env["PGPASSFILE"]); got.Kind != "Secret" || !strings.Contains(got.Key, "pgpass") {
			t.Errorf("%s: PGPASSFILE %q comes from %+v, want a pgpass Secret", where, env["PGPASSFILE"], got)
		}
	}
	if cmd.Name == "serve" {
		if got := file(eff["token-file"]); got.Kind != "Secret" {
			t.Errorf("%s: --token-file %q is not a Secret", where, eff["token-file"])
		}
	}
}

// TestHelmValues checks the NATS Helm chart values: a 3-node JetStream
// cluster with TLS and the deployment's accounts (an exact copy of
// accounts.conf, which -update refreshes), its credentials mounted where
// accounts.conf includes them from, and the compose file's NATS version.
func TestHelmValues(t *testing.T) {
	accounts, err := os.ReadFile(accountsFile)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		data, err := os.ReadFile(helmValuesFile)
		if err != nil {
			t.Fatal(err)
		}
		const marker = "      accounts.conf: |\n"
		i := strings.Index(string(data), marker)
		if i < 0 {
			t.Fatalf("%s: no line %q", helmValuesFile, marker)
		}
		var b strings.Builder
		b.WriteString(string(data[:i]) + marker)
		for _, l := range strings.SplitAfter(strings.TrimSuffix(string(accounts), "\n"), "\n") {
			if strings.TrimSpace(l) != "" {
				b.WriteString("        ")
			}
			b.WriteString(l)
		}
		b.WriteString("\n")
		writeFile(t, helmValuesFile, []byte(b.String()))
	}
	v := readYAML(t, helmValuesFile)
	type summary struct {
		Cluster, ClusterTLS, RouteVerify, ClientTLS, JetStream, FileStore, PVC bool
		Replicas                                                               int
		Include, CA, Accounts                                                  string
	}
	got := summary{
		Cluster: dig(v, "config", "cluster", "enabled") == true, Replicas: func() int { n, _ := dig(v, "config", "cluster", "replicas").(int); return n }(),
		ClusterTLS:  dig(v, "config", "cluster", "tls", "enabled") == true,
		RouteVerify: dig(v, "config", "cluster", "tls", "merge", "verify") == true,
		ClientTLS:   dig(v, "config", "nats", "tls", "enabled") == true,
		JetStream:   dig(v, "config", "jetstream", "enabled") == true,
		FileStore:   dig(v, "config", "jetstream", "fileStore", "enabled") == true,
		PVC: dig(v, "config", "jetstream", "fileStore", "pvc", "enabled") == true && digString(v, "config", "jetstream", "fileStore", "pvc", "size") != "" &&
			digString(v, "config", "jetstream", "fileStore", "maxSize") != "",
		Include:  digString(v, "config", "merge", "00$include"),
		CA:       digString(v, "tlsCA", "secretName"),
		Accounts: digString(v, "configMap", "merge", "data", "accounts.conf"),
	}
	want := summary{
		Cluster: true, Replicas: 3, ClusterTLS: true, RouteVerify: true, ClientTLS: true, JetStream: true, FileStore: true, PVC: true,
		Include: "accounts.conf", CA: "nats-ca", Accounts: string(accounts),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s; run go test ./deploy -run TestHelmValues -update to copy accounts.conf", helmValuesFile, diff)
	}
	// The credentials are mounted where accounts.conf, included from the
	// chart's config directory, looks for them.
	credDir := path.Dir(path.Join(helmChartConfig, credentialsInclude))
	var mounted, volume string
	for _, p := range digList(v, "container", "patch") {
		if digString(p, "path") == "/volumeMounts/-" && digString(p, "value", "mountPath") == credDir {
			mounted = digString(p, "value", "name")
		}
	}
	for _, p := range digList(v, "podTemplate", "patch") {
		if digString(p, "path") == "/spec/volumes/-" && digString(p, "value", "name") == mounted {
			volume = digString(p, "value", "secret", "secretName")
		}
	}
	if mounted == "" || volume != "nats-credentials" {
		t.Errorf("%s: Secret nats-credentials is not mounted at %s (mount %q, secret %q)", helmValuesFile, credDir, mounted, volume)
	}
	for _, r := range helmRefs(t) {
		if !slices.Contains(k8sSecretNames, r.Name) {
			t.Errorf("%s uses Secret %s, which TestSecrets does not generate", helmValuesFile, r.Name)
		}
	}
	// Same NATS server version as compose.
	compose := readCompose(t)
	natsImage := digString(compose, "services", "nats-1", "image")
	if want := digString(v, "container", "image", "repository") + ":" + digString(v, "container", "image", "tag"); natsImage != want {
		t.Errorf("Helm values run %s, compose runs %s", want, natsImage)
	}
}

// TestSourcesConfigMap checks that the winnow-sources ConfigMap holds the
// example sources of deploy/sources/ byte for byte (-update rewrites it).
// The demo source is left out: it crawls a loopback site, which the
// crawler refuses in a cluster.
func TestSourcesConfigMap(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sourcesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == "demo.yaml" })
	if len(files) == 0 {
		t.Fatal("no sources")
	}
	want := map[string]any{}
	var b strings.Builder
	b.WriteString(`# GENERATED from deploy/sources/ (all but demo.yaml, a loopback site) by
#   go test ./deploy -run TestSourcesConfigMap -count=1 -update
# Edit the sources there, or replace this ConfigMap with your own: every
# *.yaml key is one source (defaults.yaml: the defaults); winnow reloads
# them when the mounted files change. Check: winnow sources check DIR
apiVersion: v1
kind: ConfigMap
metadata:
  name: ` + sourcesCMName + `
  labels:
    app.kubernetes.io/part-of: winnow
data:
`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "\t") || !strings.HasSuffix(string(data), "\n") || strings.HasSuffix(string(data), "\n\n") {
			t.Fatalf("%s: tabs or not exactly one final newline: cannot be a YAML block scalar verbatim", f)
		}
		want[filepath.Base(f)] = string(data)
		fmt.Fprintf(&b, "  %s: |\n", filepath.Base(f))
		for _, l := range strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n") {
			if strings.TrimSpace(l) != "" {
				b.WriteString("    ")
			}
			b.WriteString(strings.TrimRight(l, " \n") + "\n")
		}
	}
	if *update {
		writeFile(t, sourcesCMFile, []byte(b.String()))
	}
	cm := readYAML(t, sourcesCMFile)
	if diff := cmp.Diff(want, digMap(cm, "data")); diff != "" {
		t.Errorf("%s differs from %s/ (-want +got); run go test ./deploy -run TestSourcesConfigMap -update\n%s", sourcesCMFile, sourcesDir, diff)
	}
}
