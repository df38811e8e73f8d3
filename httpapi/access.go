package httpapi

import (
	"context"
	"net/http"
)

// fetchAllowed reads one resource with get and returns it only when the
// caller's account may use it (back-office §2.2.1): ENOTFOUND when it does
// not exist, EFORBIDDEN when it exists but its access tags do not match
// (§5.1.4). what names the kind in the message.
func fetchAllowed[T any](r *http.Request, c *call, id, what string, get func(context.Context, string) (*T, error), tags func(*T) []string) (*T, error) {
	v, err := get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !allowed(c.account, tags(v)) {
		return nil, forbiddenf("%s %s is not accessible to this account", what, id)
	}
	return v, nil
}
