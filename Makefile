# Lotse: the two commands on the README's first screen are `make run` and
# `make test`; everything else here serves them.

GO      ?= go
BIN     := bin
FUZZTIME ?= 10s
NPM     ?= npm
WEB     := webclient

.PHONY: all build run test vet fmt-check fuzz clean web web-test release

# The systems make release builds for: the server's (Linux) and the
# counsellors' desktops (Windows, macOS on Intel and Apple silicon, Linux).
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 darwin/amd64 darwin/arm64
RELEASE   := $(BIN)/release
# Reproducible: no paths of the build machine, no VCS stamp, no build id,
# no C toolchain. The same commit gives the same SHA256SUMS anywhere.
RELEASE_FLAGS := -trimpath -buildvcs=false -ldflags "-s -w -buildid="

all: build

build: web
	$(GO) build -o $(BIN)/ ./cmd/...

# mailboxd on the embedded default: 127.0.0.1:8080 and ./data/lotse.db;
# its flags go in ARGS: make run ARGS="--addr 127.0.0.1:9000 --pow-difficulty 0".
run: web
	@echo "make run: building mailboxd into $(BIN)/ (the first build compiles every dependency: about a minute)"
	$(GO) build -o $(BIN)/mailboxd ./cmd/mailboxd
	./$(BIN)/mailboxd $(ARGS)

# Every test, with the race detector, after the static checks. The browser
# packages (counsel, e2e) run for several minutes each on two cores, past
# go test's default limit of 10 minutes per package when the machine is busy.
test: fmt-check web-test vet
	$(GO) test -race -count=1 -timeout 40m ./...

# The enquirer's web client (webclient/) and the counsellor desk
# (webclient/desk/): type check both, bundle them into dist/ and desk/dist/
# with content-hash names and SHA256SUMS, and print the gzipped size of a
# first visit. The Go binaries embed both folders.
# npm ci runs only when node_modules is missing or the lock file changed,
# and runs no package's install script: esbuild's only checks its binary,
# which comes from its @esbuild/<platform> dependency either way.
web: $(WEB)/node_modules/.package-lock.json
	cd $(WEB) && ./node_modules/.bin/tsc --noEmit -p . && ./node_modules/.bin/tsc -p desk/tsconfig.json && node build.mjs

$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	cd $(WEB) && $(NPM) ci --no-audit --no-fund --ignore-scripts
	@touch $@

# The web client's unit tests (Node's test runner) over the shared vectors.
web-test: web
	cd $(WEB) && node build.mjs test && node --test .test-build/

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# A short run of every fuzz target (CI); set FUZZTIME for a longer one.
# .ci/fuzz tells a failing input from Go 1.26's deadline race (golang/go#75804).
fuzz:
	@bash .ci/fuzz "$(GO)" "$(FUZZTIME)"

# mailboxd, mailbox-audit and counsel for every system in PLATFORMS, into
# bin/release/NAME-OS-ARCH[.exe], with SHA256SUMS. CI runs it, so that the
# Windows and macOS builds of counsel keep compiling.
release: web
	@rm -rf $(RELEASE) && mkdir -p $(RELEASE)
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=""; [ "$$os" = windows ] && ext=.exe; \
	  for cmd in mailboxd mailbox-audit counsel; do \
	    echo "make release: $$cmd $$os/$$arch"; \
	    CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build $(RELEASE_FLAGS) -o $(RELEASE)/$$cmd-$$os-$$arch$$ext ./cmd/$$cmd; \
	  done; \
	done
	cd $(RELEASE) && sha256sum * > SHA256SUMS && cat SHA256SUMS

clean:
	rm -rf $(BIN)
