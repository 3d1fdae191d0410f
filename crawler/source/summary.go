package source

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// summaryFields are the columns of a summary line.
func (s *Source) summaryFields() []string {
	enabled := "enabled"
	if !s.IsEnabled() {
		enabled = "disabled"
	}
	var kinds []string
	for _, k := range seedKinds {
		n := 0
		for _, sd := range s.Seeds {
			kind := sd.Kind
			if kind == "" {
				kind = SeedListing
			}
			if kind == k {
				n++
			}
		}
		if n > 0 {
			kinds = append(kinds, string(k)+":"+strconv.Itoa(n))
		}
	}
	hosts := strings.Join(s.Scope.HostPatterns(), ",")
	if hosts == "" {
		hosts = "-"
	}
	name := s.Name
	if name == "" {
		name = "-"
	}
	pol := fmt.Sprintf("%s x%d", Duration(s.Politeness.Delay()), s.Politeness.PerHostConcurrency())
	if s.Politeness.IgnoreRobots {
		pol += " no-robots"
	}
	return []string{s.ID, name, enabled, strings.Join(kinds, ","), hosts, pol, s.Schedule.Describe()}
}

// Summary describes the source in one line: id, name, enabled, seeds by
// kind, hosts, delay and per-host concurrency, schedule. For example:
//
//	demo  Demo news site  enabled  seeds listing:1,feed:1,sitemap:1  hosts 127.0.0.1:8080  delay 20ms x2  every 15m
func (s *Source) Summary() string {
	f := s.summaryFields()
	f[3], f[4], f[5] = "seeds "+f[3], "hosts "+f[4], "delay "+f[5]
	return strings.Join(f, "  ")
}

// String returns Summary.
func (s *Source) String() string { return s.Summary() }

// WriteSummary writes a header and one aligned line per source (as
// "winnow sources check" prints them).
func WriteSummary(w io.Writer, srcs []*Source) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tSEEDS\tHOSTS\tPOLITENESS\tSCHEDULE")
	for _, s := range srcs {
		fmt.Fprintln(tw, strings.Join(s.summaryFields(), "\t"))
	}
	return tw.Flush()
}
