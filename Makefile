# VaultLink. A fresh machine needs only `make run` (the wizard, in practice mode) and
# `make test` (every test); both install what they need first.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# One flag set for every GUI build: changing -trimpath, CGO flags or a tag that Fyne's files or
# #cgo lines test (ci, wayland, gles…) recompiles Fyne's cgo OpenGL code (about 4 minutes);
# -ldflags changes only relink.
GUI_TAGS := no_metadata
GUI_LDFLAGS := -ldflags "-s -w -X main.version=$(VERSION)"
GUI_FLAGS := -trimpath -tags $(GUI_TAGS) $(GUI_LDFLAGS)
BIN := build/vaultlink
# The screenshot walk (--tour) is only in this test build, never in a release binary. Its extra
# tag is named by no dependency: Go keys each package's cached build by its files and C flags,
# not by the -tags list, so only package main is compiled again (measured: ~13 s, no cgo).
TOUR_BIN := build/vaultlink-tour
export LANG := en_US.UTF-8

.PHONY: deps build tour-build run test test-go lint window-check screenshots package package-check bench clean

deps:
	@.ci/deps

build: deps
	go build $(GUI_FLAGS) -o $(BIN) ./cmd/vaultlink

tour-build: deps
	go build -trimpath -tags $(GUI_TAGS),tour $(GUI_LDFLAGS) -o $(TOUR_BIN) ./cmd/vaultlink

run: build
	./$(BIN)

test: deps lint test-go window-check package-check

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	go vet -tags ci ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags ci ./...
	go vet -tags ci,tour ./cmd/vaultlink
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags ci,tour ./cmd/vaultlink

# Unit, service, end-to-end and UI tests (fyne's test driver: -tags ci), with the race
# detector, against a real Secret Service, and the AWS code against moto_server as well as
# practice mode's simulator, and both of those with the AWS CLI and boto3 as clients. The
# REQUIRE switches turn "not available, skipped" into failures.
test-go:
	VAULTLINK_MOTO_SERVER=$$(.ci/moto) VAULTLINK_REQUIRE_MOTO=1 VAULTLINK_AWS_CLI=$$(.ci/aws-cli) VAULTLINK_REQUIRE_AWSCLI=1 \
		.ci/with-keyring go test -race -tags ci -count=1 ./...

# The real window under Xvfb: every page, both themes, and Fyne's thread check. First the
# check's own check: a walk that fails on purpose must fail it.
window-check: tour-build
	.ci/window-check-fails $(TOUR_BIN)
	.ci/window-check $(TOUR_BIN) build/screenshots

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
