# VaultLink. A fresh machine needs only `make run` (the wizard, in practice mode) and
# `make test` (every test); both install what they need first.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# One flag set for every GUI build: changing -trimpath, tags or CGO flags recompiles Fyne's
# cgo OpenGL code (about 4 minutes); -ldflags changes only relink.
GUI_FLAGS := -trimpath -tags no_metadata -ldflags "-s -w -X main.version=$(VERSION)"
BIN := build/vaultlink
export LANG := en_US.UTF-8

.PHONY: deps build run test test-go lint window-check screenshots package package-check bench clean

deps:
	@.ci/deps

build: deps
	go build $(GUI_FLAGS) -o $(BIN) ./cmd/vaultlink

run: build
	./$(BIN)

test: deps lint test-go window-check package-check

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	go vet -tags ci ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags ci ./...

# Unit, service, end-to-end and UI tests (fyne's test driver: -tags ci), with the race
# detector, against a real Secret Service, and the AWS code against moto_server as well as
# practice mode's simulator. The REQUIRE switches turn "not available, skipped" into failures.
# The crash test and the fault matrix write their figures to build/reports, printed at the end.
test-go:
	rm -rf build/reports
	VAULTLINK_REPORT_DIR=$(CURDIR)/build/reports VAULTLINK_MOTO_SERVER=$$(.ci/moto) VAULTLINK_REQUIRE_MOTO=1 .ci/with-keyring go test -race -tags ci -count=1 -timeout 25m ./...
	@cat build/reports/*.txt

# The real window under Xvfb: every page, both themes, and Fyne's thread check.
window-check: build
	.ci/window-check $(BIN) build/screenshots

screenshots: window-check
	@echo "screenshots: build/screenshots/{light,dark}/*.png"

# Installers: the Linux .tar.xz (with its .desktop entry) and a signed Windows .exe, in dist/.
# The Windows cross-build takes about 7 minutes the first time (its own cgo cache).
package: build
	.ci/package

# Unpacks and checks what package made; verifies the Windows signature.
package-check: package
	VAULTLINK_DIST=$(CURDIR)/dist go test -tags ci -count=1 -run '^TestPackages$$' -v ./cmd/vaultlink

bench:
	VAULTLINK_MOTO_SERVER=$$(.ci/moto) .ci/with-keyring go test -tags ci -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf build dist
