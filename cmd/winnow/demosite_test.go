package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDemoSiteLinkDense serves the link-dense site in each layout from
// the demo-site command and reads a page of it.
func TestDemoSiteLinkDense(t *testing.T) {
	for _, tt := range []struct{ layout, want string }{
		{"article-text", `<div class="article-body">`},
		{"portal", `<ul class="nav clearfix" data-area="nav">`},
	} {
		t.Run(tt.layout, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			var out syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"demo-site", "--addr", "127.0.0.1:0", "--linkdense", "10", "--layout", tt.layout},
					stdio{in: strings.NewReader(""), out: &out, err: io.Discard})
			}()
			var base string
			waitFor(t, 10*time.Second, "the site's address", func() bool {
				_, rest, ok := strings.Cut(out.String(), "demo site on ")
				base, _, _ = strings.Cut(rest, "\n")
				return ok && strings.HasSuffix(base, "/")
			})
			resp, err := http.Get(base + "news/bench/2026-10/02/p000001.html")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) != 30<<10 || !strings.Contains(string(body), tt.want) {
				t.Errorf("page 1: status %d, %d bytes, contains %q: %v", resp.StatusCode, len(body), tt.want, strings.Contains(string(body), tt.want))
			}
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("exit code %d", code)
			}
		})
	}
	if code := run(t.Context(), []string{"demo-site", "--linkdense", "10", "--layout", "tabloid"},
		stdio{in: strings.NewReader(""), out: io.Discard, err: io.Discard}); code != 2 {
		t.Errorf("unknown layout: exit code %d, want 2", code)
	}
}
