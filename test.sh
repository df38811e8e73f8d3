#!/usr/bin/env bash
# Runs every check CI runs: formatting, vet, and the tests of both Go modules
# (the main module and the bench/ comparison module). .ci/run calls this after
# installing what the integration tests need.
#
#   ./test.sh                                   # as a developer
#   CLOUDTRUST_TEST_REQUIRE_ALL=1 ./test.sh     # as CI: no test may skip
#
# Extra arguments are passed to both `go test` runs, e.g. ./test.sh -run Serve -v
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

step() { printf '\n--- %s\n' "$*"; }

step "gofmt"
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 gofmt -l)
if [ -n "$unformatted" ]; then
  echo "these files need gofmt -w:"; echo "$unformatted"; exit 1
fi

step "go vet ./..."
go vet ./...
(cd bench && go vet ./...)

step "go test ./..."
go test -count=1 -timeout 10m "$@" ./...

step "go test ./... in bench/"
(cd bench && go test -count=1 -timeout 10m "$@" ./...)

echo; echo "all tests passed"
