package schedule

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"winnow/crawler/source"
)

// racyWindow: a file modified this close to a scan may change again
// without its mtime changing (coarse file-system timestamps), so it is
// re-read at the next scan.
const racyWindow = 2 * time.Second

// Watch hot-reloads a sources directory: it loads dir at once, calls
// onChange with the sources, then polls dir every interval (zero means
// 5s) on the scheduler's Clock and calls onChange again whenever a
// source or defaults file was added, removed or changed (mtime, size and
// a SHA-256 of the content; no file-system notifications). onChange nil
// means [Scheduler.SetSources].
//
// A directory that loads cleanly with [source.LoadDir] replaces the
// sources. Otherwise each file is parsed on its own (under the defaults
// file): a file that fails keeps the last good version of its source (or
// stays unscheduled if it never loaded), and the error is logged; a
// broken defaults file keeps every source as it was. Removed files stop
// being scheduled (their state stays in the store); new files start.
//
// Watch returns an error only when dir cannot be read at the start; it
// returns nil when ctx ends. Later read errors are logged.
func (s *Scheduler) Watch(ctx context.Context, dir string, interval time.Duration, onChange func([]*source.Source)) error {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	if onChange == nil {
		onChange = s.SetSources
	}
	w := &dirWatcher{dir: dir, log: s.log.With("dir", dir)}
	if _, err := w.scan(); err != nil {
		return fmt.Errorf("schedule: watch: %w", err)
	}
	onChange(w.load())
	for {
		t := s.clock.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
		changed, err := w.scan()
		if err != nil {
			w.log.Warn("scanning the sources directory", "err", err)
			continue
		}
		if changed {
			onChange(w.load())
		}
	}
}

// fileStamp is what a scan remembers of one file.
type fileStamp struct {
	mtime   time.Time
	size    int64
	hash    [sha256.Size]byte
	settled bool // modified well before it was hashed: same mtime and size mean same content
}

// dirWatcher tracks one sources directory between scans.
type dirWatcher struct {
	dir   string
	log   *slog.Logger
	files map[string]fileStamp      // by path, from the last scan
	good  map[string]*source.Source // the last good source of each file, by path
}

// scan fingerprints the directory's source files and reports whether
// anything changed since the last scan.
func (w *dirWatcher) scan() (bool, error) {
	paths, err := sourceFiles(w.dir)
	if err != nil {
		return false, err
	}
	scanned := time.Now() // file times are wall-clock times
	next := make(map[string]fileStamp, len(paths))
	changed := w.files == nil || len(paths) != len(w.files)
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			changed = true // vanished since the listing
			continue
		}
		prev, had := w.files[p]
		if had && prev.settled && prev.mtime.Equal(fi.ModTime()) && prev.size == fi.Size() {
			next[p] = prev
			continue
		}
		data, err := readSourceFile(p)
		if err != nil {
			data = []byte("unreadable: " + err.Error())
		}
		st := fileStamp{
			mtime:   fi.ModTime(),
			size:    fi.Size(),
			hash:    sha256.Sum256(data),
			settled: fi.ModTime().Before(scanned.Add(-racyWindow)),
		}
		if !had || prev.hash != st.hash {
			changed = true
		}
		next[p] = st
	}
	for p := range w.files {
		if _, ok := next[p]; !ok {
			changed = true
		}
	}
	w.files = next
	return changed, nil
}

// load returns the directory's sources, keeping the last good version of
// files that fail.
func (w *dirWatcher) load() []*source.Source {
	srcs, err := source.LoadDir(w.dir)
	if err == nil {
		w.good = make(map[string]*source.Source, len(srcs))
		for _, src := range srcs {
			w.good[src.File] = src
		}
		return srcs
	}
	return w.loadEach()
}

// loadEach parses every file on its own.
func (w *dirWatcher) loadEach() []*source.Source {
	paths, err := sourceFiles(w.dir)
	if err != nil {
		w.log.Error("reading the sources directory; keeping the sources as they were", "err", err)
		return w.previous()
	}
	var files, defaultsFiles []string
	for _, p := range paths {
		if base := filepath.Base(p); base == source.DefaultsFile || base == source.AltDefaultsFile {
			defaultsFiles = append(defaultsFiles, p)
		} else {
			files = append(files, p)
		}
	}
	var defaults *source.Source
	switch len(defaultsFiles) {
	case 0:
	case 1:
		data, err := readSourceFile(defaultsFiles[0])
		if err == nil {
			defaults, err = source.ParseDefaults(defaultsFiles[0], data)
		}
		if err != nil {
			w.log.Error("defaults file does not load; keeping every source as it was", "file", defaultsFiles[0], "err", err)
			return w.previous()
		}
	default:
		w.log.Error("more than one defaults file; keeping every source as it was", "files", strings.Join(defaultsFiles, ", "))
		return w.previous()
	}
	good := make(map[string]*source.Source, len(files))
	byID := make(map[string]string, len(files))
	for _, p := range files {
		data, err := readSourceFile(p)
		var src *source.Source
		if err == nil {
			src, err = source.Parse(p, data, defaults)
		}
		if err != nil {
			prev := w.good[p]
			if prev == nil {
				w.log.Error("source file does not load; not scheduled", "file", p, "err", err)
				continue
			}
			w.log.Error("source file does not load; keeping its last good version", "file", p, "source", prev.ID, "err", err)
			src = prev
		}
		if first, dup := byID[src.ID]; dup {
			w.log.Error("duplicate source id; file ignored", "file", p, "source", src.ID, "first", first)
			continue
		}
		byID[src.ID] = p
		good[p] = src
	}
	w.good = good
	return w.previous()
}

// previous returns the last good sources, sorted by id.
func (w *dirWatcher) previous() []*source.Source {
	out := make([]*source.Source, 0, len(w.good))
	for _, src := range w.good {
		out = append(out, src)
	}
	slices.SortFunc(out, func(a, b *source.Source) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// sourceFiles lists the files source.LoadDir reads (defaults included),
// sorted.
func sourceFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if ext := filepath.Ext(name); ext != ".yaml" && ext != ".yml" {
			continue
		}
		paths = append(paths, filepath.Join(dir, name))
	}
	slices.Sort(paths)
	return paths, nil
}

// readSourceFile reads at most source.MaxFileSize bytes of path.
func readSourceFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, source.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > source.MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, source.MaxFileSize)
	}
	return data, nil
}
