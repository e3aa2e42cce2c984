# koban: `make run` serves on http://localhost:8080 with SQLite in ./koban-data;
# `make test` runs the whole suite (needs Debian's chromium and
# fonts-ipafont-gothic for the browser test: `.ci/run` installs them).

GO ?= go

.PHONY: run test bench vet build npm fuzz

run:
	$(GO) run ./cmd/koban serve

build:
	$(GO) build -o koban ./cmd/koban

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
	$(GO) run ./cmd/koban bench vuln -n 300000 -assets 10000
	$(GO) run ./cmd/koban bench load -duration 20s -every 5s -rate 30
	scripts/bench-extract

fuzz:
	FUZZTIME=60s scripts/fuzz-short
