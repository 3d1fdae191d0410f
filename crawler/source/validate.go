package source

import (
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/language"
)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var (
	openCCConfigs = []string{"t2s", "s2t", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "t2tw", "t2hk", "s2hk-finance", "none"}
	seedKinds     = []SeedKind{SeedListing, SeedFeed, SeedSitemap, SeedArticle}
)

// OpenCCConfigs returns the accepted values of normalization.opencc.
func OpenCCConfigs() []string { return slices.Clone(openCCConfigs) }

// SeedKinds returns the accepted seed kinds.
func SeedKinds() []SeedKind { return slices.Clone(seedKinds) }

// Validate checks a source and compiles its patterns and cron expression;
// Parse, LoadFile and LoadDir call it. It also fills in the kind of seeds
// that have none (SeedListing). Every problem is reported, joined; each is
// a *FieldError wrapping ErrInvalid.
func (s *Source) Validate() error {
	p := &problems{file: s.File, pos: s.pos}
	s.validate(p, false)
	return p.err()
}

func (s *Source) validate(p *problems, isDefaults bool) {
	if !isDefaults {
		switch {
		case s.ID == "":
			p.add("id", nil, "missing: every source needs an id (lower-case letters, digits, - and _)")
		case !idRE.MatchString(s.ID):
			p.add("id", nil, "%q is not a valid id: 1-64 lower-case letters, digits, - and _, starting with a letter or digit", s.ID)
		}
		if len(s.Seeds) == 0 {
			p.add("seeds", nil, "at least one seed is required")
		}
	}
	if s.Language != "" {
		if _, err := language.Parse(s.Language); err != nil {
			p.add("language", err, "%q is not a BCP 47 language tag (e.g. zh, zh-Hant, en)", s.Language)
		}
	}
	s.loc = nil
	if s.Timezone != "" {
		if s.Timezone == "Local" {
			p.add("timezone", nil, `"Local" depends on the machine; name an IANA zone such as Asia/Shanghai`)
		} else if loc, err := time.LoadLocation(s.Timezone); err != nil {
			p.add("timezone", err, "%q is not a known IANA time zone (e.g. Asia/Shanghai)", s.Timezone)
		} else {
			s.loc = loc
		}
	}

	seedURLs := make([]*url.URL, len(s.Seeds))
	seen := map[string]int{}
	for i := range s.Seeds {
		sd := &s.Seeds[i]
		path := "seeds[" + strconv.Itoa(i) + "]"
		if sd.Kind == "" {
			sd.Kind = SeedListing
		} else if !slices.Contains(seedKinds, sd.Kind) {
			p.add(path+".kind", nil, "%q is not a seed kind (listing, feed, sitemap or article)", sd.Kind)
		}
		u, msg := checkSeedURL(sd.URL)
		if msg != "" {
			p.add(path+".url", nil, "%s", msg)
			continue
		}
		if j, dup := seen[u.String()]; dup {
			p.add(path+".url", nil, "%q is also seeds[%d]", sd.URL, j)
			continue
		}
		seen[u.String()] = i
		seedURLs[i] = u
	}

	if s.Discovery.MaxDepth < 0 {
		p.add("discovery.max_depth", nil, "must not be negative")
	}
	s.validateScope(p, seedURLs, isDefaults)
	s.validatePoliteness(p)
	s.validateFetch(p)

	if c := s.Encoding.Charset; c != "" && !strings.EqualFold(c, "auto") {
		if enc, _ := charset.Lookup(c); enc == nil {
			p.add("encoding.charset", nil, "%q is not a known charset label (e.g. utf-8, gbk, gb18030, big5) or auto", c)
		}
	}
	if o := s.Normalization.OpenCC; o != "" && !slices.Contains(openCCConfigs, o) {
		p.add("normalization.opencc", nil, "%q is not an OpenCC configuration (one of %s)", o, strings.Join(openCCConfigs, ", "))
	}
	s.validateSchedule(p)
}

// checkSeedURL returns the parsed URL, or a message saying what is wrong.
func checkSeedURL(raw string) (*url.URL, string) {
	if raw == "" {
		return nil, "missing"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, strconv.Quote(raw) + " is not a URL: " + strings.TrimPrefix(err.Error(), "parse "+strconv.Quote(raw)+": ")
	}
	switch {
	case !u.IsAbs():
		return nil, strconv.Quote(raw) + " is not absolute (write http://host/path or https://host/path)"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, strconv.Quote(raw) + ": the scheme must be http or https"
	case u.Host == "" || u.Hostname() == "":
		return nil, strconv.Quote(raw) + " has no host"
	case u.User != nil:
		return nil, strconv.Quote(raw) + ": credentials in URLs are not allowed"
	}
	if _, err := parseHostPattern(u.Host); err != nil {
		return nil, strconv.Quote(raw) + " has an invalid host"
	}
	return u, ""
}

func (s *Source) validateScope(p *problems, seedURLs []*url.URL, isDefaults bool) {
	sc := &s.Scope
	sc.hostPats = nil
	for i, h := range sc.Hosts {
		pat, err := parseHostPattern(h)
		if err != nil {
			p.add("scope.hosts["+strconv.Itoa(i)+"]", nil, "%s", err.Error())
			continue
		}
		sc.hostPats = append(sc.hostPats, pat)
	}
	if len(sc.Hosts) == 0 && !isDefaults {
		for _, u := range seedURLs {
			if u == nil {
				continue
			}
			pat := seedPattern(u)
			if !slices.Contains(sc.hostPats, pat) {
				sc.hostPats = append(sc.hostPats, pat)
			}
		}
	}
	sc.articleRE = nil
	if sc.ArticlePattern != "" {
		re, err := regexp.Compile(sc.ArticlePattern)
		if err != nil {
			p.add("scope.article_pattern", err, "bad regular expression: %s", reMessage(err))
		} else {
			sc.articleRE = re
		}
	}
	sc.denyRE = nil
	denyOK := true
	for i, d := range sc.Deny {
		re, err := regexp.Compile(d)
		if err != nil {
			p.add("scope.deny["+strconv.Itoa(i)+"]", err, "bad regular expression: %s", reMessage(err))
			denyOK = false
			continue
		}
		sc.denyRE = append(sc.denyRE, re)
	}
	for i, sp := range sc.StripParams {
		if sp == "" || strings.ContainsAny(sp, "=&?# ") {
			p.add("scope.strip_params["+strconv.Itoa(i)+"]", nil, "%q is not a query parameter name", sp)
		}
	}
	if sc.MaxArticleAge < 0 {
		p.add("scope.max_article_age", nil, "must not be negative")
	}
	if sc.MaxPages < 0 {
		p.add("scope.max_pages", nil, "must not be negative")
	}
	if isDefaults || len(sc.hostPats) != len(sc.Hosts) && len(sc.Hosts) > 0 || !denyOK {
		return // seeds are checked against a scope that compiled cleanly
	}
	for i, u := range seedURLs {
		if u == nil {
			continue
		}
		if ok, reason := sc.InScope(u); !ok {
			switch reason {
			case ReasonHost:
				p.add("seeds["+strconv.Itoa(i)+"].url", nil, "host %s is not in scope.hosts", u.Host)
			case ReasonDenied:
				p.add("seeds["+strconv.Itoa(i)+"].url", nil, "%q is denied by scope.deny", u.String())
			}
		}
	}
}

// reMessage shortens a regexp error to its useful part.
func reMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

func (s *Source) validatePoliteness(p *problems) {
	pl := s.Politeness
	nonNegative(p, "politeness.robots_ttl", pl.RobotsTTL)
	nonNegative(p, "politeness.min_delay", pl.MinDelay)
	nonNegative(p, "politeness.max_crawl_delay", pl.MaxCrawlDelay)
	if pl.Concurrency < 0 {
		p.add("politeness.concurrency", nil, "must not be negative")
	}
	if strings.ContainsFunc(pl.UserAgent, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		p.add("politeness.user_agent", nil, "must not contain control characters or line breaks")
	}
}

func (s *Source) validateFetch(p *problems) {
	f := s.Fetch
	nonNegative(p, "fetch.connect_timeout", f.ConnectTimeout)
	nonNegative(p, "fetch.tls_timeout", f.TLSTimeout)
	nonNegative(p, "fetch.header_timeout", f.HeaderTimeout)
	nonNegative(p, "fetch.total_timeout", f.TotalTimeout)
	nonNegative(p, "fetch.backoff", f.Backoff)
	nonNegative(p, "fetch.max_backoff", f.MaxBackoff)
	if f.MaxBody < 0 {
		p.add("fetch.max_body", nil, "must not be negative")
	}
	if f.MaxRedirects < 0 {
		p.add("fetch.max_redirects", nil, "must not be negative")
	}
	if f.Retries < -1 {
		p.add("fetch.retries", nil, "must be -1 (no retries), 0 (default) or more")
	}
	if first, maxB := f.BackoffRange(); f.Backoff >= 0 && f.MaxBackoff >= 0 && first > maxB {
		p.add("fetch.backoff", nil, "%s is more than max_backoff (%s)", Duration(first), Duration(maxB))
	}
	for i, ct := range f.ContentTypes {
		if !validMediaRange(ct) {
			p.add("fetch.content_types["+strconv.Itoa(i)+"]", nil, "%q is not a media type such as text/html or text/*", ct)
		}
	}
}

func validMediaRange(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || len(params) > 0 {
		return false
	}
	typ, sub, ok := strings.Cut(mt, "/")
	return ok && typ != "" && typ != "*" && sub != ""
}

func (s *Source) validateSchedule(p *problems) {
	sc := &s.Schedule
	for _, d := range []struct {
		path string
		v    Duration
	}{
		{"schedule.interval", sc.Interval}, {"schedule.min_interval", sc.MinInterval},
		{"schedule.max_interval", sc.MaxInterval}, {"schedule.jitter", sc.Jitter},
		{"schedule.refetch", sc.Refetch}, {"schedule.degraded_interval", sc.DegradedInterval},
	} {
		nonNegative(p, d.path, d.v)
	}
	sc.cronSched = nil
	if sc.Cron != "" {
		sched, err := cron.ParseStandard(sc.Cron)
		if err != nil {
			p.add("schedule.cron", err, "%q is not a cron expression (5 fields: minute hour day-of-month month day-of-week, or @hourly …): %v", sc.Cron, err)
		} else {
			sc.cronSched = sched
		}
		if sc.Interval != 0 {
			p.add("schedule.interval", nil, "cron and interval are exclusive; set one")
		}
		if sc.MinInterval != 0 || sc.MaxInterval != 0 {
			p.add("schedule.cron", nil, "cron cannot be combined with min_interval/max_interval")
		}
	}
	switch {
	case (sc.MinInterval == 0) != (sc.MaxInterval == 0):
		field := "schedule.min_interval"
		if sc.MaxInterval != 0 {
			field = "schedule.max_interval"
		}
		p.add(field, nil, "min_interval and max_interval go together (set both for an adaptive interval)")
	case sc.MinInterval > sc.MaxInterval:
		p.add("schedule.min_interval", nil, "%s is more than max_interval (%s)", sc.MinInterval, sc.MaxInterval)
	case sc.MinInterval > 0 && sc.Interval != 0 && (sc.Interval < sc.MinInterval || sc.Interval > sc.MaxInterval):
		p.add("schedule.interval", nil, "%s is outside [min_interval, max_interval] = [%s, %s]", sc.Interval, sc.MinInterval, sc.MaxInterval)
	}
	if sc.RefetchTimes < 0 {
		p.add("schedule.refetch_times", nil, "must not be negative")
	} else if sc.RefetchTimes > 0 && sc.Refetch == 0 {
		p.add("schedule.refetch_times", nil, "needs schedule.refetch (how long after the first fetch)")
	}
	if sc.DegradedAfter < 0 {
		p.add("schedule.degraded_after", nil, "must not be negative")
	}
}

func nonNegative(p *problems, path string, d Duration) {
	if d < 0 {
		p.add(path, nil, "must not be negative")
	}
}
