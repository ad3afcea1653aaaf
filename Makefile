# Kori: `make run` serves the demo, `make test` runs every test.
GO       ?= go
BIN      := bin/kori
DATA     ?= ./kori-data
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test lint bench fuzz clean demo

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/kori

# Builds, creates the database with demo data on first run, and serves
# http://localhost:8080 (KORI_ADDR to change).
run: build
	$(BIN) demo --data $(DATA) --if-empty
	$(BIN) serve --data $(DATA) --demo-hint

demo: build
	$(BIN) demo --data $(DATA)

# Formatting, vet, staticcheck, and the whole suite with the race detector.
# Suites needing PostgreSQL or Chromium skip with a message when absent;
# .ci/run installs both so CI runs everything.
test: lint
	mkdir -p test-output
	$(GO) test -race -count=1 -artifacts -outputdir $(CURDIR)/test-output ./...

lint:
	@fmt=$$(gofmt -l .); if [ -n "$$fmt" ]; then echo "gofmt needed on:"; echo "$$fmt"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Benchmarks; writes BENCHMARKS.md.
bench:
	$(GO) run ./internal/bench -out BENCHMARKS.md

# A short run of every fuzzer.
fuzz:
	for f in FuzzParseJSON FuzzNDJSONReader FuzzCSVReader FuzzParseMoney; do \
		$(GO) test ./internal/ingest -run XXX -fuzz "^$$f$$" -fuzztime 30s -fuzzminimizetime 5s || exit 1; done

clean:
	rm -rf bin
