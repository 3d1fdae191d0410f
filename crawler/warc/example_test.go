package warc_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"winnow/crawler/warc"
)

func Example() {
	dir, err := os.MkdirTemp("", "warc-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	w, err := warc.NewWriter(warc.Options{Dir: dir, Prefix: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ref, err := w.WriteResponse(context.Background(), warc.Response{
		URL:        "http://127.0.0.1:8080/news/local/2024-05/17/bridge.html",
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"text/html; charset=utf-8"}},
		Body:       []byte("<html><h1>大桥通车</h1></html>"),
		FetchedAt:  time.Date(2024, 5, 17, 8, 30, 0, 0, time.UTC),
		RemoteAddr: "127.0.0.1:8080",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	// The ref (stored as the article's raw_ref) opens the record again.
	r, err := warc.Open(dir, ref)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Method, r.URL, r.StatusCode, r.Header.Get("Content-Type"), r.RemoteAddr)
	fmt.Println(string(r.Body))

	// Scan replays every response of a file.
	parsed, _ := warc.ParseRef(ref)
	_ = warc.Scan(filepath.Join(dir, parsed.File), func(ref string, r *warc.Response) error {
		fmt.Println("scanned", r.URL, r.FetchedAt.Format(time.RFC3339))
		return nil
	})
	// Output:
	// GET http://127.0.0.1:8080/news/local/2024-05/17/bridge.html 200 text/html; charset=utf-8 127.0.0.1
	// <html><h1>大桥通车</h1></html>
	// scanned http://127.0.0.1:8080/news/local/2024-05/17/bridge.html 2024-05-17T08:30:00Z
}
