package schema

import (
	"bytes"
	"testing"
)

// The NCIP schema must compile well inside the effort budget that guards
// against hostile schemas, or a future schema edit could hit the limit.
func TestNCIPCompileEffort(t *testing.T) {
	var work int
	debugWork = &work
	defer func() { debugWork = nil }()
	if _, err := Parse(bytes.NewReader(ncipXSD)); err != nil {
		t.Fatal(err)
	}
	if work == 0 || work > maxCompileWork/10 {
		t.Errorf("compiling NCIP 2.02 visited %d NFA states; budget is %d", work, maxCompileWork)
	}
	t.Logf("NCIP 2.02 compile effort: %d of %d", work, maxCompileWork)
}
