package zhmeta

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// cst is the zone the tests expect for dates without one.
func cst(t *testing.T) *time.Location {
	t.Helper()
	return DefaultLocation()
}

type dateResult struct {
	When      string // RFC 3339, "" when not ok
	Precision string
	OK        bool
}

func dateOf(t time.Time, prec string, ok bool) dateResult {
	if !ok {
		return dateResult{}
	}
	return dateResult{When: t.Format(time.RFC3339), Precision: prec, OK: true}
}

func TestParseDate(t *testing.T) {
	day, minute, second := record.PrecisionDay, record.PrecisionMinute, record.PrecisionSecond
	want := func(when, prec string) dateResult { return dateResult{When: when, Precision: prec, OK: true} }
	none := dateResult{}
	tests := []struct {
		in   string
		want dateResult
	}{
		// Separators.
		{"2022-02-24", want("2022-02-24T00:00:00+08:00", day)},
		{"2022-2-4", want("2022-02-04T00:00:00+08:00", day)},
		{"2022/02/24", want("2022-02-24T00:00:00+08:00", day)},
		{"2022.02.24", want("2022-02-24T00:00:00+08:00", day)},
		{"2022年2月24日", want("2022-02-24T00:00:00+08:00", day)},
		{"2022 年 2 月 24 日", want("2022-02-24T00:00:00+08:00", day)},
		{"2022年02月24日 10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"2022年02月24日10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"2022-02-24 10:30:05", want("2022-02-24T10:30:05+08:00", second)},
		{"2022/02/24 10:30:05", want("2022-02-24T10:30:05+08:00", second)},
		{"2019-09-3007:42", want("2019-09-30T07:42:00+08:00", minute)}, // stcn prints no space
		{"20220224", want("2022-02-24T00:00:00+08:00", day)},
		{"20220224 10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"20220224T103005", want("2022-02-24T10:30:05+08:00", second)},
		{"二〇二二年二月二十四日", want("2022-02-24T00:00:00+08:00", day)},
		{"二〇二一年十二月三十一日", want("2021-12-31T00:00:00+08:00", day)},
		{"二○二○年十月一日", want("2020-10-01T00:00:00+08:00", day)},
		// RFC 3339 and zones.
		{"2022-02-24T10:30:05+08:00", want("2022-02-24T10:30:05+08:00", second)},
		{"2022-02-24T02:30:05Z", want("2022-02-24T02:30:05Z", second)},
		{"2022-02-24T10:30:05.123+0800", want("2022-02-24T10:30:05+08:00", second)},
		{"2022-02-24 10:30 UTC+9", want("2022-02-24T10:30:00+09:00", minute)},
		{"2022-02-24 10:30 GMT-05:00", want("2022-02-24T10:30:00-05:00", minute)},
		// Labels and surrounding text.
		{"时间:2022-02-24", want("2022-02-24T00:00:00+08:00", day)},
		{"發佈時間：2022-02-24 10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"日期：2022年2月24日", want("2022-02-24T00:00:00+08:00", day)},
		{"发布于 2022-02-24 08:05", want("2022-02-24T08:05:00+08:00", minute)},
		{"发表于2022/2/24", want("2022-02-24T00:00:00+08:00", day)},
		{"來源：新華社 2022-02-24", want("2022-02-24T00:00:00+08:00", day)},
		// Full width.
		{"２０２２－０２－２４　１０：３０", want("2022-02-24T10:30:00+08:00", minute)},
		{"时间：２０２２年２月２４日", want("2022-02-24T00:00:00+08:00", day)},
		// 上午/下午, 时分秒, weekday.
		{"2022年2月24日 上午10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"2022年2月24日 下午3:05", want("2022-02-24T15:05:00+08:00", minute)},
		{"2022年2月24日下午3时5分", want("2022-02-24T15:05:00+08:00", minute)},
		{"2022年2月24日 10时30分05秒", want("2022-02-24T10:30:05+08:00", second)},
		{"2022年2月24日 凌晨12:10", want("2022-02-24T00:10:00+08:00", minute)},
		{"2022年2月24日 中午12:30", want("2022-02-24T12:30:00+08:00", minute)},
		{"2022年2月24日 星期四 10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"2022-02-24 (周四) 10:30", want("2022-02-24T10:30:00+08:00", minute)},
		{"2022-02-24 9:38:01 PM", want("2022-02-24T21:38:01+08:00", second)},
		{"2022年2月24日10时", want("2022-02-24T00:00:00+08:00", day)}, // hour alone: day
		// Two-digit years only with 年.
		{"22年2月24日", want("2022-02-24T00:00:00+08:00", day)},
		{"98年7月1日", want("1998-07-01T00:00:00+08:00", day)},
		{"22-02-24", none},
		{"24/02/22", none},
		// The first date wins.
		{"更新于2022-03-01，首发于2022-02-24", want("2022-03-01T00:00:00+08:00", day)},
		// Not dates.
		{"", none},
		{"没有日期的句子", none},
		{"09-30 22:46", none},      // no year
		{"2022-13-01", none},       // month 13
		{"2022-02-30", none},       // no 30 February
		{"2023年2月29日", none},       // not a leap year
		{"1989-06-01", none},       // before 1990
		{"2030-01-01", none},       // the future
		{"2022-02/24", none},       // mixed separators
		{"粤B2-20080118", none},     // a licence number
		{"电话 13920220224", none},   // digits inside a number
		{"《纲要（2019-2022年）》", none}, // a year range
		{"2022-02-24 25:61", want("2022-02-24T00:00:00+08:00", day)}, // bad time dropped
		{"2024年2月29日", want("2024-02-29T00:00:00+08:00", day)},
		{"2025-06-03", want("2025-06-03T00:00:00+08:00", day)}, // within two days of now
		{"2025-06-04", none},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := dateOf(ParseDateAt(tt.in, nil, testNow))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDateAt(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseDateLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	got, prec, ok := ParseDateAt("2022-02-24 10:30", tokyo, testNow)
	if !ok || prec != record.PrecisionMinute {
		t.Fatalf("ParseDateAt = %v, %q, %v", got, prec, ok)
	}
	if got.Location() != tokyo || got.Format(time.RFC3339) != "2022-02-24T10:30:00+09:00" {
		t.Errorf("got %v in %v, want 10:30 in JST", got, got.Location())
	}
	// A zone in the string wins over loc.
	got, _, _ = ParseDateAt("2022-02-24T10:30:00Z", tokyo, testNow)
	if got.Location() != time.UTC {
		t.Errorf("zone from string: got %v, want UTC", got.Location())
	}
	// nil means Asia/Shanghai (or its fixed stand-in).
	got, _, _ = ParseDateAt("2022-02-24", nil, testNow)
	if got.Location() != cst(t) {
		t.Errorf("nil location: got %v, want %v", got.Location(), cst(t))
	}
	if _, off := got.Zone(); off != 8*3600 {
		t.Errorf("nil location offset = %d, want 28800", off)
	}
}

func TestParseDateUsesClock(t *testing.T) {
	// ParseDate checks against the real clock: a date far in the past is
	// fine, one a year ahead of now is not.
	if _, _, ok := ParseDate("2022-02-24", nil); !ok {
		t.Error("ParseDate(2022-02-24) not ok")
	}
	next := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	if _, _, ok := ParseDate(next, nil); ok {
		t.Errorf("ParseDate(%s) ok, want rejected as future", next)
	}
}

func TestDateFromURL(t *testing.T) {
	tests := []struct {
		url  string
		want string // date, "" when not ok
	}{
		{"http://www.wuzhou.gov.cn/news/2022-02/24/c_123.htm", "2022-02-24"},
		{"https://news.example.cn/2022-02-24/doc-ikmxzfmm.shtml", "2022-02-24"},
		{"https://example.com/20220224/a1b2c3.html", "2022-02-24"},
		{"http://culture.people.com.cn/n1/2022/0224/c1013-32358.html", "2022-02-24"},
		{"https://example.com/2022/02/24/story.html", "2022-02-24"},
		{"http://www.gov.cn/xinwen/2022-02/24/content_5675.htm", "2022-02-24"},
		{"http://www.example.gov.cn/zwgk/202202/t20220224_123456.html", "2022-02-24"},
		{"t20220224_123.html", "2022-02-24"},
		{"https://example.com/2022/02/24", "2022-02-24"},
		{"https://example.com/news/12345.html", ""},
		{"https://example.com/2022/13/45/x.html", ""},
		{"https://example.com/1985/01/01/x.html", ""},
		{"https://example.com/2099/01/01/x.html", ""},
		{"https://example.com/a?date=20220224", ""}, // query is not the path
		{"", ""},
		{"%zz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, ok := DateFromURLAt(tt.url, nil, testNow)
			s := ""
			if ok {
				s = got.Format("2006-01-02")
				if _, off := got.Zone(); off != 8*3600 || got.Hour() != 0 {
					t.Errorf("DateFromURLAt(%q) = %v, want midnight UTC+8", tt.url, got)
				}
			}
			if s != tt.want {
				t.Errorf("DateFromURLAt(%q) = %q, want %q", tt.url, s, tt.want)
			}
		})
	}
	if _, ok := DateFromURL("https://example.com/2022/02/24/x.html", nil); !ok {
		t.Error("DateFromURL with the real clock failed")
	}
}
