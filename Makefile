# Lotse: the two commands on the README's first screen are `make run` and
# `make test`; everything else here serves them.

GO      ?= go
BIN     := bin
FUZZTIME ?= 10s
NPM     ?= npm
WEB     := webclient

.PHONY: all build run test vet fmt-check fuzz clean web web-test

all: build

build: web
	$(GO) build -o $(BIN)/ ./cmd/...

# mailboxd on the embedded default: 127.0.0.1:8080 and ./data/lotse.db.
run: web
	$(GO) run ./cmd/mailboxd

# Every test, with the race detector, after the static checks.
test: fmt-check web-test vet
	$(GO) test -race -count=1 ./...

# The enquirer's web client (webclient/) and the counsellor desk
# (webclient/desk/): type check both, bundle them into dist/ and desk/dist/
# with content-hash names and SHA256SUMS, and print the gzipped size of a
# first visit. The Go binaries embed both folders.
# npm ci runs only when node_modules is missing or the lock file changed.
web: $(WEB)/node_modules/.package-lock.json
	cd $(WEB) && ./node_modules/.bin/tsc --noEmit -p . && ./node_modules/.bin/tsc -p desk/tsconfig.json && node build.mjs

$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	cd $(WEB) && $(NPM) ci --no-audit --no-fund
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
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf $(BIN)
