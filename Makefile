# nestmap: `make run` sets up and serves the sample data; `make test` sets up and runs every test.
.PHONY: setup run check generate test test-rust test-browser lint bench bench-osm bench-lighthouse bench-tiles bench-walk reliability
CARGO ?= cargo
ADDR ?= 127.0.0.1:8080

setup:
	bash scripts/setup.sh

run: setup
	$(CARGO) run -- serve --data data/geojson --addr $(ADDR)

check:
	$(CARGO) run -- check data/geojson

generate:
	$(CARGO) run -- generate --shared data/real --out data/geojson

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# The tests that need PostgreSQL read NESTMAP_TEST_PG (scripts/postgres.sh starts it).
test-rust:
	eval "$$(bash scripts/postgres.sh env)" && $(CARGO) test

test-browser:
	$(CARGO) build
	NESTMAP_BIN=target/debug/nestmap node --test tests/browser/

test: setup lint test-rust test-browser

# Not part of `make test`: the benchmark suite (BENCHMARKS.md) and the long reliability runs
# (RELIABILITY.md). Both install what they need.
bench:
	bash bench/run.sh
	bash bench/osm.sh
	bash bench/tiles.sh
	bash bench/walk.sh
	bash bench/lighthouse.sh

# The walking network import alone (BENCHMARKS.md, "Walking network import").
bench-osm:
	bash bench/osm.sh

# Walking answers' latency (nearest, isochrones) and Dijkstra's speed (BENCHMARKS.md,
# "Walking along the network").
bench-walk: setup
	bash bench/walk.sh

# Roads tile latency at z 12/14/16, cold and cached (BENCHMARKS.md, "Streets").
bench-tiles: setup
	bash bench/tiles.sh

# Lighthouse (mobile) on the parent view: prints the scores, fails below performance 0.9 or
# accessibility 1.0 (BENCHMARKS.md, "Web page"). NESTMAP_BIN=target/release/nestmap to serve
# from a release build.
bench-lighthouse:
	bash bench/lighthouse.sh

# About 20 minutes after the first fuzz build; NESTMAP_BIN=target/release/nestmap for a release build.
reliability: setup
	bash reliability/all.sh
