package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/ctpscript"
)

const ctpscriptUsage = `Usage:
  cloudtrust ctpscript eval 'EXPR' [--result FILE] [--now TIME]
  cloudtrust ctpscript check 'EXPR'

eval evaluates a CTPScript condition (CTP 2.14 §5.4) against a measurement
result and prints its value and status (true, false or error); check only
parses and compiles it. FILE holds a result object
{"value": [...], "updateTime": "...", "authorityId": ..., "signature": ...}
or a whole measurement with a "result" property; "-" reads standard input.
Without --result the four identifiers are null. --now sets the time used by
timeUTC("now") (RFC 3339; default: the current time).

Exit status: 0 evaluated (whatever the status) or valid, 1 evaluation error
or unreadable file, 2 usage or syntax error.
`

func runCTPScript(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, ctpscriptUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, ctpscriptUsage)
		return exitOK
	case "eval", "check":
	default:
		fmt.Fprintf(env.Stderr, "cloudtrust ctpscript: unknown subcommand %q\n\n%s", args[0], ctpscriptUsage)
		return exitUsage
	}
	sub := args[0]
	fs := flag.NewFlagSet("ctpscript "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	resultFile := fs.String("result", "", "result or measurement JSON file (- for stdin)")
	nowFlag := fs.String("now", "", "time for timeUTC(\"now\"), RFC 3339")
	// Flags may come before or after the expression.
	var positional []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(env.Stdout, ctpscriptUsage)
				return exitOK
			}
			fmt.Fprintf(env.Stderr, "cloudtrust ctpscript %s: %v\n\n%s", sub, err, ctpscriptUsage)
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fmt.Fprintf(env.Stderr, "cloudtrust ctpscript %s: want exactly one expression, got %d\n\n%s", sub, len(positional), ctpscriptUsage)
		return exitUsage
	}
	src := positional[0]
	if sub == "check" && (*resultFile != "" || *nowFlag != "") {
		fmt.Fprintf(env.Stderr, "cloudtrust ctpscript check: --result and --now apply to eval only\n")
		return exitUsage
	}

	expr, err := ctpscript.Parse(src)
	var prog *ctpscript.Program
	if err == nil {
		prog, err = ctpscript.Compile(expr)
	}
	if err != nil {
		printSourceError(env.Stderr, src, err)
		return exitUsage
	}
	if sub == "check" {
		fmt.Fprintf(env.Stdout, "ok: %s\n", expr)
		return exitOK
	}

	bound := ctpscript.BindValue(ctpscript.Null(), time.Time{}, nil, nil)
	if *resultFile != "" {
		data, err := readInput(env, *resultFile, maxDocumentFile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "cloudtrust ctpscript eval: %v\n", err)
			return exitError
		}
		if bound, err = bindResultJSON(data); err != nil {
			fmt.Fprintf(env.Stderr, "cloudtrust ctpscript eval: %s: %v\n", *resultFile, err)
			return exitError
		}
	}
	if *nowFlag != "" {
		now, err := time.Parse(time.RFC3339Nano, *nowFlag)
		if err != nil {
			fmt.Fprintf(env.Stderr, "cloudtrust ctpscript eval: --now: %q is not an RFC 3339 time\n", *nowFlag)
			return exitUsage
		}
		bound = bound.WithNow(func() time.Time { return now })
	}
	v, err := prog.Eval(bound)
	if err != nil {
		fmt.Fprintf(env.Stdout, "status: error\n")
		printSourceError(env.Stderr, src, err)
		return exitError
	}
	fmt.Fprintf(env.Stdout, "value:  %s\ntype:   %s\nstatus: %t\n", v.Repr(), v.Kind(), ctpscript.Truthy(v))
	return exitOK
}

// printSourceError prints err and, for positioned errors, the expression
// with a caret under the offending byte.
func printSourceError(w io.Writer, src string, err error) {
	fmt.Fprintf(w, "error: %v\n", err)
	var off = -1
	var list ctpscript.ErrorList
	var one *ctpscript.Error
	switch {
	case errors.As(err, &list) && len(list) > 0:
		off = list[0].Offset
	case errors.As(err, &one):
		off = one.Offset
	}
	if off < 0 || off > len(src) || strings.ContainsAny(src, "\n\r") || len(src) > 200 {
		return
	}
	fmt.Fprintf(w, "  %s\n  %s^\n", src, strings.Repeat(" ", len([]rune(src[:min(off, len(src))]))))
}

// bindResultJSON accepts a CTP result object or a measurement holding one
// in "result"; "dateTime" is accepted for "updateTime" (see
// ref/ctp/README.md).
func bindResultJSON(data []byte) (*ctpscript.Env, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if r, ok := doc["result"]; ok {
		if bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
			return ctpscript.BindValue(ctpscript.Null(), time.Time{}, nil, nil), nil
		}
		doc = nil
		if err := json.Unmarshal(r, &doc); err != nil {
			return nil, fmt.Errorf("result: not a JSON object: %v", err)
		}
	}
	if _, ok := doc["value"]; !ok {
		return nil, fmt.Errorf(`no "value" property: expected a result {"value": [...], "updateTime": ...} or a measurement with a "result"`)
	}
	var r struct {
		Value       json.RawMessage `json:"value"`
		UpdateTime  *time.Time      `json:"updateTime"`
		DateTime    *time.Time      `json:"dateTime"`
		AuthorityID *string         `json:"authorityId"`
		Signature   *string         `json:"signature"`
	}
	raw, _ := json.Marshal(doc)
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	var ut time.Time
	switch {
	case r.UpdateTime != nil:
		ut = *r.UpdateTime
	case r.DateTime != nil:
		ut = *r.DateTime
	}
	return ctpscript.Bind(r.Value, ut, r.AuthorityID, r.Signature)
}
