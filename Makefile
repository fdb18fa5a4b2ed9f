# envbench. `make run` opens the TUI on examples/demo; `make test` runs
# everything. Both install Terraform into ./bin first when none is on PATH.

GO                ?= go
TERRAFORM_VERSION := 1.5.7
STATICCHECK       := honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION           ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT            ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE              ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS           := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

# Terraform installed by `make tools` lives in ./bin; tests and the demo find
# it on PATH.
export PATH := $(CURDIR)/bin:$(PATH)

.PHONY: all build run test tools lint bench snapshots fuzz clean

all: build

## build: the envbench binary in ./bin
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/envbench .

## tools: a terraform binary in ./bin, unless one is already on PATH
tools:
	@if command -v terraform >/dev/null 2>&1; then \
		echo "terraform: $$(command -v terraform) ($$(terraform version | head -n1))"; \
	else \
		echo "installing terraform v$(TERRAFORM_VERSION) into ./bin (about 2 minutes)"; \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/hashicorp/terraform@v$(TERRAFORM_VERSION); \
	fi

## run: the TUI on the demo workspace, against the simulated AWS account
run: tools build
	./bin/envbench --workspace examples/demo

## test: go vet and every test with the race detector
test: tools
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

## lint: gofmt, go vet, staticcheck, and go.mod as go mod tidy leaves it
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }

## bench: the performance benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## snapshots: regenerate the golden screens (review the diff like code)
snapshots:
	$(GO) test ./snapshots_test/ -update

## fuzz: each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./config/ -run '^$$' -fuzz '^FuzzLoadWorkspace$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzCompareAddresses$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzDecodeOutputs$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzDecodePlan$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzDiffMatchesReference$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzPlanSubset$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzSortKeys$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/ -run '^$$' -fuzz '^FuzzStripWrapper$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/aws/ -run '^$$' -fuzz '^FuzzClassify$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/fake/ -run '^$$' -fuzz '^FuzzCheckOperation$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/fake/ -run '^$$' -fuzz '^FuzzLoadSeed$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/simprovider/ -run '^$$' -fuzz '^FuzzDropStaleEntry$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/sweep/ -run '^$$' -fuzz '^FuzzParseARN$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/sweep/ -run '^$$' -fuzz '^FuzzParseCreator$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/tf/ -run '^$$' -fuzz '^FuzzBackendSession$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/tf/ -run '^$$' -fuzz '^FuzzInitBlocks$$' -fuzztime $(FUZZTIME)
	$(GO) test ./envs/tf/ -run '^$$' -fuzz '^FuzzParseEvent$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/cli/ -run '^$$' -fuzz '^FuzzCommandLine$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/cli/ -run '^$$' -fuzz '^FuzzSimCommandLine$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/cli/ -run '^$$' -fuzz '^FuzzWithCommandLine$$' -fuzztime $(FUZZTIME)
	$(GO) test ./pipeline/ -run '^$$' -fuzz '^FuzzDecodeJournal$$' -fuzztime $(FUZZTIME)
	$(GO) test ./ui/ -run '^$$' -fuzz '^FuzzTUI$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
