package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// accountCommands are the subcommands of `cloudtrust account`.
func accountCommands() map[string]command {
	return map[string]command{
		"create": {"create an account and print its token once", runAccountCreate},
		"list":   {"list accounts", runAccountList},
		"delete": {"delete an account (its token stops working)", runAccountDelete},
	}
}

func runAccount(ctx context.Context, env *Env, args []string) int {
	cmds := accountCommands()
	return runSubcommand(ctx, env, args, "account", "Usage: cloudtrust account <create|list|delete> [flags]\n\nManages CTP accounts directly in the database (safe while the server runs).", cmds)
}

var accountCreateSpec = cmdSpec{
	name: "account create",
	description: `Creates a CTP account and prints its identifier and bearer token. The token is
shown once: only its SHA-256 hash is stored.

Account tags say what the account may do and see (back-office API §2.2):
  a customer   --tag access:user --tag access:anybody --tag customer:acme
               (the default without --tag is access:user and access:anybody;
               add the tag carried by the customer's service views)
  an agent     --tag access:agent --tag customer:acme   (may PUT results)
  an admin     --admin                                  (account tags ["*"])
The server also adds the tag id:<account id>, as the ctpd reference server does.`,
	env: dbEnv,
}

func runAccountCreate(ctx context.Context, env *Env, args []string) int {
	var (
		c                     dbConfig
		name, annotation, tok string
		admin, asJSON         bool
		tags                  stringList
	)
	fs := newFlagSet(accountCreateSpec)
	c.register(fs)
	fs.StringVar(&name, "name", "", "account `name`, e.g. an e-mail address")
	fs.StringVar(&annotation, "annotation", "", "free `text` describing the account")
	fs.Var(&tags, "tag", "account `tag` (repeatable); default access:user and access:anybody")
	fs.StringVar(&tok, "token", "", "use this bearer `token` instead of a random one (\"-\" reads it from stdin); at least 16 characters")
	fs.BoolVar(&admin, "admin", false, "make an administrator: account tags [\"*\"] (all access)")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	if done, code := parseArgs(env, fs, accountCreateSpec, args, 0); done {
		return code
	}
	if err := ctp.ValidateText("--name", name, ctp.MaxNameLength); err != nil {
		return failUsage(env, accountCreateSpec, err)
	}
	if err := ctp.ValidateText("--annotation", annotation, ctp.MaxAnnotationLength); err != nil {
		return failUsage(env, accountCreateSpec, err)
	}
	if err := ctp.ValidateTags("--tag", tags); err != nil {
		return failUsage(env, accountCreateSpec, err)
	}
	if tok == "-" {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintf(env.Stderr, "cloudtrust account create: read token from stdin: %v\n", err)
			return exitError
		}
		tok = strings.TrimSpace(line)
	}
	if tok == "" {
		tok = ctp.NewToken()
	} else if err := checkToken(tok); err != nil {
		return failUsage(env, accountCreateSpec, fmt.Errorf("--token: %v", err))
	}

	accountTags := []string(tags)
	if admin {
		accountTags = append([]string{ctp.Wildcard}, accountTags...)
	} else if len(accountTags) == 0 {
		accountTags = []string{ctp.TagUser, ctp.TagAnybody}
	}
	// The flags are checked above with their names; the account is built
	// by the same function as the API's and the admin page's.
	a, tok, err := ctp.NewAccount(ctp.AccountInput{Name: name, Annotation: annotation, AccountTags: accountTags, Token: &tok},
		cloudtrust.SystemClock{}.Now())
	if err != nil {
		return failUsage(env, accountCreateSpec, err)
	}

	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, accountCreateSpec, err)
	}
	defer db.Close()
	if err := db.CTP().CreateAccount(ctx, a); err != nil {
		return fail(env, accountCreateSpec, err)
	}
	if asJSON {
		out := accountJSON(a)
		out.Token = tok
		return writeJSONOut(env, accountCreateSpec, out)
	}
	fmt.Fprintf(env.Stdout, "id:          %s\nname:        %s\naccountTags: %s\ntoken:       %s\n\nThe token is shown only this once; CloudTrust keeps only its SHA-256 hash.\n",
		a.ID, a.Name, strings.Join(a.AccountTags, " "), tok)
	return exitOK
}

var accountListSpec = cmdSpec{
	name:        "account list",
	description: "Lists the accounts, oldest first. Tokens are never shown: only their hashes are stored.",
	env:         dbEnv,
}

func runAccountList(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		asJSON bool
	)
	fs := newFlagSet(accountListSpec)
	c.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
	if done, code := parseArgs(env, fs, accountListSpec, args, 0); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, accountListSpec, err)
	}
	defer db.Close()
	store := db.CTP()
	page, err := store.List(ctx, ctp.KindAccount, ctp.Ref{}, ctp.ListOptions{})
	if err != nil {
		return fail(env, accountListSpec, err)
	}
	out := make([]accountOut, 0, len(page.Items))
	for _, it := range page.Items {
		a, err := store.Account(ctx, it.ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue // deleted meanwhile
		} else if err != nil {
			return fail(env, accountListSpec, err)
		}
		out = append(out, accountJSON(a))
	}
	if asJSON {
		return writeJSONOut(env, accountListSpec, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tACCOUNT TAGS\tCREATED")
	for _, a := range out {
		created := ""
		if !a.CreatedAt.IsZero() {
			created = a.CreatedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Name, strings.Join(a.AccountTags, " "), created)
	}
	if err := tw.Flush(); err != nil {
		return fail(env, accountListSpec, err)
	}
	return exitOK
}

var accountDeleteSpec = cmdSpec{
	name:        "account delete",
	args:        "ID",
	description: "Deletes the account with identifier ID; its token stops working within seconds (servers cache authenticated tokens briefly).",
	env:         dbEnv,
}

func runAccountDelete(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(accountDeleteSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, accountDeleteSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	id := fs.Arg(0)
	if err := ctp.CheckID(id); err != nil {
		return failUsage(env, accountDeleteSpec, err)
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, accountDeleteSpec, err)
	}
	defer db.Close()
	if err := db.CTP().Delete(ctx, ctp.Ref{Kind: ctp.KindAccount, ID: id}); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return fail(env, accountDeleteSpec, fmt.Errorf("no account with id %q", id))
		}
		return fail(env, accountDeleteSpec, err)
	}
	fmt.Fprintf(env.Stdout, "deleted account %s\n", id)
	return exitOK
}

// accountOut is the JSON form of an account for the CLI; Token is set only
// by create, the one time it is known.
type accountOut struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Annotation  string    `json:"annotation"`
	AccountTags []string  `json:"accountTags"`
	AccessTags  []string  `json:"accessTags"`
	CreatedAt   time.Time `json:"createdAt"`
	Token       string    `json:"token,omitempty"`
}

func accountJSON(a *ctp.Account) accountOut {
	return accountOut{ID: a.ID, Name: a.Name, Annotation: a.Annotation,
		AccountTags: nonNil(a.AccountTags), AccessTags: nonNil(a.AccessTags), CreatedAt: a.CreatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
