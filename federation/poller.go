// Package federation mirrors sub-providers' CTP service views as
// dependencies of local service views (spec Appendix B, issue 4 item 7).
//
// A Poller reads each remote service view with its bearer token; when its
// changeId differs from the last one seen it walks the remote dependencies
// collection recursively, re-reading only the subtrees whose changeId
// changed, and then makes the local dependency tree under the local service
// view equal to the remote one. The remote is read completely before
// anything local changes, so a failing remote leaves the local tree as it
// was; the error is recorded on the remote.
package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// Limits of a poll.
const (
	MaxDepth        = 5       // dependency levels below the remote view
	MaxResponseSize = 1 << 20 // bytes per response
	RequestTimeout  = 10 * time.Second
)

// Store is the local storage a Poller needs.
type Store interface {
	CreateDependency(ctx context.Context, d *ctp.Dependency) error
	UpdateDependency(ctx context.Context, d *ctp.Dependency) error
	Dependency(ctx context.Context, id string) (*ctp.Dependency, error)
	Delete(ctx context.Context, r ctp.Ref) error
}

// Poller polls the remotes stored in Remotes and mirrors them into CTP.
type Poller struct {
	Remotes *sqldb.FederationStore
	CTP     Store
	Client  *http.Client // nil: a client with RequestTimeout
	Clock   cloudtrust.Clock
	Logger  *slog.Logger // nil: slog.Default()
}

// node is the state kept per remote resource URL.
type node struct {
	ChangeID string   `json:"changeId"`
	LocalID  string   `json:"localId,omitempty"` // "" for the remote view itself
	Children []string `json:"children,omitempty"`
}

type state map[string]*node

// remoteView is the part of a remote service view or dependency read.
type remoteView struct {
	Self         string  `json:"self"`
	ChangeID     string  `json:"changeId"`
	Name         string  `json:"name"`
	Annotation   string  `json:"annotation"`
	Provider     string  `json:"provider"`
	ServiceClass *string `json:"serviceClass"`
	Dependencies string  `json:"dependencies"`
}

type remoteCollection struct {
	Collection []struct {
		Link string `json:"link"`
	} `json:"collection"`
}

// fetched is one remote resource read in this poll; unchanged resources
// keep their old state and are not re-read below.
type fetched struct {
	url       string
	view      remoteView
	unchanged bool
	children  []*fetched
}

// Run polls every remote each interval until ctx is done.
func (p *Poller) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.PollAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PollAll polls each remote once; one remote failing does not stop the
// others. It returns the number of remotes whose poll failed.
func (p *Poller) PollAll(ctx context.Context) int {
	remotes, err := p.Remotes.Remotes(ctx, "")
	if err != nil {
		p.logger().Error("federation: listing remotes", "error", err)
		return 0
	}
	failed := 0
	for _, r := range remotes {
		if ctx.Err() != nil {
			break
		}
		if err := p.Poll(ctx, r); err != nil {
			failed++
			p.logger().Warn("federation: poll failed", "remote", r.ID, "url", r.URL, "error", err)
		}
	}
	return failed
}

func (p *Poller) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

func (p *Poller) now() time.Time {
	if p.Clock != nil {
		return p.Clock.Now()
	}
	return time.Now()
}

// ViewURL returns the URL of the remote service view of r: RemoteView
// itself when it is an absolute URL, else {URL}/serviceViews/{RemoteView}.
func ViewURL(r *sqldb.Remote) string {
	if strings.Contains(r.RemoteView, "://") {
		return r.RemoteView
	}
	return strings.TrimRight(r.URL, "/") + "/serviceViews/" + url.PathEscape(r.RemoteView)
}

// Poll polls remote r once and records the outcome on it.
func (p *Poller) Poll(ctx context.Context, r *sqldb.Remote) error {
	err := p.poll(ctx, r)
	if rerr := p.Remotes.RecordPoll(ctx, r.ID, r.State, p.now(), err); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func (p *Poller) poll(ctx context.Context, r *sqldb.Remote) error {
	token, err := p.Remotes.RemoteToken(ctx, r.ID)
	if err != nil {
		return err
	}
	st := state{}
	if r.State != "" {
		if err := json.Unmarshal([]byte(r.State), &st); err != nil {
			st = state{}
		}
	}
	w := &walker{p: p, token: token, old: st, seen: map[string]bool{}}
	root, err := w.read(ctx, ViewURL(r), 0)
	if err != nil {
		return err
	}
	if root.unchanged {
		return nil
	}
	next := state{}
	a := &applier{p: p, old: st, next: next}
	applyErr := a.apply(ctx, root, ctp.Ref{Kind: ctp.KindServiceView, ID: r.ServiceViewID}, true)
	if applyErr != nil {
		// Keep what was mirrored so far (so it is not created twice) and
		// what was not reached yet, and read everything again next time.
		for u, n := range st {
			if _, ok := next[u]; !ok {
				next[u] = n
			}
		}
	}
	if applyErr != nil || a.stale {
		// A local mirror is missing or incomplete: forget the root's
		// changeId so that the next poll re-reads the whole tree.
		next[root.url].ChangeID = ""
	}
	b, err := json.Marshal(next)
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "federation state: %v", err)
	}
	r.State = string(b)
	return applyErr
}

// applier changes the local tree; old is the state before the poll, next
// the state after it.
type applier struct {
	p         *Poller
	old, next state
	stale     bool // a local mirror of an unchanged subtree was missing
}

type walker struct {
	p     *Poller
	token string
	old   state
	seen  map[string]bool
}

// read fetches the resource at u and, when its changeId changed, its
// dependencies recursively.
func (w *walker) read(ctx context.Context, u string, depth int) (*fetched, error) {
	f := &fetched{url: u}
	w.seen[u] = true
	if err := w.get(ctx, u, &f.view); err != nil {
		return nil, err
	}
	if f.view.ChangeID == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "remote %s: response has no changeId", u)
	}
	if old, ok := w.old[u]; ok && old.ChangeID == f.view.ChangeID {
		f.unchanged = true
		return f, nil
	}
	if depth >= MaxDepth || f.view.Dependencies == "" {
		return f, nil
	}
	deps, err := w.resolve(u, f.view.Dependencies)
	if err != nil {
		return nil, err
	}
	var c remoteCollection
	if err := w.get(ctx, deps, &c); err != nil {
		return nil, err
	}
	for i, it := range c.Collection {
		child, err := w.resolve(deps, it.Link)
		if err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "remote %s: collection[%d].link: %v", deps, i, err)
		}
		if w.seen[child] {
			continue // a cycle or a repeated dependency: read once
		}
		cf, err := w.read(ctx, child, depth+1)
		if err != nil {
			return nil, err
		}
		f.children = append(f.children, cf)
	}
	return f, nil
}

func (w *walker) resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("bad URL %q", ref)
	}
	u := b.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("URL %q: only http and https are allowed", ref)
	}
	return u.String(), nil
}

func (w *walker) get(ctx context.Context, u string, into any) error {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "remote URL %q: only http and https are allowed", u)
	}
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "remote URL %q: %v", u, err)
	}
	req.Header.Set("Accept", "application/json")
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	client := w.p.Client
	if client == nil {
		client = &http.Client{Timeout: RequestTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "remote %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "remote %s: HTTP status %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "remote %s: reading response: %v", u, err)
	}
	if len(body) > MaxResponseSize {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "remote %s: response larger than %d bytes", u, MaxResponseSize)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "remote %s: response is not valid JSON: %v", u, err)
	}
	return nil
}

// apply makes the local children of parent equal to f.children and records
// the new state in next. root is true for the remote view itself, which
// maps to the local service view.
func (a *applier) apply(ctx context.Context, f *fetched, parent ctp.Ref, root bool) error {
	p, old, next := a.p, a.old, a.next
	n := &node{ChangeID: f.view.ChangeID}
	if !root {
		n.LocalID = parent.ID
	}
	next[f.url] = n
	wanted := map[string]bool{}
	for _, c := range f.children {
		wanted[c.url] = true
	}
	// Remove local mirrors of remote children that disappeared.
	if o, ok := old[f.url]; ok {
		for _, cu := range o.Children {
			if wanted[cu] {
				continue
			}
			if oc, ok := old[cu]; ok && oc.LocalID != "" {
				if err := p.CTP.Delete(ctx, ctp.Ref{Kind: ctp.KindDependency, ID: oc.LocalID}); err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
					return err
				}
			}
		}
	}
	for _, c := range f.children {
		oc := old[c.url]
		if c.unchanged && oc != nil && oc.LocalID != "" {
			if _, err := p.CTP.Dependency(ctx, oc.LocalID); err == nil {
				n.Children = append(n.Children, c.url)
				copySubtree(c.url, old, next, map[string]bool{})
				continue
			}
			// The local mirror was removed by hand: recreate it below and
			// read its subtree again next poll.
			a.stale = true
		}
		d := &ctp.Dependency{
			Parent: parent, Name: c.view.Name, Annotation: c.view.Annotation,
			Provider: c.view.Provider, ServiceClass: c.view.ServiceClass,
		}
		if oc != nil && oc.LocalID != "" {
			d.ID = oc.LocalID
			if err := p.CTP.UpdateDependency(ctx, d); err != nil {
				if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
					return err
				}
				d.ID = ""
			}
		}
		if d.ID == "" {
			if err := p.CTP.CreateDependency(ctx, d); err != nil {
				return err
			}
		}
		n.Children = append(n.Children, c.url)
		next[c.url] = &node{LocalID: d.ID} // known before its subtree, should that fail
		if c.unchanged {
			continue // its subtree was not read: next poll reads it (stale)
		}
		if err := a.apply(ctx, c, ctp.Ref{Kind: ctp.KindDependency, ID: d.ID}, false); err != nil {
			return err
		}
	}
	return nil
}

// copySubtree carries the state of an unchanged subtree over to next.
func copySubtree(u string, old, next state, seen map[string]bool) {
	if seen[u] {
		return
	}
	seen[u] = true
	n, ok := old[u]
	if !ok {
		return
	}
	next[u] = n
	for _, c := range n.Children {
		copySubtree(c, old, next, seen)
	}
}
