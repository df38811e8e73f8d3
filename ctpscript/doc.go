// Package ctpscript implements CTPScript, the condition language of CTP 2.14
// objectives and triggers (§5.4).
//
// It is shaped like go/scanner + go/parser: Parse turns source into an
// Expr (errors are an ErrorList with byte offsets), Compile resolves the four
// identifiers of §5.4.8 and the functions of §5.4.4 and folds constants, and
// Program.Eval evaluates against an Env that Bind built once from a
// measurement result. Truthy is toBoolean, which turns a value into the
// condition's status. Limits bound source size, nesting, nodes, evaluation
// steps and memory so that expressions written by customers are safe to run.
//
// The semantic choices where the spec is silent or contradicts itself are
// listed in docs/ctpscript.md.
package ctpscript
