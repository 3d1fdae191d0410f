package dashboard

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"

	"winnow/sink/analyst"
)

// chart is an SVG bar chart laid out on the server; the template draws
// it. Every number is a coordinate in the SVG's viewBox.
type chart struct {
	ID, Title, Caption string
	W, H               int
	Bars               []bar
	XLabels, YLabels   []label
	Gridlines          []float64 // y coordinates
	Legend             []legend
	PlotX, PlotY       float64
	PlotW, PlotH       float64
	Empty              bool
}

type bar struct {
	X, Y, W, H float64
	Fill       string
	Tip        string  // the <title> tooltip
	Value      float64 // data-value, for tests and scripts
	Series     string
}

type label struct {
	X, Y   float64
	Text   string
	Anchor string // start, middle, end
}

type legend struct{ Fill, Text string }

// palette is colour-blind-safe-ish (Okabe–Ito plus greys).
var palette = []string{"#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000", "#999999", "#666666"}

// kindColors are fixed per crawl outcome kind.
var kindColors = map[string]string{"handled": "#009e73", "not_article": "#56b4e9", "failed": "#d55e00", "skipped": "#999999"}

const (
	chartW, chartH = 640, 240
	padL, padR     = 52, 12
	padT, padB     = 12, 44
)

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func formatNum(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// stacked lays out a stacked vertical bar chart: one bar per x key,
// stacked by series, with values from value(x, series).
func stacked(id, title string, xs, series []string, colors func(i int, s string) string, value func(x, s string) float64, unit string) *chart {
	c := &chart{ID: id, Title: title, W: chartW, H: chartH, PlotX: padL, PlotY: padT, PlotW: chartW - padL - padR, PlotH: chartH - padT - padB}
	maxV := 0.0
	for _, x := range xs {
		sum := 0.0
		for _, s := range series {
			sum += value(x, s)
		}
		maxV = max(maxV, sum)
	}
	if len(xs) == 0 || maxV == 0 {
		c.Empty = true
		return c
	}
	top := niceMax(maxV)
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := c.PlotY + c.PlotH - c.PlotH*v/top
		c.Gridlines = append(c.Gridlines, y)
		c.YLabels = append(c.YLabels, label{X: c.PlotX - 6, Y: y + 4, Text: formatNum(v), Anchor: "end"})
	}
	slot := c.PlotW / float64(len(xs))
	w := min(slot*0.7, 48)
	every := max(1, len(xs)/8) // at most ~8 x labels
	for i, x := range xs {
		cx := c.PlotX + slot*(float64(i)+0.5)
		y := c.PlotY + c.PlotH
		for j, s := range series {
			v := value(x, s)
			if v <= 0 {
				continue
			}
			h := c.PlotH * v / top
			y -= h
			c.Bars = append(c.Bars, bar{X: cx - w/2, Y: y, W: w, H: h, Fill: colors(j, s), Value: v, Series: s,
				Tip: x + " · " + s + ": " + formatNum(v) + unit})
		}
		if i%every == 0 || i == len(xs)-1 {
			c.XLabels = append(c.XLabels, label{X: cx, Y: c.PlotY + c.PlotH + 16, Text: shortDay(x), Anchor: "middle"})
		}
	}
	for j, s := range series {
		c.Legend = append(c.Legend, legend{Fill: colors(j, s), Text: s})
	}
	return c
}

// shortDay turns 2026-03-01 into 03-01.
func shortDay(d string) string {
	if len(d) == 10 && d[4] == '-' {
		return d[5:]
	}
	return d
}

// removalsChart: removals per rule per day, the eight commonest rules
// and the rest as "other".
func removalsChart(st analyst.Stats) *chart {
	byRule := st.RemovalsBy(func(c analyst.RemovalCount) string { return c.Rule })
	top := map[string]bool{}
	var series []string
	for i, t := range byRule {
		if i < 8 {
			top[t.Key] = true
			series = append(series, t.Key)
		}
	}
	if len(byRule) > 8 {
		series = append(series, "other")
	}
	counts := map[[2]string]float64{}
	days := map[string]bool{}
	for _, c := range st.Removals {
		rule := c.Rule
		if !top[rule] {
			rule = "other"
		}
		counts[[2]string{c.Day, rule}] += float64(c.Count)
		days[c.Day] = true
	}
	c := stacked("chart-removals", "Removals per rule per day", slices.Sorted(maps.Keys(days)), series,
		func(i int, _ string) string { return palette[i%len(palette)] },
		func(x, s string) float64 { return counts[[2]string{x, s}] }, " removals")
	c.Caption = "Stacked by rule; days are UTC days of storage."
	return c
}

// spamChart: the spam-page rate of each source over the window, as
// horizontal bars.
func spamChart(st analyst.Stats) *chart {
	rows := st.PagesBySource()
	c := &chart{ID: "chart-spam", Title: "Spam-page rate per source", W: chartW, PlotX: 150, PlotY: padT, PlotW: chartW - 150 - 110}
	if len(rows) == 0 {
		c.H, c.Empty = chartH, true
		return c
	}
	const rowH = 26
	c.PlotH = float64(rowH * len(rows))
	c.H = int(c.PlotH) + padT + 30
	for i := 0; i <= 4; i++ {
		x := c.PlotX + c.PlotW*float64(i)/4
		c.XLabels = append(c.XLabels, label{X: x, Y: c.PlotY + c.PlotH + 16, Text: strconv.Itoa(25*i) + "%", Anchor: "middle"})
	}
	for i, p := range rows {
		y := c.PlotY + float64(i*rowH)
		rate := p.SpamRate()
		w := max(c.PlotW*rate, 1) // a hairline marks 0 %
		text := strconv.FormatFloat(100*rate, 'f', 1, 64) + "% (" + strconv.Itoa(p.SpamPages) + "/" + strconv.Itoa(p.Articles) + ")"
		c.Bars = append(c.Bars, bar{X: c.PlotX, Y: y + 4, W: w, H: rowH - 8, Fill: palette[3], Value: rate, Series: p.Source,
			Tip: p.Source + ": " + text + " spam pages"})
		c.YLabels = append(c.YLabels, label{X: c.PlotX - 8, Y: y + rowH/2 + 4, Text: p.Source, Anchor: "end"})
		c.YLabels = append(c.YLabels, label{X: c.PlotX + w + 6, Y: y + rowH/2 + 4, Text: text, Anchor: "start"})
	}
	c.Caption = "Share of stored records whose verdict is spam_page."
	return c
}

// outcomeKinds is the stacking order of crawl outcome kinds.
var outcomeKinds = []string{"handled", "not_article", "failed", "skipped"}

// outcomeCharts: one chart per source, crawl outcomes per day by kind.
func outcomeCharts(rows []analyst.OutcomeCount) []*chart {
	bySource := map[string][]analyst.OutcomeCount{}
	for _, r := range rows {
		bySource[r.Source] = append(bySource[r.Source], r)
	}
	var out []*chart
	for i, src := range slices.Sorted(maps.Keys(bySource)) {
		counts := map[[2]string]float64{}
		days := map[string]bool{}
		kinds := slices.Clone(outcomeKinds)
		for _, r := range bySource[src] {
			counts[[2]string{r.Day, r.Kind}] += float64(r.Count)
			days[r.Day] = true
			if !slices.Contains(kinds, r.Kind) {
				kinds = append(kinds, r.Kind)
			}
		}
		c := stacked("chart-outcomes-"+strconv.Itoa(i), "Crawl outcomes: "+src, slices.Sorted(maps.Keys(days)), kinds,
			func(j int, k string) string { return cmp.Or(kindColors[k], palette[j%len(palette)]) },
			func(x, k string) float64 { return counts[[2]string{x, k}] }, " tasks")
		c.Caption = "Tasks per UTC day by final state."
		out = append(out, c)
	}
	return out
}
