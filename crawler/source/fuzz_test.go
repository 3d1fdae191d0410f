package source

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, dir := range []string{filepath.Join("..", "..", "deploy", "sources"), filepath.Join("testdata", "summary")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		"id: x\nseeds: [{url: 'http://a.example/'}]\n",
		"id: x\nseeds:\n  - &a {url: 'http://a.example/'}\n  - {<<: *a, kind: feed}\n",
		"id: x\nseeds: [{url: 'http://[::1]:80/'}]\nscope: {hosts: ['*.例子.中国', '[::1]:80']}\n",
		"a: &a [*a]\n",
		"id: x\n---\nid: y\n",
		"{}",
		"- 1",
		"id: !!binary aGk=\n",
		"schedule: {cron: '@every 1h', interval: 1h}\n",
	} {
		f.Add([]byte(s))
	}
	defaults, err := ParseDefaults("defaults.yaml", []byte("politeness: {min_delay: 2s}\nscope: {deny: ['^/x']}\n"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range []*Source{nil, defaults} {
			s, err := Parse("fuzz.yaml", data, d)
			if err != nil {
				if s != nil {
					t.Fatal("a source returned with an error")
				}
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error does not wrap ErrInvalid: %v", err)
				}
				continue
			}
			if !idRE.MatchString(s.ID) || len(s.Seeds) == 0 {
				t.Fatalf("invalid source accepted: id %q, %d seeds", s.ID, len(s.Seeds))
			}
			for _, sd := range s.Seeds {
				u, msg := checkSeedURL(sd.URL)
				if msg != "" {
					t.Fatalf("bad seed accepted: %s", msg)
				}
				if ok, reason := s.Scope.InScope(u); !ok {
					t.Fatalf("seed %s out of its own scope: %s", sd.URL, reason)
				}
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("Validate after Parse: %v", err)
			}
			_ = s.Summary()
			_ = s.Schedule.NextRun(time.Date(2024, 1, 1, 0, 0, 0, 0, s.Location()), s.Location())
		}
	})
}
