# Lotse: the two commands on the README's first screen are `make run` and
# `make test`; everything else here serves them.

GO      ?= go
BIN     := bin
FUZZTIME ?= 10s

.PHONY: all build run test vet fmt-check fuzz clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# mailboxd on the embedded default: 127.0.0.1:8080 and ./data/lotse.db.
run:
	$(GO) run ./cmd/mailboxd

# Every test, with the race detector, after the static checks.
test: fmt-check vet
	$(GO) test -race -count=1 ./...

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
