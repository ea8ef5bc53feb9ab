# VaultLink. A fresh machine needs only `make run` (the wizard, in practice mode) and
# `make test` (every test); both install what they need first.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# One flag set for every GUI build: changing -trimpath, tags or CGO flags recompiles Fyne's
# cgo OpenGL code (about 4 minutes); -ldflags changes only relink. -z relro,-z now: full RELRO
# and immediate binding (the hardening lintian checks in the .deb).
GUI_FLAGS := -trimpath -tags no_metadata -ldflags "-s -w -X main.version=$(VERSION) -extldflags=-Wl,-z,relro,-z,now"
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
test-go:
	VAULTLINK_MOTO_SERVER=$$(.ci/moto) VAULTLINK_REQUIRE_MOTO=1 .ci/with-keyring go test -race -tags ci -count=1 ./...

# The real window under Xvfb: every page, both themes, and Fyne's thread check.
window-check: build
	.ci/window-check $(BIN) build/screenshots

screenshots: window-check
	@echo "screenshots: build/screenshots/{light,dark}/*.png"

# Installers, in dist/: the Linux .tar.xz (with its .desktop entry), the .deb, the signed
# Windows .exe and the signed MSI installer holding it. The Windows cross-build takes about
# 7 minutes the first time (its own cgo cache); a warm run about 2 minutes on 2 cores.
package: build
	.ci/package

# Unpacks and checks what package made (TestPackages: msiinfo, msiextract, osslsigncode verify,
# dpkg-deb, lintian); fails unless the test ran and passed.
package-check: package
	.ci/package-check

bench:
	VAULTLINK_MOTO_SERVER=$$(.ci/moto) .ci/with-keyring go test -tags ci -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf build dist
