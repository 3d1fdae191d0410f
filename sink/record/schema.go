package record

import (
	"bytes"
	_ "embed"
)

//go:embed schema/article.v1.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of the record this
// package writes; the same file ships as schema/article.v1.json for
// consumers in other languages.
func Schema() []byte { return bytes.Clone(schemaJSON) }
