package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"winnow/sink/internal/bigram"
	"winnow/sink/sinktest"
)

// TestSearchVector checks that the client-built vector is exactly what the
// server's to_tsvector('simple', …) makes of the same tokens, limits
// included, and that the server accepts it.
func TestSearchVector(t *testing.T) {
	dsn := testDSN(t)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	seed := sinktest.SeedLike()
	tests := []struct{ name, title, body string }{
		{"seed", seed.Title + "\n" + seed.Subtitle, seed.Body},
		{"mixed scripts", "Hello ５Ｇ World", "法。政法干警 COVID-19 ニュース 뉴스"},
		{"empty", "", ""},
		{"20 KB body", "标题", sinktest.Sized(7, 20<<10).Body},
		{"a bigram over 255 times", "重复", strings.Repeat("政法，", 400)},
		{"past position 16383", "长文", strings.Repeat("甲乙丙丁戊己庚辛壬癸。", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var equal bool
			if err := conn.QueryRow(t.Context(), `SELECT $1::tsvector =
				setweight(to_tsvector('simple', $2), 'A') || to_tsvector('simple', $3)`,
				searchVector(tt.title, tt.body), bigram.Index(tt.title), bigram.Index(tt.body)).Scan(&equal); err != nil {
				t.Fatal(err)
			}
			if !equal {
				var got, want string
				conn.QueryRow(t.Context(), `SELECT left($1::tsvector::text, 300),
					left((setweight(to_tsvector('simple', $2), 'A') || to_tsvector('simple', $3))::text, 300)`,
					searchVector(tt.title, tt.body), bigram.Index(tt.title), bigram.Index(tt.body)).Scan(&got, &want)
				t.Errorf("client vector differs from to_tsvector:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// BenchmarkSearchVector measures building the search vector of a ~20 KB
// article on the client (no server needed).
func BenchmarkSearchVector(b *testing.B) {
	a := sinktest.Sized(7, 20<<10)
	b.SetBytes(int64(len(a.Body)))
	for b.Loop() {
		searchVector(a.Title+"\n"+a.Subtitle, a.Body)
	}
}
