# The two commands of the README, and the steps behind them.
.PHONY: run test stage bench faults

# 1. Run the whole pipeline locally (Azurite, local Cosmos, local Functions host, handler).
# Extra flags for `bwv run`: make run ARGS="--reset"
run:
	scripts/run.sh $(ARGS)

# 2. Run every test (installs what the tests need first).
test:
	scripts/test.sh

# Build the deployable app into dist/ (host.json, <Name>/function.json, linux/amd64 handler, zip).
stage:
	go run ./cmd/bwv stage --out dist

# Speed and memory figures against their limits, one table (+ .local/bench.json); not part of `make test`. docs/performance.md
bench:
	scripts/bench.sh

# The fault suite: 1,000 uploads under 20 % injected faults, kills and sweeps; nothing may be lost
# (docs/reliability.md). FAULTS_UPLOADS, FAULTS_RATE and FAULTS_SEED change the run.
faults:
	scripts/faults.sh
