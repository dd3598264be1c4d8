# Crosslink. The two commands of the README: `make run` and `make test`.
.PHONY: run test build generate lint neo4j neo4j-stop neo4j-status e2e bench-ui

bench-ui: ## the UI's speed in Chromium against a running `make run` (figures in docs/benchmarks.md)
	. .cache/neo4j/instances/demo/demo-keys.env && CROSSLINK_UI_ANALYST_KEY=$$CROSSLINK_ANALYST_KEY node ui/e2e/bench.mjs

e2e: ## only the UI end-to-end tests (real Chromium, its own Neo4j with the demo world)
	scripts/e2e.sh

run: ## start Neo4j, migrate, load the demo world, serve the web UI and the GraphQL API on :8080
	scripts/run.sh

test: ## unit + integration tests against a real Neo4j, UI tests in Chromium (what CI runs)
	scripts/test.sh

build: ## build the web UI and bin/crosslink (which embeds it)
	scripts/ui-build.sh
	go build -trimpath -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o bin/crosslink ./cmd/crosslink

generate: ## regenerate the GraphQL code from schema/*.graphqls
	cd schema && go tool gqlgen generate --config gqlgen.yml

lint: ## gofmt + go vet
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...

neo4j: ## start the demo Neo4j (assembled from Maven Central on first use)
	scripts/neo4j.sh start demo

neo4j-stop: ## stop the demo Neo4j
	scripts/neo4j.sh stop demo

neo4j-status:
	scripts/neo4j.sh status demo
