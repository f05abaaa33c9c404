# aigclabel: two commands matter, `make run` and `make test`. Everything else is
# a building block or a benchmark.
SHELL := /bin/bash
GO ?= go
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin
WASM_FLAGS := -trimpath -ldflags="-s -w"
FUZZTIME ?= 60s
ADDR ?= :8080

.PHONY: run build wasm wasi test test-unit deps vet fuzz bench bench-metadata \
        bench-robustness bench-load bench-explicit bench-seal bench-wasm font clean

## run: build the browser WASM and start the server with the web page on http://localhost:8080
run: wasm
	$(GO) run . serve --addr $(ADDR)

build:
	$(GO) build -o aigclabel .

## wasm: the browser module (GOOS=js), precompressed, next to the page it serves.
## Built without inlining (-gcflags=all=-l): about 150 KB less gzip, about 11% more CPU
## (bench/RESULTS.md, "## WASM"); wasm/parity_test.go builds it the same way.
wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -gcflags=all=-l \
	  -ldflags="-s -w -X main.revision=$$(git rev-parse HEAD 2>/dev/null)" -o web/static/aigclabel.wasm ./wasm/js
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/static/wasm_exec.js
	# zopfli writes a smaller gzip stream than gzip -9 (4-5% here, what keeps the
	# served gzip under 2 MB) that every gzip decoder reads; installed here when
	# missing and root (Debian package zopfli), else gzip -9 with a note.
	command -v zopfli >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zopfli >/dev/null 2>&1; } || \
	  echo "wasm: zopfli not installed (apt-get install zopfli): serving gzip -9, about 4% larger" >&2
	if command -v zopfli >/dev/null; then zopfli --i5 -c web/static/aigclabel.wasm > web/static/aigclabel.wasm.gz; \
	else gzip -9 -k -f web/static/aigclabel.wasm; fi
	if command -v brotli >/dev/null; then brotli -q 11 -f -o web/static/aigclabel.wasm.br web/static/aigclabel.wasm; fi

## wasi: the WASI module (GOOS=wasip1) the parity test runs under wazero
wasi:
	mkdir -p build
	GOOS=wasip1 GOARCH=wasm $(GO) build $(WASM_FLAGS) -o build/aigclabel.wasm ./wasm/wasi

deps:
	bash .ci/deps

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

## test: every test: unit, fuzz seeds, exiftool/ffprobe round trips, WASM parity, browser, PostgreSQL store
test: deps vet wasm
	bash .ci/test

## fuzz: run every fuzz target for FUZZTIME (default 60s) each
fuzz:
	bash .ci/fuzz $(FUZZTIME)

bench: bench-metadata bench-seal bench-explicit bench-robustness bench-load bench-wasm

bench-metadata:
	$(GO) run ./bench/metadata
bench-seal:
	$(GO) run ./bench/seal
bench-explicit:
	$(GO) run ./bench/explicit
bench-robustness:
	$(GO) run ./bench/robustness
bench-load:
	$(GO) run ./bench/load
bench-wasm: wasm
	$(GO) run ./bench/wasm

## font: regenerate the embedded CJK label font subset from Debian's fonts-noto-cjk
font:
	bash labeler/explicit/font/regen.sh

clean:
	rm -rf aigclabel build web/static/aigclabel.wasm* web/static/wasm_exec.js testout
