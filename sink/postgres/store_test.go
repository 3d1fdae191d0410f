package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sinktest"
)

func TestOpenOptions(t *testing.T) {
	for _, opts := range []Options{{}, {DSN: "postgres://x@127.0.0.1/db", MaxConns: -1}, {DSN: "::not a dsn::"}} {
		if s, err := Open(t.Context(), opts); !errors.Is(err, ErrOptions) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%+v) = %v, want ErrOptions", opts, err)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err       error
		transient bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},  // serialization_failure
		{&pgconn.PgError{Code: "40P01"}, true},  // deadlock_detected
		{&pgconn.PgError{Code: "57P01"}, true},  // admin_shutdown
		{&pgconn.PgError{Code: "08006"}, true},  // connection_failure
		{&pgconn.PgError{Code: "53100"}, true},  // disk_full
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined_table
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{context.Canceled, false},
		{errors.New("something else"), false},
	}
	for _, tt := range tests {
		if got := errors.Is(classify(tt.err), ErrTransient); got != tt.transient {
			t.Errorf("classify(%v) transient = %v, want %v", tt.err, got, tt.transient)
		}
	}
}

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnavailable: pointed at a closed port, Open succeeds and every call
// fails at once with a retryable error (never a rejection).
func TestUnavailable(t *testing.T) {
	s, err := Open(t.Context(), Options{DSN: "postgres://postgres@" + closedPort(t) + "/test?sslmode=disable"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	// The bound is only a backstop; the error must come from the refused
	// connection, not from this deadline.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err = s.Write(ctx, sinktest.Article(1))
	t.Logf("Write to a closed port returned after %v: %v", time.Since(start), err)
	if !errors.Is(err, ErrTransient) || errors.Is(err, sink.ErrRejected) {
		t.Errorf("Write = %v, want ErrTransient and not ErrRejected", err)
	}
	if ctx.Err() != nil {
		t.Errorf("Write waited for the test's deadline instead of failing on the refused connection")
	}
	if _, err := s.Search(ctx, "政法", sink.SearchOptions{}); !errors.Is(err, ErrTransient) {
		t.Errorf("Search = %v, want ErrTransient", err)
	}
	// An invalid record is still a rejection: it is checked before any
	// connection.
	bad := sinktest.Article(2)
	bad.ID = "x"
	if err := s.Write(ctx, bad); !errors.Is(err, sink.ErrRejected) {
		t.Errorf("Write(invalid) = %v, want ErrRejected", err)
	}
}

// proxy forwards TCP connections to target until closed.
type proxy struct {
	l      net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestConnectionLost: the server going away under an open store gives
// retryable errors, and nothing half-written.
func TestConnectionLost(t *testing.T) {
	dsn := testDSN(t)
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := newSchema(t, dsn)
	p := startProxy(t, net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)))
	proxied := fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", cfg.User, p.l.Addr(), cfg.Database)
	s := openSchema(t, proxied, schema)
	if err := s.Write(t.Context(), sinktest.Article(1)); err != nil {
		t.Fatalf("Write through the proxy: %v", err)
	}
	p.close()
	err = s.Write(t.Context(), sinktest.Article(2))
	if !errors.Is(err, ErrTransient) || errors.Is(err, sink.ErrRejected) {
		t.Errorf("Write after the connection broke = %v, want ErrTransient", err)
	}
	direct := openSchema(t, dsn, schema)
	if _, err := direct.Get(t.Context(), sinktest.Article(2).ID); !errors.Is(err, sink.ErrNotFound) {
		t.Errorf("the failed write left a row: Get = %v", err)
	}
	if _, err := direct.Get(t.Context(), sinktest.Article(1).ID); err != nil {
		t.Errorf("the committed write is gone: %v", err)
	}
}

func TestLZ4(t *testing.T) {
	dsn := testDSN(t)
	s := openSchema(t, dsn, newSchema(t, dsn))
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Does this server have lz4 at all?
	tx, err := s.Pool().Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, lz4Err := tx.Exec(t.Context(), `CREATE TEMP TABLE lz4_probe (b text COMPRESSION lz4)`)
	tx.Rollback(t.Context())
	want := "l"
	if lz4Err != nil {
		t.Logf("server without lz4 (%v): the default must stay", lz4Err)
		want = ""
	}
	for _, col := range lz4Columns {
		var got string
		if err := s.Pool().QueryRow(t.Context(), `SELECT attcompression::text FROM pg_attribute
			WHERE attrelid = 'articles'::regclass AND attname = $1`, col).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("column %s compression = %q, want %q", col, got, want)
		}
	}
}

// TestConcurrentMigrate starts several stores on a new schema at once.
func TestConcurrentMigrate(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t, dsn)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	stores := make([]*Store, 4)
	for i := range stores {
		stores[i] = openSchema(t, dsn, schema)
		wg.Go(func() { errs[i] = stores[i].Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	var n, max int
	if err := stores[0].Pool().QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	steps, _ := migrations.Steps()
	if n != len(steps) || max != len(steps) {
		t.Errorf("schema_migrations: %d rows up to %d, want %d once each", n, max, len(steps))
	}

	// A newer schema is refused.
	if _, err := stores[0].Pool().Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (99, 'future')`); err != nil {
		t.Fatal(err)
	}
	late := openSchema(t, dsn, schema)
	if err := late.Migrate(t.Context()); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Migrate of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

// TestAnalystColumns checks the tables as an analyst's SQL sees them.
func TestAnalystColumns(t *testing.T) {
	dsn := testDSN(t)
	s := openSchema(t, dsn, newSchema(t, dsn))
	a := sinktest.SeedLike()
	recordtest.Check(t, a)
	if err := s.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Source, Authors, Published, Verdict, Norm, Offset string
		Removed                                           int
	}
	var got row
	if err := s.Pool().QueryRow(t.Context(), `SELECT source, authors::text,
		to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), hygiene_verdict,
		normalization::text, record->>'published_at', removed_count
		FROM articles WHERE id = $1`, a.ID).Scan(&got.Source, &got.Authors, &got.Published, &got.Verdict,
		&got.Norm, &got.Offset, &got.Removed); err != nil {
		t.Fatal(err)
	}
	want := row{Source: "wuzhou-example", Authors: `["陈立", "黄敏"]`, Published: "2022-02-23T16:00:00Z",
		Verdict: "cleaned", Norm: `{"opencc": "t2s"}`, Offset: "2022-02-24T00:00:00+08:00", Removed: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("articles row (-want +got):\n%s", diff)
	}
	var whole []byte
	if err := s.Pool().QueryRow(t.Context(), `SELECT jsonb_set(record, '{body}', to_jsonb(body)) FROM articles WHERE id = $1`,
		a.ID).Scan(&whole); err != nil {
		t.Fatal(err)
	}
	var rebuilt record.Article
	if err := json.Unmarshal(whole, &rebuilt); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, &rebuilt); diff != "" {
		t.Errorf("jsonb_set(record, '{body}', to_jsonb(body)) (-want +got):\n%s", diff)
	}
	var n int
	if err := s.Pool().QueryRow(t.Context(), `SELECT count(*) FROM removals
		WHERE rule = 'ad.app_banner' AND source = 'wuzhou-example' AND stored_at > now() - interval '1 hour'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("ad.app_banner removals = %d, want 1", n)
	}
}

func TestClosedCalls(t *testing.T) {
	s, err := Open(t.Context(), Options{DSN: "postgres://postgres@127.0.0.1:1/x"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Write(t.Context(), sinktest.Article(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Get(t.Context(), "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if err := s.Migrate(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Migrate after Close = %v, want ErrClosed", err)
	}
}
