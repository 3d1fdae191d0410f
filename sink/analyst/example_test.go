package analyst_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"winnow/sink/analyst"
	"winnow/sink/sinktest"
	"winnow/sink/sqlite"
)

// An Analyst over a SQLite store: removals by rule, and the crawl
// outcomes of a day.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "analyst-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "winnow.db")
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	_ = st.Write(ctx, sinktest.SeedLike())

	db, _ := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	defer db.Close()
	an, err := analyst.New(ctx, analyst.Options{DB: db, Dialect: analyst.SQLite})
	if err != nil {
		fmt.Println(err)
		return
	}
	stats, _ := an.Stats(ctx, analyst.Filter{})
	for _, t := range stats.RemovalsBy(func(c analyst.RemovalCount) string { return c.Rule }) {
		fmt.Println(t.Key, t.Count)
	}
	page, _ := an.Removals(ctx, analyst.Filter{Kind: "ad"})
	fmt.Println(page.Total, page.Rows[0].Text)

	day := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var tally analyst.OutcomeTally
	tally.Add("wuzhou", "handled", "handled", day)
	tally.Add("wuzhou", "skipped", "robots", day)
	_ = an.RecordOutcomes(ctx, tally.Counts())
	outcomes, _ := an.Outcomes(ctx, analyst.Filter{Source: "wuzhou"})
	for _, o := range outcomes {
		fmt.Println(o.Day, o.Kind, o.Reason, o.Count)
	}
	// Output:
	// ad.app_banner 1
	// boilerplate.breadcrumb 1
	// spam.keyword_chain 1
	// 1 梧州示例APP梧州示例
	// 2026-03-01 handled handled 1
	// 2026-03-01 skipped robots 1
}
