package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// userCommands are the subcommands of `cloudtrust user`.
func userCommands() map[string]command {
	return map[string]command{
		"create": {"create a user", runUserCreate},
		"list":   {"list users", runUserList},
		"passwd": {"set a user's password (read from stdin)", runUserPasswd},
		"token":  {"a user's API tokens (create|list|revoke)", runUserToken},
	}
}

func runUser(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "user", "Usage: cloudtrust user <create|list|passwd|token> [flags]\n\nManages users, their passwords (web sign-in) and API tokens directly in the\ndatabase (safe while the server runs). Memberships: cloudtrust org member.", userCommands())
}

func runUserToken(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "user token", "Usage: cloudtrust user token <create|list|revoke> [flags] USER\n\nUSER is a user id or email. A token is a CTP account linked to the user: it\ncarries access:user and org:<id> for each of the user's organisations.", map[string]command{
		"create": {"create an API token and print it once", runUserTokenCreate},
		"list":   {"list a user's tokens (never their secrets)", runUserTokenList},
		"revoke": {"revoke a token (it stops working within seconds)", runUserTokenRevoke},
	})
}

// readPassword reads one line from stdin as a password (only the line
// ending is removed) and checks the password rules.
func readPassword(env *Env) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, org.MaxPasswordBytes+3)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password from stdin: %v", err)
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	return pw, org.ValidatePassword(pw)
}

var userCreateSpec = cmdSpec{
	name: "user create",
	description: `Creates a user and prints its identifier. Emails are unique, compared
case-insensitively. With --password-stdin the first line of stdin is the
password (12 characters to 1024 bytes), stored as an argon2id hash; without
it the user can only use API tokens until 'cloudtrust user passwd'.`,
	env: dbEnv,
}

func runUserCreate(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(userCreateSpec, true)
	var (
		u       org.User
		readPwd bool
	)
	oc.fs.StringVar(&u.ID, "id", "", "user `id` (default: random)")
	oc.fs.StringVar(&u.Email, "email", "", "`email` address (required)")
	oc.fs.StringVar(&u.Name, "name", "", "display `name`")
	oc.fs.BoolVar(&readPwd, "password-stdin", false, "read the password from the first line of stdin")
	if done, code := oc.open(ctx, env, args, 0); done {
		return code
	}
	defer oc.close()
	if err := u.Validate(); err != nil {
		return failUsage(env, oc.spec, fmt.Errorf("--%s", errText(err)))
	}
	if readPwd {
		pw, err := readPassword(env)
		if err != nil {
			return fail(env, oc.spec, err)
		}
		if u.PasswordHash, err = org.HashPassword(pw); err != nil {
			return fail(env, oc.spec, err)
		}
	}
	if err := oc.store.CreateUser(ctx, &u); err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, u)
	}
	fmt.Fprintf(env.Stdout, "created user %s (%s)\n", u.ID, u.Email)
	return exitOK
}

var userListSpec = cmdSpec{name: "user list", description: "Lists the users by email, with their organisations and roles.", env: dbEnv}

func runUserList(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(userListSpec, true)
	if done, code := oc.open(ctx, env, args, 0); done {
		return code
	}
	defer oc.close()
	users, err := oc.store.Users(ctx)
	if err != nil {
		return fail(env, oc.spec, err)
	}
	type userOut struct {
		org.User
		HasPassword bool             `json:"hasPassword"`
		Memberships []org.Membership `json:"memberships"`
	}
	out := make([]userOut, 0, len(users))
	for _, u := range users {
		ms, err := oc.store.Memberships(ctx, u.ID)
		if err != nil {
			return fail(env, oc.spec, err)
		}
		out = append(out, userOut{u, u.PasswordHash != "", ms})
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tPASSWORD\tORGANISATIONS")
	for _, u := range out {
		var orgs []string
		for _, m := range u.Memberships {
			orgs = append(orgs, m.Org+":"+string(m.Role))
		}
		pw := "no"
		if u.HasPassword {
			pw = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, pw, strings.Join(orgs, " "))
	}
	return flushOr(env, oc.spec, tw)
}

var userPasswdSpec = cmdSpec{
	name: "user passwd", args: "USER",
	description: "Sets the password of USER (an id or email) to the first line of stdin\n(12 characters to 1024 bytes), e.g.  read -rs PW; printf '%s\\n' \"$PW\" | cloudtrust user passwd alice@example.com",
	env:         dbEnv,
}

func runUserPasswd(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(userPasswdSpec, false)
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	u, err := findUser(ctx, oc.store, oc.fs.Arg(0))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	pw, err := readPassword(env)
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if u.PasswordHash, err = org.HashPassword(pw); err != nil {
		return fail(env, oc.spec, err)
	}
	if err := oc.store.UpdateUser(ctx, u); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "password of %s (%s) changed\n", u.ID, u.Email)
	return exitOK
}

var userTokenCreateSpec = cmdSpec{
	name: "user token create", args: "USER",
	description: "Creates an API token for USER (an id or email) and prints it. The token is shown\nonce: only its SHA-256 hash is stored.",
	env:         dbEnv,
}

func runUserTokenCreate(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(userTokenCreateSpec, true)
	var name string
	oc.fs.StringVar(&name, "name", "", "token `name`, e.g. the machine that uses it")
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	u, err := findUser(ctx, oc.store, oc.fs.Arg(0))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	secret := ctp.NewToken()
	sum := sha256.Sum256([]byte(secret))
	t := &org.Token{User: u.ID, Name: name}
	if err := oc.store.CreateToken(ctx, t, sum[:]); err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, struct {
			org.Token
			Secret string `json:"token"`
		}{*t, secret})
	}
	fmt.Fprintf(env.Stdout, "id:    %s\nuser:  %s (%s)\nname:  %s\ntoken: %s\n\nThe token is shown only this once; CloudTrust keeps only its SHA-256 hash.\n", t.ID, u.ID, u.Email, t.Name, secret)
	return exitOK
}

var userTokenListSpec = cmdSpec{name: "user token list", args: "USER", description: "Lists the API tokens of USER (an id or email), oldest first; never their secrets.", env: dbEnv}

func runUserTokenList(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(userTokenListSpec, true)
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	u, err := findUser(ctx, oc.store, oc.fs.Arg(0))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	list, err := oc.store.Tokens(ctx, u.ID)
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED")
	for _, t := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.RFC3339))
	}
	return flushOr(env, oc.spec, tw)
}

var userTokenRevokeSpec = cmdSpec{name: "user token revoke", args: "USER TOKEN", description: "Revokes token TOKEN (its id) of USER (an id or email); it stops working within\nseconds (servers cache authenticated tokens briefly).", env: dbEnv}

func runUserTokenRevoke(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(userTokenRevokeSpec, false)
	if done, code := oc.open(ctx, env, args, 2); done {
		return code
	}
	defer oc.close()
	u, err := findUser(ctx, oc.store, oc.fs.Arg(0))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if err := oc.store.DeleteToken(ctx, u.ID, oc.fs.Arg(1)); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "revoked token %s of %s\n", oc.fs.Arg(1), u.ID)
	return exitOK
}
