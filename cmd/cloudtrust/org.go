package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// orgCommands are the subcommands of `cloudtrust org`.
func orgCommands() map[string]command {
	return map[string]command{
		"create":  {"create an organisation", runOrgCreate},
		"list":    {"list organisations", runOrgList},
		"show":    {"show an organisation with its members and services", runOrgShow},
		"delete":  {"delete an organisation with its services and memberships", runOrgDelete},
		"member":  {"add or remove members (add|remove)", runOrgMember},
		"service": {"a provider's cloud services (add|list)", runOrgService},
		"account": {"make a CTP account without a user (an agent) carry an organisation (set|clear)", runOrgAccount},
	}
}

func runOrg(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "org", "Usage: cloudtrust org <create|list|show|delete|member|service|account> [flags]\n\nManages organisations (providers, customers, auditors, registry operators), their\nmembers and services directly in the database (safe while the server runs).", orgCommands())
}

func runOrgMember(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "org member", "Usage: cloudtrust org member <add|remove> [flags] ORG USER\n\nUSER is a user id or email.", map[string]command{
		"add":    {"add a member with a role, or change its role", runOrgMemberAdd},
		"remove": {"remove a member", runOrgMemberRemove},
	})
}

func runOrgService(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "org service", "Usage: cloudtrust org service <add|list> [flags] ORG", map[string]command{
		"add":  {"add a service to a provider organisation", runOrgServiceAdd},
		"list": {"list a provider's services", runOrgServiceList},
	})
}

// orgCmd parses the flags of an org or user subcommand (database flags,
// --json, and those extra adds), checks the number of positional
// arguments and opens the database. It returns done=true with the exit
// code when the command must stop.
type orgCmd struct {
	spec   cmdSpec
	db     dbConfig
	asJSON bool
	fs     *flag.FlagSet
	store  *sqldb.OrgStore
	close  func()
}

func newOrgCmd(spec cmdSpec, withJSON bool) *orgCmd {
	oc := &orgCmd{spec: spec, fs: newFlagSet(spec), close: func() {}}
	oc.db.register(oc.fs)
	if withJSON {
		oc.fs.BoolVar(&oc.asJSON, "json", false, "print JSON instead of text")
	}
	return oc
}

func (oc *orgCmd) open(ctx context.Context, env *Env, args []string, nargs int) (done bool, code int) {
	if done, code := parseArgs(env, oc.fs, oc.spec, flagsFirst(oc.fs, args), nargs); done {
		return true, code
	}
	db, err := openDB(ctx, oc.db, quietLogger())
	if err != nil {
		return true, fail(env, oc.spec, err)
	}
	oc.store, oc.close = sqldb.NewOrgStore(db, nil), func() { db.Close() }
	return false, exitOK
}

// findUser finds a user by id, or by email when ref contains "@".
func findUser(ctx context.Context, s org.Store, ref string) (*org.User, error) {
	if strings.Contains(ref, "@") {
		return s.UserByEmail(ctx, ref)
	}
	return s.User(ctx, ref)
}

var orgCreateSpec = cmdSpec{
	name: "org create",
	description: `Creates an organisation and prints its identifier. --kind is one of
provider (publishes services and answers questionnaires), customer, auditor
(attests submissions) or registry (registry operator).`,
	env: dbEnv,
}

func runOrgCreate(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgCreateSpec, true)
	var o org.Organization
	oc.fs.StringVar(&o.ID, "id", "", "organisation `id` (default: random)")
	oc.fs.StringVar(&o.Name, "name", "", "organisation `name` (required)")
	oc.fs.StringVar((*string)(&o.Kind), "kind", "", "`kind`: provider, customer, auditor or registry (required)")
	var ownerRef string
	oc.fs.StringVar(&ownerRef, "owner", "", "`user` (id or email) who becomes the first owner")
	if done, code := oc.open(ctx, env, args, 0); done {
		return code
	}
	defer oc.close()
	if err := o.Validate(); err != nil {
		return failUsage(env, oc.spec, fmt.Errorf("--%s", errText(err)))
	}
	var owner *org.User
	if ownerRef != "" {
		u, err := findUser(ctx, oc.store, ownerRef)
		if err != nil {
			return fail(env, oc.spec, fmt.Errorf("--owner: %w", err))
		}
		owner = u
	}
	var owners []string
	if owner != nil {
		owners = []string{owner.ID}
	}
	// One transaction: no ownerless organisation is left behind.
	if err := oc.store.CreateOrganization(ctx, &o, owners...); err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, o)
	}
	fmt.Fprintf(env.Stdout, "created %s organisation %s (%s)\n", o.Kind, o.ID, o.Name)
	return exitOK
}

var orgListSpec = cmdSpec{name: "org list", description: "Lists the organisations by name.", env: dbEnv}

func runOrgList(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgListSpec, true)
	if done, code := oc.open(ctx, env, args, 0); done {
		return code
	}
	defer oc.close()
	list, err := oc.store.Organizations(ctx)
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tCREATED")
	for _, o := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.Name, o.CreatedAt.Format(time.RFC3339))
	}
	return flushOr(env, oc.spec, tw)
}

func flushOr(env *Env, spec cmdSpec, tw *tabwriter.Writer) int {
	if err := tw.Flush(); err != nil {
		return fail(env, spec, err)
	}
	return exitOK
}

var orgShowSpec = cmdSpec{name: "org show", args: "ORG", description: "Shows an organisation with its members and services.", env: dbEnv}

func runOrgShow(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgShowSpec, true)
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	o, err := oc.store.Organization(ctx, oc.fs.Arg(0))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	ms, err := oc.store.Members(ctx, o.ID)
	if err != nil {
		return fail(env, oc.spec, err)
	}
	type memberOut struct {
		org.Membership
		Email string `json:"email"`
	}
	members := make([]memberOut, 0, len(ms))
	for _, m := range ms {
		u, err := oc.store.User(ctx, m.User)
		if err != nil {
			return fail(env, oc.spec, err)
		}
		members = append(members, memberOut{m, u.Email})
	}
	services, err := oc.store.Services(ctx, o.ID)
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, map[string]any{"organization": o, "members": members, "services": services})
	}
	fmt.Fprintf(env.Stdout, "id:      %s\nname:    %s\nkind:    %s\ncreated: %s\n\nMembers:\n", o.ID, o.Name, o.Kind, o.CreatedAt.Format(time.RFC3339))
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, m := range members {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", m.User, m.Email, m.Role)
	}
	if len(services) > 0 {
		tw.Flush()
		fmt.Fprintln(env.Stdout, "\nServices:")
		for _, sv := range services {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", sv.ID, sv.Name, sv.Description)
		}
	}
	return flushOr(env, oc.spec, tw)
}

var orgDeleteSpec = cmdSpec{name: "org delete", args: "ORG", description: "Deletes an organisation with its services and memberships; accounts that carried it keep working without it.", env: dbEnv}

func runOrgDelete(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgDeleteSpec, false)
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	if err := oc.store.DeleteOrganization(ctx, oc.fs.Arg(0)); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "deleted organisation %s\n", oc.fs.Arg(0))
	return exitOK
}

var orgMemberAddSpec = cmdSpec{
	name: "org member add", args: "ORG USER",
	description: "Adds USER (an id or email) to organisation ORG with --role, or changes its role.\nRoles: owner (manages members), editor (changes the organisation's data), viewer, auditor.",
	env:         dbEnv,
}

func runOrgMemberAdd(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgMemberAddSpec, false)
	var role string
	oc.fs.StringVar(&role, "role", "", "`role`: owner, editor, viewer or auditor (required)")
	if done, code := oc.open(ctx, env, args, 2); done {
		return code
	}
	defer oc.close()
	if !org.Role(role).Valid() {
		return failUsage(env, oc.spec, fmt.Errorf("--role: %q is not one of owner, editor, viewer, auditor", role))
	}
	u, err := findUser(ctx, oc.store, oc.fs.Arg(1))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if err := oc.store.SetMembership(ctx, org.Membership{User: u.ID, Org: oc.fs.Arg(0), Role: org.Role(role)}); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "%s (%s) is %s of %s\n", u.ID, u.Email, role, oc.fs.Arg(0))
	return exitOK
}

var orgMemberRemoveSpec = cmdSpec{name: "org member remove", args: "ORG USER", description: "Removes USER (an id or email) from organisation ORG. The last owner cannot be removed.", env: dbEnv}

func runOrgMemberRemove(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgMemberRemoveSpec, false)
	if done, code := oc.open(ctx, env, args, 2); done {
		return code
	}
	defer oc.close()
	u, err := findUser(ctx, oc.store, oc.fs.Arg(1))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if err := oc.store.RemoveMembership(ctx, u.ID, oc.fs.Arg(0)); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "removed %s (%s) from %s\n", u.ID, u.Email, oc.fs.Arg(0))
	return exitOK
}

var orgServiceAddSpec = cmdSpec{name: "org service add", args: "ORG", description: "Adds a cloud service to provider organisation ORG and prints its identifier.", env: dbEnv}

func runOrgServiceAdd(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgServiceAddSpec, true)
	var sv org.Service
	oc.fs.StringVar(&sv.ID, "id", "", "service `id` (default: random)")
	oc.fs.StringVar(&sv.Name, "name", "", "service `name` (required)")
	oc.fs.StringVar(&sv.Description, "description", "", "service `description`")
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	sv.Org = oc.fs.Arg(0)
	if err := sv.Validate(); err != nil {
		return failUsage(env, oc.spec, fmt.Errorf("--%s", errText(err)))
	}
	if err := oc.store.CreateService(ctx, &sv); err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, sv)
	}
	fmt.Fprintf(env.Stdout, "created service %s (%s) of %s\n", sv.ID, sv.Name, sv.Org)
	return exitOK
}

var orgServiceListSpec = cmdSpec{name: "org service list", args: "ORG", description: "Lists the services of provider organisation ORG.", env: dbEnv}

func runOrgServiceList(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgServiceListSpec, true)
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	list, err := oc.store.Services(ctx, oc.fs.Arg(0))
	if err != nil {
		return fail(env, oc.spec, err)
	}
	if oc.asJSON {
		return writeJSONOut(env, oc.spec, list)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDESCRIPTION")
	for _, sv := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sv.ID, sv.Name, sv.Description)
	}
	return flushOr(env, oc.spec, tw)
}

func runOrgAccount(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "org account", "Usage: cloudtrust org account <set|clear> [flags]\n\nA CTP account without a user (an agent, made with 'cloudtrust account create')\nmay carry one organisation: it then gets the tag org:<id> and counts as a viewer of it.", map[string]command{
		"set":   {"make ACCOUNT carry organisation ORG", runOrgAccountSet},
		"clear": {"make ACCOUNT carry no organisation", runOrgAccountClear},
	})
}

var orgAccountSetSpec = cmdSpec{name: "org account set", args: "ORG ACCOUNT", description: "Makes CTP account ACCOUNT (an id; not a user's token) carry organisation ORG.", env: dbEnv}

func runOrgAccountSet(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgAccountSetSpec, false)
	if done, code := oc.open(ctx, env, args, 2); done {
		return code
	}
	defer oc.close()
	if err := oc.store.SetAccountOrg(ctx, oc.fs.Arg(1), oc.fs.Arg(0)); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "account %s carries organisation %s\n", oc.fs.Arg(1), oc.fs.Arg(0))
	return exitOK
}

var orgAccountClearSpec = cmdSpec{name: "org account clear", args: "ACCOUNT", description: "Makes CTP account ACCOUNT carry no organisation.", env: dbEnv}

func runOrgAccountClear(ctx context.Context, env *Env, args []string) int {
	oc := newOrgCmd(orgAccountClearSpec, false)
	if done, code := oc.open(ctx, env, args, 1); done {
		return code
	}
	defer oc.close()
	if err := oc.store.SetAccountOrg(ctx, oc.fs.Arg(0), ""); err != nil {
		return fail(env, oc.spec, err)
	}
	fmt.Fprintf(env.Stdout, "account %s carries no organisation\n", oc.fs.Arg(0))
	return exitOK
}
