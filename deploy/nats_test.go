package deploy_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nats-server/v2/conf"
	"github.com/nats-io/nats-server/v2/server"

	"winnow/sink/natsbus"
)

var update = flag.Bool("update", false, "rewrite nats/accounts.conf from natsbus.Permissions")

const (
	accountsFile    = "nats/accounts.conf"
	clusterConfFile = "nats/nats-server.conf"
	// credentialsInclude is where accounts.conf includes the password
	// hashes from, relative to its own directory: /etc/nats/accounts.conf
	// (compose, VMs) and /etc/nats-config/accounts.conf (Helm chart) both
	// find them in /etc/nats-credentials/.
	credentialsInclude = "../nats-credentials/credentials.conf"
	// winnowAccount holds every winnow user and has JetStream.
	winnowAccount = "WINNOW"
	sysAccount    = "SYS"
)

// topology is the natsbus configuration of the deployment: the production
// names (no namespace). Permissions do not depend on replicas or limits.
var topology = natsbus.Config{}

// wantPermissions returns natsbus.Permissions for u.
func wantPermissions(t testing.TB, u natsUser) natsbus.RolePermissions {
	t.Helper()
	p, err := natsbus.Permissions(topology, u.Role, inboxPrefix(u.Name), u.Durables...)
	if err != nil {
		t.Fatalf("natsbus.Permissions(%s, %s): %v", u.Role, u.Name, err)
	}
	return p
}

// renderAccounts writes accounts.conf: one permissions variable and one
// user per identity, passwords from credentials.conf.
func renderAccounts(t testing.TB) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString(`# accounts.conf — NATS accounts, users and permissions of a winnow deployment.
#
# GENERATED from natsbus.Permissions (sink/natsbus/roles.go) by
#   go test ./deploy -run TestNATSAccounts -count=1 -update
# Do not edit by hand: deploy/nats_test.go fails when a permission here
# differs from what the winnow roles need, so code and config never drift.
#
# One user per role, each with least-privilege subjects and its own inbox
# prefix (winnow --nats-inbox-prefix _INBOX_<user>). Passwords are bcrypt
# hashes in the variables PASSWORD_<USER>, defined in the secret file
# included below (generate it: go test ./deploy -run TestSecrets -secrets=DIR).
# A variable the file lacks is taken from the server's environment.
# Rotating a password: deploy/OPERATIONS.md, "Rotate credentials".

include "` + credentialsInclude + `"

`)
	list := func(indent string, subjects []string) string {
		var s strings.Builder
		s.WriteString("[\n")
		for _, x := range subjects {
			fmt.Fprintf(&s, "%s  %q\n", indent, x)
		}
		s.WriteString(indent + "]")
		return s.String()
	}
	for _, u := range natsUsers() {
		p := wantPermissions(t, u)
		fmt.Fprintf(&b, "# %s: %s\n", u.Name, u.Purpose)
		fmt.Fprintf(&b, "PERMS_%s = {\n  publish: {\n    allow: %s\n", confVar(u.Name), list("    ", p.Publish))
		if len(p.PublishDeny) > 0 {
			fmt.Fprintf(&b, "    deny: %s\n", list("    ", p.PublishDeny))
		}
		fmt.Fprintf(&b, "  }\n  subscribe: {\n    allow: %s\n  }\n}\n\n", list("    ", p.Subscribe))
	}
	b.WriteString("accounts {\n")
	b.WriteString("  # Every winnow role, one JetStream-enabled account.\n")
	fmt.Fprintf(&b, "  %s {\n    jetstream: enabled\n    users: [\n", winnowAccount)
	for _, u := range natsUsers() {
		v := confVar(u.Name)
		fmt.Fprintf(&b, "      { user: %q, password: $PASSWORD_%s, permissions: $PERMS_%s }\n", u.Name, v, v)
	}
	b.WriteString("    ]\n  }\n")
	b.WriteString("  # The system account: monitoring and cluster operations (nats server\n")
	b.WriteString("  # report jetstream, raft peer-remove). Not for winnow processes.\n")
	fmt.Fprintf(&b, "  %s {\n    users: [\n      { user: %q, password: $PASSWORD_%s }\n    ]\n  }\n}\n", sysAccount, sysUser, confVar(sysUser))
	fmt.Fprintf(&b, "system_account: %s\n", sysAccount)
	return []byte(b.String())
}

// natsTree lays out the NATS config files as the containers see them,
// under a temporary root: etc/nats/{nats-server.conf,accounts.conf,tls/*},
// etc/nats-credentials/credentials.conf. The absolute paths of
// nats-server.conf are rewritten to the root. It returns the root.
func natsTree(t testing.TB, secrets string) string {
	t.Helper()
	root := t.TempDir()
	copyFile(t, accountsFile, filepath.Join(root, "etc/nats/accounts.conf"))
	copyFile(t, filepath.Join(secrets, "nats/credentials.conf"), filepath.Join(root, "etc/nats-credentials/credentials.conf"))
	for _, f := range []string{"ca.crt", "server.crt", "server.key"} {
		copyFile(t, filepath.Join(secrets, "nats", f), filepath.Join(root, "etc/nats/tls", f))
	}
	data, err := os.ReadFile(clusterConfFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range natsConfPaths {
		if !strings.Contains(string(data), `"`+p+`"`) {
			t.Fatalf("%s does not reference %s (compose.yaml and the test mount files there)", clusterConfFile, p)
		}
		data = []byte(strings.ReplaceAll(string(data), `"`+p+`"`, `"`+filepath.Join(root, p)+`"`))
	}
	writeFile(t, filepath.Join(root, "etc/nats/nats-server.conf"), data)
	return root
}

// natsConfPaths are the absolute paths nats-server.conf reads, which the
// compose file must mount.
var natsConfPaths = []string{"/etc/nats/tls/server.crt", "/etc/nats/tls/server.key", "/etc/nats/tls/ca.crt", "/data/jetstream"}

// TestNATSAccounts checks that accounts.conf is what the generator writes
// and, independently, that nats-server's own parser reads from it exactly
// natsbus.Permissions for each user's role, durables and inbox prefix.
func TestNATSAccounts(t *testing.T) {
	want := renderAccounts(t)
	if *update {
		writeFile(t, accountsFile, want)
	}
	got, err := os.ReadFile(accountsFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is not what natsbus.Permissions gives (-want +got); run: go test ./deploy -run TestNATSAccounts -update\n%s", accountsFile, diff)
	}

	root := natsTree(t, testSecrets(t))
	path := filepath.Join(root, "etc/nats/accounts.conf")

	// 1. The config parser's view (variables resolved, include followed).
	m, err := conf.ParseFile(path)
	if err != nil {
		t.Fatalf("conf.ParseFile: %v", err)
	}
	if got := m["system_account"]; got != sysAccount {
		t.Errorf("system_account = %v, want %s", got, sysAccount)
	}
	accounts := asMap(t, m["accounts"], "accounts")
	if diff := cmp.Diff([]string{sysAccount, winnowAccount}, sortedKeys(accounts)); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
	winnow := asMap(t, accounts[winnowAccount], winnowAccount)
	if js := winnow["jetstream"]; js != "enabled" {
		t.Errorf("%s jetstream = %v, want enabled", winnowAccount, js)
	}
	parsed := map[string]natsbus.RolePermissions{}
	for i, raw := range asList(t, winnow["users"], "users") {
		u := asMap(t, raw, fmt.Sprintf("users[%d]", i))
		name, _ := u["user"].(string)
		if pw, _ := u["password"].(string); !strings.HasPrefix(pw, "$2a$") {
			t.Errorf("user %s: password is not a bcrypt hash from credentials.conf: %q", name, pw)
		}
		perms := asMap(t, u["permissions"], name+".permissions")
		pub := asMap(t, perms["publish"], name+".publish")
		sub := asMap(t, perms["subscribe"], name+".subscribe")
		if _, ok := sub["deny"]; ok {
			t.Errorf("user %s: unexpected subscribe deny list", name)
		}
		parsed[name] = natsbus.RolePermissions{
			Publish:     asStrings(t, pub["allow"], name+".publish.allow"),
			PublishDeny: asStrings(t, pub["deny"], name+".publish.deny"),
			Subscribe:   asStrings(t, sub["allow"], name+".subscribe.allow"),
		}
	}
	sys := asMap(t, accounts[sysAccount], sysAccount)
	sysUsers := asList(t, sys["users"], "SYS.users")
	if len(sysUsers) != 1 || asMap(t, sysUsers[0], "SYS.users[0]")["user"] != sysUser {
		t.Errorf("%s users = %v, want only %q", sysAccount, sysUsers, sysUser)
	}

	// 2. The server's view: what it will enforce.
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("server.ProcessConfigFile: %v", err)
	}
	enforced := map[string]natsbus.RolePermissions{}
	for _, u := range opts.Users {
		if u.Account == nil {
			t.Errorf("user %s has no account", u.Username)
			continue
		}
		if u.Account.Name == sysAccount {
			if u.Permissions != nil {
				t.Errorf("system user %s has permissions %+v", u.Username, u.Permissions)
			}
			continue
		}
		if u.Account.Name != winnowAccount || u.Permissions == nil || u.Permissions.Publish == nil || u.Permissions.Subscribe == nil {
			t.Errorf("user %s: account %s, permissions %+v", u.Username, u.Account.Name, u.Permissions)
			continue
		}
		enforced[u.Username] = natsbus.RolePermissions{
			Publish: u.Permissions.Publish.Allow, PublishDeny: u.Permissions.Publish.Deny, Subscribe: u.Permissions.Subscribe.Allow,
		}
		if len(u.Permissions.Subscribe.Deny) > 0 {
			t.Errorf("user %s: unexpected subscribe deny %q", u.Username, u.Permissions.Subscribe.Deny)
		}
	}

	wantAll := map[string]natsbus.RolePermissions{}
	for _, u := range natsUsers() {
		wantAll[u.Name] = wantPermissions(t, u)
	}
	for view, got := range map[string]map[string]natsbus.RolePermissions{"conf.ParseFile": parsed, "server.ProcessConfigFile": enforced} {
		if diff := cmp.Diff(wantAll, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: users' permissions differ from natsbus.Permissions (-want +got):\n%s", view, diff)
		}
	}
}

// TestNATSClusterConfig checks what nats-server makes of the cluster
// config template (TLS files loaded, routes, JetStream, accounts).
func TestNATSClusterConfig(t *testing.T) {
	root := natsTree(t, testSecrets(t))
	t.Setenv("NATS_SERVER_NAME", "nats-2")
	opts, err := server.ProcessConfigFile(filepath.Join(root, "etc/nats/nats-server.conf"))
	if err != nil {
		t.Fatalf("nats-server rejects %s: %v", clusterConfFile, err)
	}
	var routes []string
	for _, r := range opts.Routes {
		routes = append(routes, r.String())
	}
	type summary struct {
		ServerName, Host, Cluster, ClusterHost, StoreDir, SystemAccount string
		Port, ClusterPort, HTTPPort                                     int
		JetStream, ClientTLS, ClientVerify, RouteTLS, RouteVerify       bool
		MaxStore, MaxMemory                                             int64
		MaxPayload                                                      int32
		Routes, Accounts                                                []string
	}
	got := summary{
		ServerName: opts.ServerName, Host: opts.Host, Cluster: opts.Cluster.Name, ClusterHost: opts.Cluster.Host,
		StoreDir: opts.StoreDir, SystemAccount: opts.SystemAccount,
		Port: opts.Port, ClusterPort: opts.Cluster.Port, HTTPPort: opts.HTTPPort,
		JetStream: opts.JetStream, ClientTLS: opts.TLSConfig != nil, ClientVerify: opts.TLSVerify,
		RouteTLS: opts.Cluster.TLSConfig != nil, RouteVerify: opts.Cluster.TLSConfig != nil && opts.Cluster.TLSConfig.ClientAuth != 0,
		MaxStore: opts.JetStreamMaxStore, MaxMemory: opts.JetStreamMaxMemory, MaxPayload: opts.MaxPayload,
		Routes: routes,
	}
	for _, a := range opts.Accounts {
		got.Accounts = append(got.Accounts, a.Name)
	}
	sort.Strings(got.Accounts)
	want := summary{
		ServerName: "nats-2", Host: "0.0.0.0", Cluster: "winnow", ClusterHost: "0.0.0.0",
		StoreDir: filepath.Join(root, "data/jetstream"), SystemAccount: sysAccount,
		Port: 4222, ClusterPort: 6222, HTTPPort: 8222,
		JetStream: true, ClientTLS: true, ClientVerify: false, RouteTLS: true, RouteVerify: true,
		MaxStore: 20 << 30, MaxMemory: 256 << 20, MaxPayload: 2 << 20, // nats-server units are powers of 1024
		Routes:   []string{"nats-route://nats-1:6222", "nats-route://nats-2:6222", "nats-route://nats-3:6222"},
		Accounts: []string{sysAccount, winnowAccount},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s as nats-server reads it (-want +got):\n%s", clusterConfFile, diff)
	}
	if !slices.ContainsFunc(opts.Users, func(u *server.User) bool { return u.Username == "crawler" }) {
		t.Errorf("the cluster config does not include the users of %s", accountsFile)
	}
}

func asMap(t testing.TB, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want a map, got %T", what, v)
	}
	return m
}

func asList(t testing.TB, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want a list, got %T", what, v)
	}
	return l
}

// asStrings reads a list of strings; a missing value is an empty list.
func asStrings(t testing.TB, v any, what string) []string {
	t.Helper()
	if v == nil {
		return nil
	}
	var out []string
	for i, x := range asList(t, v, what) {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("%s[%d]: want a string, got %T", what, i, x)
		}
		out = append(out, s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, data)
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
