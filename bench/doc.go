// Package bench compares CTPScript with a JavaScript engine (goja). It is a
// separate module so that goja never becomes a dependency of CloudTrust:
// run it with `cd bench && go test ./...` (differential test) and
// `cd bench && go test -run '^$' -bench . -count 5` (benchmarks); see
// docs/benchmarks.md and docs/ctpscript.md.
package bench
