package deploy_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats-server/v2/conf"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

var (
	secretsOut = flag.String("secrets", "", "TestSecrets writes the deployment secrets into this directory (relative to deploy/), keeping what exists")
	natsHosts  = flag.String("nats-hosts", "", "TestSecrets: extra comma-separated DNS names or IP addresses for the NATS server certificate")
)

// k8sNamespace is the namespace of the Kubernetes manifests and of the
// generated Secrets.
const k8sNamespace = "winnow"

// defaultNATSHosts are the names the NATS server certificate covers: the
// compose services, the Helm chart's client Service and headless Service
// (release "nats" in namespace winnow), and loopback for port forwards.
var defaultNATSHosts = []string{
	"localhost", "127.0.0.1", "::1",
	"nats-1", "nats-2", "nats-3",
	"nats", "nats.winnow", "nats.winnow.svc", "nats.winnow.svc.cluster.local",
	"*.nats-headless", "*.nats-headless.winnow", "*.nats-headless.winnow.svc", "*.nats-headless.winnow.svc.cluster.local",
}

// Lifetimes of generated certificates, and when a server certificate is
// renewed by a rerun.
const (
	caLifetime     = 5 * 365 * 24 * time.Hour
	serverLifetime = 397 * 24 * time.Hour
	renewBefore    = 30 * 24 * time.Hour
)

// secretOptions configure generateSecrets.
type secretOptions struct {
	// Cost is the bcrypt cost of the password hashes.
	Cost int
	// Hosts are the NATS server certificate's names (DNS or IP).
	Hosts []string
	// Now is the time certificates are issued at.
	Now time.Time
}

// passwordUsers are the NATS users with a password file.
func passwordUsers() []string {
	var out []string
	for _, u := range natsUsers() {
		out = append(out, u.Name)
	}
	return append(out, sysUser)
}

// secretFiles are the files generateSecrets keeps in its directory.
func secretFiles() []string {
	files := []string{
		"nats/ca.crt", "nats/ca.key", "nats/server.crt", "nats/server.key", "nats/credentials.conf",
		"postgres/password", "postgres/pgpass", "serve-token", "k8s/secrets.yaml",
	}
	for _, u := range passwordUsers() {
		files = append(files, "nats/"+u+".password")
	}
	return files
}

// k8sSecretNames are the Secrets k8s/secrets.yaml defines.
var k8sSecretNames = []string{"nats-ca", "nats-server-tls", "nats-credentials", "winnow-nats-users", "winnow-postgres", "winnow-serve-token"}

// generateSecrets creates in dir every secret the deployment needs, and
// keeps those that exist and are still valid, so that it can be rerun to
// add what is missing or to rotate what was deleted. It returns the files
// it wrote, relative to dir.
//
//	nats/<user>.password      plain passwords (clients: --nats-password-file)
//	nats/credentials.conf     their bcrypt hashes (nats-server; included by accounts.conf)
//	nats/ca.{crt,key}         the CA (keep ca.key offline once the server certificate exists)
//	nats/server.{crt,key}     the servers' certificate (client and route TLS)
//	postgres/password, pgpass the PostgreSQL password (server) and pgpass file (clients)
//	serve-token               the web page's token (winnow serve --token-file)
//	k8s/secrets.yaml          all of the above as Kubernetes Secrets
func generateSecrets(dir string, o secretOptions) ([]string, error) {
	g := &secretGen{dir: dir}
	for _, sub := range []string{"", "nats", "postgres", "k8s"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	// Plain passwords and tokens: created when missing.
	passwords := map[string]string{}
	for _, u := range passwordUsers() {
		pw, err := g.keepOrCreate("nats/"+u+".password", func() string { return randomPassword() })
		if err != nil {
			return nil, err
		}
		passwords[u] = pw
	}
	pgPassword, err := g.keepOrCreate("postgres/password", randomPassword)
	if err != nil {
		return nil, err
	}
	if err := g.write("postgres/pgpass", []byte("*:*:*:winnow:"+pgPassword+"\n"), 0o644); err != nil {
		return nil, err
	}
	_, err = g.keepOrCreate("serve-token", func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	})
	if err != nil {
		return nil, err
	}
	// Hashes: an existing hash that still matches its password is kept.
	old := map[string]string{}
	if m, err := conf.ParseFile(filepath.Join(dir, "nats/credentials.conf")); err == nil {
		for k, v := range m {
			if s, ok := v.(string); ok {
				old[k] = s
			}
		}
	}
	var creds bytes.Buffer
	creds.WriteString("# credentials.conf — bcrypt hashes of the NATS users' passwords, included by\n")
	creds.WriteString("# accounts.conf. Generated: go test ./deploy -run TestSecrets -secrets=DIR\n")
	for _, u := range passwordUsers() {
		key := "PASSWORD_" + confVar(u)
		hash := old[key]
		if bcrypt.CompareHashAndPassword([]byte(hash), []byte(passwords[u])) != nil {
			h, err := bcrypt.GenerateFromPassword([]byte(passwords[u]), o.Cost)
			if err != nil {
				return nil, err
			}
			hash = string(h)
		}
		fmt.Fprintf(&creds, "%s: %q\n", key, hash)
	}
	if err := g.write("nats/credentials.conf", creds.Bytes(), 0o644); err != nil {
		return nil, err
	}
	ca, caKey, err := g.ensureCA(o.Now)
	if err != nil {
		return nil, err
	}
	if err := g.ensureServerCert(ca, caKey, o.Hosts, o.Now); err != nil {
		return nil, err
	}
	if err := g.writeK8s(); err != nil {
		return nil, err
	}
	return g.written, nil
}

type secretGen struct {
	dir     string
	written []string
}

func (g *secretGen) path(rel string) string { return filepath.Join(g.dir, rel) }

// write replaces rel with data unless it already holds exactly data. It
// rewrites the file in place rather than renaming a new one over it:
// compose bind-mounts single files, and a running container keeps seeing
// the old inode after a rename (a reload would then read stale secrets).
func (g *secretGen) write(rel string, data []byte, mode os.FileMode) error {
	if old, err := os.ReadFile(g.path(rel)); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.WriteFile(g.path(rel), data, mode); err != nil {
		return err
	}
	if err := os.Chmod(g.path(rel), mode); err != nil {
		return err
	}
	g.written = append(g.written, rel)
	return nil
}

// keepOrCreate returns the content of rel, creating it with create() if it
// does not exist or is empty. Files are world-readable inside the 0700
// directory: compose bind-mounts them into containers that run as other
// users (winnow 65532, postgres 999).
func (g *secretGen) keepOrCreate(rel string, create func() string) (string, error) {
	data, err := os.ReadFile(g.path(rel))
	if err == nil && len(bytes.TrimSpace(data)) > 0 {
		return string(bytes.TrimSpace(data)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	v := create()
	return v, g.write(rel, []byte(v), 0o644)
}

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (g *secretGen) ensureCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cert, errC := readCert(g.path("nats/ca.crt"))
	key, errK := readKey(g.path("nats/ca.key"))
	if errC == nil && errK == nil {
		if now.After(cert.NotAfter) {
			return nil, nil, fmt.Errorf("%s expired on %s: move nats/ca.* away and rerun (every client then needs the new ca.crt)", g.path("nats/ca.crt"), cert.NotAfter)
		}
		return cert, key, nil
	}
	if !errors.Is(errC, os.ErrNotExist) || !errors.Is(errK, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("CA: need both nats/ca.crt and nats/ca.key, or neither: %v; %v", errC, errK)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "winnow NATS CA", Organization: []string{"winnow"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	if err := g.writeKey("nats/ca.key", key, 0o600); err != nil {
		return nil, nil, err
	}
	if err := g.write("nats/ca.crt", pemBlock("CERTIFICATE", der), 0o644); err != nil {
		return nil, nil, err
	}
	cert, err = x509.ParseCertificate(der)
	return cert, key, err
}

// ensureServerCert keeps a server certificate that the CA signed, that
// covers every host and that is valid for more than renewBefore.
func (g *secretGen) ensureServerCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time) error {
	if cert, err := readCert(g.path("nats/server.crt")); err == nil {
		_, keyErr := readKey(g.path("nats/server.key"))
		if keyErr == nil && cert.CheckSignatureFrom(ca) == nil && now.Add(renewBefore).Before(cert.NotAfter) && coversHosts(cert, hosts) {
			return nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "nats", Organization: []string{"winnow"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(serverLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		// ClientAuth too: the nodes present it to each other on routes.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	if err := g.writeKey("nats/server.key", key, 0o644); err != nil {
		return err
	}
	return g.write("nats/server.crt", pemBlock("CERTIFICATE", der), 0o644)
}

func coversHosts(cert *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(cert.DNSNames, h) {
			return false
		}
	}
	return true
}

func (g *secretGen) writeKey(rel string, key *ecdsa.PrivateKey, mode os.FileMode) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return g.write(rel, pemBlock("PRIVATE KEY", der), mode)
}

// k8sSecretKeys maps generated files to the Secret and key that hold them
// in k8s/secrets.yaml: the names every platform's files are checked by.
func k8sSecretKeys() map[string]mountSource {
	m := map[string]mountSource{
		"nats/ca.crt":           {"Secret", "nats-ca", "ca.crt"},
		"nats/server.crt":       {"Secret", "nats-server-tls", "tls.crt"},
		"nats/server.key":       {"Secret", "nats-server-tls", "tls.key"},
		"nats/credentials.conf": {"Secret", "nats-credentials", "credentials.conf"},
		"postgres/pgpass":       {"Secret", "winnow-postgres", "pgpass"},
		"postgres/password":     {"Secret", "winnow-postgres", "password"},
		"serve-token":           {"Secret", "winnow-serve-token", "token"},
	}
	for _, u := range natsUsers() {
		m["nats/"+u.Name+".password"] = mountSource{"Secret", "winnow-nats-users", u.Name}
	}
	return m
}

// writeK8s writes k8s/secrets.yaml: the Secrets the manifests and the Helm
// values reference, for kubectl apply.
func (g *secretGen) writeK8s() error {
	data := map[string]map[string]string{}
	for rel, s := range k8sSecretKeys() {
		b, err := os.ReadFile(g.path(rel))
		if err != nil {
			return err
		}
		if data[s.Name] == nil {
			data[s.Name] = map[string]string{}
		}
		data[s.Name][s.Key] = string(b)
	}
	var out bytes.Buffer
	out.WriteString("# Generated by: go test ./deploy -run TestSecrets -secrets=DIR — kubectl apply -f this file.\n")
	for _, name := range sortedKeys(data) {
		typ := "Opaque"
		if name == "nats-server-tls" {
			typ = "kubernetes.io/tls"
		}
		b, err := yaml.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "Secret", "type": typ,
			"metadata":   map[string]any{"name": name, "namespace": k8sNamespace, "labels": map[string]string{"app.kubernetes.io/part-of": "winnow"}},
			"stringData": data[name],
		})
		if err != nil {
			return err
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	return g.write("k8s/secrets.yaml", out.Bytes(), 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return x509.ParseCertificate(b.Bytes)
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("%s: no PEM key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ECDSA key", path)
	}
	return ek, nil
}

// testSecrets generates a full set of secrets (cheap bcrypt cost) for a
// test and returns the directory.
func testSecrets(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := generateSecrets(dir, secretOptions{Cost: bcrypt.MinCost, Hosts: defaultNATSHosts, Now: time.Now()}); err != nil {
		t.Fatalf("generate secrets: %v", err)
	}
	return dir
}

// TestSecrets checks the secrets generator; with -secrets=DIR it writes
// (or completes, or rotates what was deleted from) a real set there.
func TestSecrets(t *testing.T) {
	now := time.Now()
	hosts := defaultNATSHosts
	for h := range strings.SplitSeq(*natsHosts, ",") {
		if h = strings.TrimSpace(h); h != "" && !slices.Contains(hosts, h) {
			hosts = append(slices.Clone(hosts), h)
		}
	}
	if *secretsOut != "" {
		written, err := generateSecrets(*secretsOut, secretOptions{Cost: 11, Hosts: hosts, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d files in %s: %v", len(written), *secretsOut, written)
		checkSecrets(t, *secretsOut, hosts, now)
		return
	}

	dir := t.TempDir()
	o := secretOptions{Cost: bcrypt.MinCost, Hosts: hosts, Now: now}
	written, err := generateSecrets(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sorted(secretFiles()), sorted(written)); diff != "" {
		t.Errorf("first run wrote (-want +got):\n%s", diff)
	}
	checkSecrets(t, dir, hosts, now)

	// A rerun keeps everything.
	if written, err := generateSecrets(dir, o); err != nil || len(written) != 0 {
		t.Errorf("rerun wrote %v, %v; want nothing", written, err)
	}

	// Rotation: delete one password; only it, its hash and the k8s
	// Secrets change.
	before := readAll(t, dir)
	if err := os.Remove(filepath.Join(dir, "nats/crawler.password")); err != nil {
		t.Fatal(err)
	}
	written, err = generateSecrets(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"k8s/secrets.yaml", "nats/crawler.password", "nats/credentials.conf"}, sorted(written)); diff != "" {
		t.Errorf("rotating crawler wrote (-want +got):\n%s", diff)
	}
	after := readAll(t, dir)
	if before["nats/crawler.password"] == after["nats/crawler.password"] {
		t.Error("crawler password did not change")
	}
	oldHashes, newHashes := parseCreds(t, before["nats/credentials.conf"]), parseCreds(t, after["nats/credentials.conf"])
	for _, u := range passwordUsers() {
		key := "PASSWORD_" + confVar(u)
		if changed := oldHashes[key] != newHashes[key]; changed != (u == "crawler") {
			t.Errorf("hash of %s changed = %v", u, changed)
		}
	}
	checkSecrets(t, dir, hosts, now)

	// A certificate that lacks a requested name, or is about to expire,
	// is reissued by the same CA.
	written, err = generateSecrets(dir, secretOptions{Cost: bcrypt.MinCost, Hosts: append(slices.Clone(hosts), "nats.example.org"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"k8s/secrets.yaml", "nats/server.crt", "nats/server.key"}, sorted(written)); diff != "" {
		t.Errorf("adding a host wrote (-want +got):\n%s", diff)
	}
	written, err = generateSecrets(dir, secretOptions{Cost: bcrypt.MinCost, Hosts: hosts, Now: now.Add(serverLifetime - renewBefore/2)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(written, "nats/server.crt") || slices.Contains(written, "nats/ca.crt") {
		t.Errorf("renewal near expiry wrote %v; want a new server.crt from the same CA", written)
	}
}

// checkSecrets verifies a generated set: passwords match their hashes,
// the server certificate chains to the CA for every host and both TLS
// uses, pgpass holds the PostgreSQL password, and the Kubernetes Secrets
// hold the same values.
func checkSecrets(t *testing.T, dir string, hosts []string, now time.Time) {
	t.Helper()
	files := readAll(t, dir)
	for _, f := range secretFiles() {
		if files[f] == "" {
			t.Errorf("%s is missing or empty", f)
		}
	}
	hashes := parseCreds(t, files["nats/credentials.conf"])
	if diff := cmp.Diff(len(passwordUsers()), len(hashes)); diff != "" {
		t.Errorf("credentials.conf variables (-want +got):\n%s", diff)
	}
	for _, u := range passwordUsers() {
		if err := bcrypt.CompareHashAndPassword([]byte(hashes["PASSWORD_"+confVar(u)]), []byte(files["nats/"+u+".password"])); err != nil {
			t.Errorf("user %s: password does not match its hash: %v", u, err)
		}
	}
	ca, err := readCert(filepath.Join(dir, "nats/ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := readCert(filepath.Join(dir, "nats/server.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, h := range hosts {
		name := strings.Replace(h, "*", "nats-0", 1)
		for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			if _, err := srv.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
				t.Errorf("server certificate for %s (usage %v): %v", name, usage, err)
			}
		}
	}
	if want := "*:*:*:winnow:" + files["postgres/password"] + "\n"; files["postgres/pgpass"] != want {
		t.Errorf("pgpass = %q, want %q", files["postgres/pgpass"], want)
	}
	docs := decodeYAMLDocs(t, "k8s/secrets.yaml", []byte(files["k8s/secrets.yaml"]))
	got := map[string]map[string]any{}
	for _, d := range docs {
		m := asMap(t, d["metadata"], "metadata")
		if m["namespace"] != k8sNamespace {
			t.Errorf("Secret %v: namespace %v", m["name"], m["namespace"])
		}
		got[m["name"].(string)] = asMap(t, d["stringData"], "stringData")
	}
	if diff := cmp.Diff(sorted(k8sSecretNames), sortedKeys(got)); diff != "" {
		t.Errorf("k8s Secrets (-want +got):\n%s", diff)
	}
	for _, u := range natsUsers() {
		if got["winnow-nats-users"][u.Name] != files["nats/"+u.Name+".password"] {
			t.Errorf("Secret winnow-nats-users[%s] differs from nats/%s.password", u.Name, u.Name)
		}
	}
	if got["nats-credentials"]["credentials.conf"] != files["nats/credentials.conf"] || got["winnow-serve-token"]["token"] != files["serve-token"] {
		t.Error("k8s Secrets differ from the files")
	}
	if _, ok := got["nats-server-tls"]["tls.key"]; !ok {
		t.Error("Secret nats-server-tls has no tls.key")
	}
	if _, ok := got["nats-ca"]["tls.key"]; ok {
		t.Error("Secret nats-ca must hold only the CA certificate")
	}
}

func parseCreds(t testing.TB, text string) map[string]string {
	t.Helper()
	m, err := conf.Parse(text)
	if err != nil {
		t.Fatalf("credentials.conf: %v", err)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

func readAll(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
