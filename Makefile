# koban: `make run` serves on http://localhost:8080 with SQLite in ./koban-data;
# `make test` runs the whole suite (needs Debian's chromium and
# fonts-ipafont-gothic for the browser test: `.ci/run` installs them).

GO ?= go
# Go 1.27.3, fetched once by the go command from the module proxy: the
# machine's Go 1.26.8 lacks 12 standard-library security fixes that
# govulncheck finds reached by koban (docs/operations.md).
export GOTOOLCHAIN ?= go1.27.3

# The release build (docs/operations.md, "Version and supply chain"): pure
# Go (modernc SQLite needs no cgo), no local paths or build ID in the
# binary, the VCS revision stamped, and the version from git describe;
# built twice from the same commit it is the same file (make repro).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BUILDVCS ?= true
BUILD_ENV = CGO_ENABLED=0
# Profile-guided optimisation (make pgo): the release build is compiled
# with a CPU profile of koban's extraction benchmarks, the work it spends
# most CPU on (about 10% faster on report text, more on indicator-dense
# text). `make run` and the tests build without it, so as to start sooner.
PGO = cmd/koban/release.pgo
BUILD_FLAGS = -trimpath -buildvcs=$(BUILDVCS) -pgo=$(PGO) \
	-ldflags "-s -w -buildid= -X github.com/koban-project/koban/internal/buildinfo.version=$(VERSION)"
OUT ?= koban
CYCLONEDX_GOMOD = github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0

.PHONY: run test bench vet build sbom repro vulncheck npm fuzz pgo

run:
	$(GO) run ./cmd/koban serve

build:
	$(BUILD_ENV) $(GO) build $(BUILD_FLAGS) -o $(OUT) ./cmd/koban
	$(MAKE) --no-print-directory sbom OUT=$(OUT)

# A CycloneDX SBOM of what is linked into the binary, next to it
# ($(OUT).cdx.json): cyclonedx-gomod reads the module list the toolchain
# stamped into $(OUT) (its `bin` mode; `app` mode needs go-git to read
# HEAD, which fails in a git worktree), with the Go standard library and
# the licences found in the module cache; no serial number or timestamp,
# so that it is as reproducible as the binary. scripts/sbom-check then
# compares it with go.mod and `go list`.
sbom:
	$(GO) run $(CYCLONEDX_GOMOD) bin -json -licenses -std -noserial -notimestamp \
	  -version $(VERSION) -output $(OUT).cdx.json $(OUT)
	scripts/sbom-check $(OUT) $(OUT).cdx.json

# govulncheck on every package against a local copy of the Go
# vulnerability database from the module proxy (scripts/govulncheck).
vulncheck:
	scripts/govulncheck

# The profile for the release build: CPU profiles of the extraction
# benchmarks on both corpora (report prose, and indicator-dense feeds) and
# of the streaming reader that `koban extract` uses, merged. Run it again
# when internal/observe has changed much; an old profile still helps the
# functions that are unchanged, and never changes what the code does.
pgo:
	tmp=$$(mktemp -d) && \
	(cd internal/observe && $(GO) test -count=1 -run '^$$' -bench '^BenchmarkExtract(Mixed|Dense)$$' -benchtime 3s -cpuprofile $$tmp/extract.prof -o $$tmp/observe.test) && \
	(cd internal/observe && $(GO) test -count=1 -run '^$$' -bench '^BenchmarkExtractReader$$' -benchtime 2s -cpuprofile $$tmp/reader.prof -o $$tmp/observe.test) && \
	$(GO) tool pprof -proto $$tmp/extract.prof $$tmp/reader.prof > $(PGO) && rm -rf $$tmp

# Build twice from clean clones of HEAD in different folders; the two
# binaries must be the same bytes.
repro:
	scripts/repro-check

npm: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

test: npm
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	@if [ -n "$$KOBAN_TEST_POSTGRES" ]; then \
	  echo "end-to-end tests again on PostgreSQL"; \
	  KOBAN_TEST_BACKEND=postgres $(GO) test -count=1 -timeout 20m ./internal/app/... ./internal/web/... ./internal/e2e/...; \
	else echo "KOBAN_TEST_POSTGRES not set: PostgreSQL tests skipped (CI sets it)"; fi
	FUZZTIME=3s scripts/fuzz-short

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
	$(GO) run ./cmd/koban bench intake -n 20000 -c 16
	$(GO) run ./cmd/koban bench index -n 100000
	$(GO) run ./cmd/koban bench cases -n 20000 -q 50
	$(GO) run ./cmd/koban bench intel -n 100000
	$(GO) run ./cmd/koban bench floor -n 200000
	$(GO) run ./cmd/koban bench vuln -n 300000 -assets 10000
	$(GO) run ./cmd/koban bench load -duration 20s -every 5s -rate 30
	scripts/bench-extract

fuzz:
	FUZZTIME=60s scripts/fuzz-short
