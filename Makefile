# Kori: `make run` serves the demo, `make test` runs every test.
GO       ?= go
BIN      := bin/kori
DATA     ?= ./kori-data
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test lint axe bench fuzz clean demo

build:
	@if [ ! -x $(BIN) ]; then echo "Compiling Kori: the first build compiles SQLite (cgo) and takes about 1–3 minutes; later builds take seconds."; fi
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/kori

# Builds, creates the database with demo data on first run, and serves
# http://localhost:8080 (KORI_ADDR to change).
run: build
	$(BIN) demo --data $(DATA) --if-empty
	$(BIN) serve --data $(DATA) --demo-hint --log text

demo: build
	$(BIN) demo --data $(DATA)

# Formatting, vet, staticcheck, and the whole suite with the race detector.
# Suites needing PostgreSQL, Citus, Chromium or axe-core skip with a message
# when absent; .ci/run installs them so CI runs everything.
test: lint axe
	mkdir -p test-output
	$(GO) test -race -count=1 -timeout 30m -artifacts -outputdir $(CURDIR)/test-output ./...

# axe-core, which the browser test injects into every page, from the npm
# registry (pinned in its package-lock.json); skipped without npm, and the
# browser test then says what to install.
AXE := internal/server/testdata/axe
axe:
	@if [ ! -f $(AXE)/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error || echo "npm ci failed: the browser test will skip (fail under CI=true)"; \
	fi

lint:
	@fmt=$$(gofmt -l .); if [ -n "$$fmt" ]; then echo "gofmt needed on:"; echo "$$fmt"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Benchmarks; writes BENCHMARKS.md.
bench:
	$(GO) run ./internal/bench -out BENCHMARKS.md

# A run of every fuzzer in the module, FUZZTIME each: a number of inputs
# (CI runs 3000x) or a duration (30s; with Go 1.26 a duration can end in a
# spurious "context deadline exceeded", golang/go#75804). The corpus is
# committed under each package's testdata/fuzz, so plain `go test` replays
# it too.
FUZZTIME ?= 30s
fuzz:
	@for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9]*\).*/\1/'); do \
			echo "fuzz $$dir $$f ($(FUZZTIME))"; \
			$(GO) test $$dir -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s || exit 1; \
		done; \
	done

clean:
	rm -rf bin
