# VaultLink. A fresh machine needs only `make run` (the wizard, in practice mode) and
# `make test` (every test); both install what they need first.
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# One flag set for every GUI build: changing -trimpath, CGO flags or a tag that Fyne's files or
# #cgo lines test (ci, wayland, gles…) recompiles Fyne's cgo OpenGL code (about 4 minutes);
# -ldflags changes only relink. -z relro,-z now: full RELRO and immediate binding (the
# hardening lintian checks in the .deb).
GUI_TAGS := no_metadata
GUI_LDFLAGS := -ldflags "-s -w -X main.version=$(VERSION) -extldflags=-Wl,-z,relro,-z,now"
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
# REQUIRE switches turn "not available, skipped" into failures. The crash test and the fault
# matrix write their figures to build/reports, printed at the end. The export tests run the
# exports through terraform (hashicorp/aws from a filesystem mirror: VAULTLINK_TF_PLUGINS or a
# known place), cfn-lint and moto's CloudFormation, and the AWS CLI.
test-go:
	rm -rf build/reports
	VAULTLINK_REPORT_DIR=$(CURDIR)/build/reports VAULTLINK_MOTO_SERVER=$$(.ci/moto) VAULTLINK_REQUIRE_MOTO=1 VAULTLINK_AWS_CLI=$$(.ci/aws-cli) VAULTLINK_REQUIRE_AWSCLI=1 \
	VAULTLINK_CFN_LINT=$$(.ci/cfn-lint) VAULTLINK_REQUIRE_CFNLINT=1 VAULTLINK_REQUIRE_TERRAFORM=1 \
		.ci/with-keyring go test -race -tags ci -count=1 -timeout 25m ./...
	@cat build/reports/*.txt

# The real window under Xvfb: every page, both themes, and Fyne's thread check. First the
# check's own check: a walk that fails on purpose must fail it.
window-check: tour-build
	.ci/window-check-fails $(TOUR_BIN)
	.ci/window-check $(TOUR_BIN) build/screenshots

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

# Speed and memory, each next to a peer (bench/main.go): `apply --live` against moto beside a
# boto3 script, practice apply, the Go benchmarks, the new-key wait's overshoot, and the window
# against an empty Fyne window built with the same GUI_FLAGS (so no second cgo build). About
# 5 minutes. Timings are not tests: not part of make test. BENCH_FLAGS=-runs 9 for more runs;
# VAULTLINK_BENCH_KEEP=DIR keeps the heap profiles and the apply's audit log.
bench: build
	go build $(GUI_FLAGS) -o build/emptywindow ./bench/emptywindow
	go build -o build/bench ./bench
	moto=$$(.ci/moto) && VAULTLINK_MOTO_SERVER=$$moto .ci/with-keyring xvfb-run -a -s '-screen 0 1280x900x24' \
	  build/bench -moto $$moto $(BENCH_FLAGS)

clean:
	rm -rf build dist
