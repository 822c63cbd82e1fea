package main

import (
	"bytes"
	"os"
	"testing"

	"lotse/internal/tsgen"
)

const committed = "../../webclient/desk/src/deskwire.ts"

// TestDeskWireTSIsFresh regenerates deskwire.ts in memory: the committed
// file must be exactly what package counsel declares today.
func TestDeskWireTSIsFresh(t *testing.T) {
	got, err := tsgen.Generate("..", config)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("webclient/desk/src/deskwire.ts is stale: run go generate ./counsel")
	}
}
