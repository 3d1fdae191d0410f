package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"winnow/crawler/demosite"
)

// runDemoSite serves the bundled offline demo news site (or, with
// --linkdense, the generated link-dense benchmark site) until interrupted.
func runDemoSite(ctx context.Context, std stdio, args []string) error {
	fs, _ := flagSet(std, "demo-site", "--addr 127.0.0.1:PORT [--linkdense N] [--page-bytes B] [--layout article-text|portal] [--hosts a.test,b.test]")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	linkDense := fs.Int("linkdense", 0, "serve the generated link-dense benchmark site with N pages instead of the news site")
	pageBytes := fs.Int("page-bytes", 30<<10, "size of each link-dense page")
	links := fs.Int("links", 50, "links per link-dense page")
	hosts := fs.String("hosts", "", "comma-separated host names the link-dense pages are spread over")
	layoutName := fs.String("layout", demosite.LayoutArticleText.String(), "link-dense page layout: article-text or portal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var layout demosite.Layout
	switch *layoutName {
	case demosite.LayoutArticleText.String():
	case demosite.LayoutPortal.String():
		layout = demosite.LayoutPortal
	default:
		return usagef("--layout %q: want %s or %s", *layoutName, demosite.LayoutArticleText, demosite.LayoutPortal)
	}
	log := newLogger(std.err, slog.LevelInfo)
	var handler http.Handler
	if *linkDense > 0 {
		handler = demosite.NewLinkDense(demosite.Options{Pages: *linkDense, PageBytes: *pageBytes, LinksPerPage: *links, Hosts: splitList(*hosts), Layout: layout})
	} else {
		site := demosite.New(demosite.Options{Logger: log})
		if err := site.Err(); err != nil {
			return err
		}
		handler = site.Handler()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "demo site on http://%s/\n", ln.Addr())
	return serveUntilDone(ctx, ln, handler)
}

// serveUntilDone serves h on ln until ctx ends, then shuts down within 5s.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
