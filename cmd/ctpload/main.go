// Command ctpload is the load harness for the CTP server. It talks to a
// running server over HTTP only, and measures a baseline in the same run: a
// bare net/http handler that returns, from memory, the very bytes the server
// returned. See docs/benchmarks.md for the commands and figures.
//
//	ctpload seed  --url URL --admin-token T [--assets N] [--measurements N]
//	ctpload read  --url URL --token T --path P [--duration D] [--concurrency C] [--rate R] [--baseline]
//	ctpload write --url URL --token T --measurements ID,ID,… [--duration D] [--concurrency C]
//	ctpload page  --url URL --token T --view ID [--items 100] [--samples N]
//	ctpload ingest --url URL --admin-token T [--measurements 1000] [--agents 2] [--duration 5m] [--rate R] [--flip 0.002] [--server-pid P]
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ctpload seed|read|write|page|ingest [flags] (see -h of each)")
		os.Exit(2)
	}
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "seed":
		err = runSeed(ctx, os.Args[2:])
	case "read":
		err = runRead(ctx, os.Args[2:])
	case "write":
		err = runWrite(ctx, os.Args[2:])
	case "page":
		err = runPage(ctx, os.Args[2:])
	case "ingest":
		err = runIngest(ctx, os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "ctpload: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctpload:", err)
		os.Exit(1)
	}
}
