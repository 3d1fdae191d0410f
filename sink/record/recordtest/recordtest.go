// Package recordtest checks, in tests, that produced records conform to
// the published JSON Schema and to record.Article.Validate. Every test
// that produces records should pass them through Check.
package recordtest

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"winnow/sink/record"
)

var compile = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(record.Schema()))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("article.v1.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("article.v1.json")
})

// Check fails t unless a marshals to JSON that validates against the
// schema and a.Validate() passes.
func Check(t testing.TB, a *record.Article) {
	t.Helper()
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("marshal record: %v", err)
	}
	CheckJSON(t, data)
	if err := a.Validate(); err != nil {
		t.Errorf("record %s: %v", a.ID, err)
	}
}

// CheckJSON fails t unless data is one record that validates against the
// schema.
func CheckJSON(t testing.TB, data []byte) {
	t.Helper()
	schema, err := compile()
	if err != nil {
		t.Fatalf("compile record schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("record is not JSON: %v\n%s", err, data)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("record does not match schema: %v\n%s", err, data)
	}
}
