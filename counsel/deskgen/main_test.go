package main

import (
	"testing"

	"lotse/internal/tsgen"
)

const committed = "../../webclient/desk/src/deskwire.ts"

// TestDeskWireTSIsFresh regenerates deskwire.ts in memory: the committed
// file must be exactly what package counsel declares today.
func TestDeskWireTSIsFresh(t *testing.T) {
	if err := tsgen.Fresh("..", committed, config); err != nil {
		t.Fatalf("%v: run go generate ./counsel", err)
	}
}
