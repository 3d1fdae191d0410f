package upsert

import (
	"errors"
	"testing"

	"winnow/sink"
	"winnow/sink/record"
)

func TestDecide(t *testing.T) {
	const h1, h2 = "hash-one", "hash-two"
	tests := []struct {
		name     string
		stored   *Stored
		hash, at string
		want     Action
	}{
		{"new", nil, h1, "2022-02-24T10:00:00+08:00", Insert},
		{"same hash", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h1, "2022-02-25T10:00:00+08:00", Unchanged},
		{"same hash, older", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h1, "2022-02-23T10:00:00+08:00", Unchanged},
		{"new hash, later", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h2, "2022-02-24T10:01:00+08:00", Update},
		{"new hash, same time", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h2, "2022-02-24T10:00:00+08:00", Update},
		{"new hash, same instant other offset", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h2, "2022-02-24T02:00:00Z", Update},
		{"new hash, earlier", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h2, "2022-02-24T09:59:59+08:00", Stale},
		{"earlier by offset", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h2, "2022-02-24T01:59:00Z", Stale},
		{"no stored time", &Stored{h1, ""}, h2, "2022-02-24T10:00:00+08:00", Update},
		{"no incoming time", &Stored{h1, "2022-02-24T10:00:00+08:00"}, h2, "", Update},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &record.Article{ContentHash: tt.hash, FetchedAt: tt.at}
			if got := Decide(tt.stored, a); got != tt.want {
				t.Errorf("Decide = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	if err := Check(nil); !errors.Is(err, sink.ErrRejected) {
		t.Errorf("Check(nil) = %v, want ErrRejected", err)
	}
	bad := record.New()
	bad.ID = "x"
	if err := Check(bad); !errors.Is(err, sink.ErrRejected) || !errors.Is(err, record.ErrInvalid) {
		t.Errorf("Check(invalid) = %v, want ErrRejected and ErrInvalid", err)
	}
	good := record.New()
	good.ID = record.NewID("https://a.example.cn/1", "", "")
	good.ContentHash = record.NewContentHash("t", "b")
	good.Hygiene.RulesVersion = "1"
	if err := Check(good); err != nil {
		t.Errorf("Check(valid) = %v", err)
	}
}
