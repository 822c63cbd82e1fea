package mailboxdtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// BuildOptions say how to build mailboxd.
type BuildOptions struct {
	// Race builds with the race detector, so that a -race test run also
	// checks the server.
	Race bool
}

// ErrNoModule is Build's error when the working directory is outside a Go
// module, so that there is no ./cmd/mailboxd to build.
var ErrNoModule = errors.New("build mailboxd: no Go module in the working directory")

type build struct {
	once sync.Once
	bin  string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[BuildOptions]*build{}
	buildDir string // holds every binary this process built
)

// Build builds ./cmd/mailboxd of the lotse module once per process and
// options, into a temporary directory that Cleanup removes, and returns
// the binary's path. The module is the one the go command finds from the
// working directory; the go command is the one of the running toolchain
// when there is one, so that tests build with their own Go.
func Build(o BuildOptions) (string, error) {
	buildsMu.Lock()
	b := builds[o]
	if b == nil {
		b = &build{}
		builds[o] = b
	}
	buildsMu.Unlock()
	b.once.Do(func() { b.bin, b.err = buildMailboxd(o) })
	return b.bin, b.err
}

func buildMailboxd(o BuildOptions) (string, error) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", ErrNoModule
	}
	buildsMu.Lock()
	if buildDir == "" {
		if buildDir, err = os.MkdirTemp("", "mailboxdtest-"); err != nil {
			buildsMu.Unlock()
			return "", fmt.Errorf("build mailboxd: %v", err)
		}
	}
	dir := buildDir
	buildsMu.Unlock()
	name := "mailboxd"
	args := []string{"build"}
	if o.Race {
		name += "-race"
		args = append(args, "-race")
	}
	bin := filepath.Join(dir, name)
	cmd := exec.Command(goCmd, append(args, "-o", bin, "./cmd/mailboxd")...)
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mailboxd: %v\n%s", err, out)
	}
	return bin, nil
}

// Cleanup removes the binaries Build made; call it once the process no
// longer runs them (Main does it for a test binary).
func Cleanup() {
	buildsMu.Lock()
	defer buildsMu.Unlock()
	if buildDir != "" {
		os.RemoveAll(buildDir)
		buildDir = ""
	}
	builds = map[BuildOptions]*build{}
}
