package notify

import (
	"net/url"
	"strings"

	"mellium.im/xmpp/jid"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// ParseXMPPURI parses a trigger notification URI of the form CTP §4.2.7
// requires, xmpp:<node>@<server><path> (RFC 5122 without an authority), and
// returns the recipient JID; <path> is an optional "/resource". The only
// query accepted is the RFC 5122 "?message" action (with or without
// parameters). Errors are EINVALID and say which part is wrong.
func ParseXMPPURI(raw string) (jid.JID, error) {
	bad := func(format string, args ...any) (jid.JID, error) {
		return jid.JID{}, cloudtrust.Errorf(cloudtrust.EINVALID, "notification URI %q: "+format, append([]any{raw}, args...)...)
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || !strings.EqualFold(scheme, "xmpp") {
		return bad("scheme must be xmpp:")
	}
	if strings.HasPrefix(rest, "//") {
		return bad("an authority (xmpp://account/...) is not supported: alerts are sent from the service's own account; use xmpp:<node>@<server>")
	}
	if strings.Contains(rest, "#") {
		return bad("a fragment (#...) is not allowed")
	}
	hier, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		action, _, _ := strings.Cut(query, ";")
		if action != "message" {
			return bad("query action %q is not supported; only ?message (or none) is", action)
		}
	}
	if hier == "" {
		return bad("missing <node>@<server>")
	}
	addr, resource, hasResource := strings.Cut(hier, "/")
	node, domain, hasNode := strings.Cut(addr, "@")
	if !hasNode || node == "" {
		return bad("missing node: the form is xmpp:<node>@<server>[/<resource>]")
	}
	if domain == "" {
		return bad("missing server after @")
	}
	if hasResource && resource == "" {
		return bad("empty resource after /")
	}
	var err error
	unescape := func(part, s string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = url.PathUnescape(s)
		if err != nil {
			err = cloudtrust.Errorf(cloudtrust.EINVALID, "notification URI %q: bad percent-encoding in the %s", raw, part)
		}
		return v
	}
	node, domain, resource = unescape("node", node), unescape("server", domain), unescape("resource", resource)
	if err != nil {
		return jid.JID{}, err
	}
	j, err := jid.New(node, domain, resource)
	if err != nil {
		return bad("not a valid JID: %v", err)
	}
	return j, nil
}

// ValidateNotificationURI checks a trigger's notification URI before it is
// stored: "" (no notification), an absolute http(s) URL with a host, or an
// xmpp: URI accepted by ParseXMPPURI. Errors are EINVALID.
func ValidateNotificationURI(raw string) error {
	if raw == "" {
		return nil
	}
	scheme, _, _ := strings.Cut(raw, ":")
	switch strings.ToLower(scheme) {
	case "xmpp":
		_, err := ParseXMPPURI(raw)
		return err
	case "http", "https":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "notification URI %q: not an absolute http(s) URL with a host", raw)
		}
		if u.Fragment != "" {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "notification URI %q: a fragment (#...) is not allowed", raw)
		}
		return nil
	}
	return cloudtrust.Errorf(cloudtrust.EINVALID, "notification URI %q: unsupported scheme %q; use xmpp:, https: or http:", raw, scheme)
}
