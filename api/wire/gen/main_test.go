package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"lotse/internal/tsgen"
)

const committed = "../../../webclient/src/wire.ts"

// TestWireTSIsFresh regenerates wire.ts in memory: the committed file must
// be exactly what package wire declares today.
func TestWireTSIsFresh(t *testing.T) {
	if err := tsgen.Fresh("..", committed, config); err != nil {
		t.Fatalf("%v: run go generate ./api/wire", err)
	}
}

// TestGoGenerate runs the command as go generate does and checks that it
// writes what tsgen.Generate returns.
func TestGoGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	out := filepath.Join(t.TempDir(), "wire.ts")
	cmd := exec.Command("go", "run", ".", "-dir", "..", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if err := tsgen.Fresh("..", out, config); err != nil {
		t.Errorf("the command wrote something else than tsgen.Generate returns: %v", err)
	}
}
