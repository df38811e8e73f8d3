package ctp

import "strings"

// Wildcard is the tag that matches every tag (back-office §2.2.1). Only
// administrator accounts should carry it.
const Wildcard = "*"

// Tags that the server associates with API query signatures (back-office §2.2.2).
const (
	TagUser    = "access:user"
	TagAnybody = "access:anybody"
	TagAgent   = "access:agent"
	TagAdmin   = "access:admin"
)

// TagsMatch reports whether two tags match: byte-for-byte equality, or either
// one is the wildcard "*" (back-office §2.2.1).
func TagsMatch(a, b string) bool {
	return a == b || a == Wildcard || b == Wildcard
}

// AnyMatch reports whether at least one account tag matches at least one
// resource (or signature) tag.
func AnyMatch(accountTags, tags []string) bool {
	for _, a := range accountTags {
		for _, t := range tags {
			if TagsMatch(a, t) {
				return true
			}
		}
	}
	return false
}

// HasWildcard reports whether tags contains the wildcard.
func HasWildcard(tags []string) bool {
	for _, t := range tags {
		if t == Wildcard {
			return true
		}
	}
	return false
}

// Readable reports whether a caller whose resource-matching tags are
// callerTags (role tags such as access:user set aside, no wildcard) may
// read a resource carrying tags: the resource is tagged with the wildcard
// or one of its tags matches one of the caller's (back-office §2.2.1). It
// is the one visibility rule of the CTP API (httpapi allowed) and of the
// web consoles, which show exactly what a user's API token reads.
func Readable(callerTags, tags []string) bool {
	return HasWildcard(tags) || AnyMatch(callerTags, tags)
}

// Signature builds an API query signature (back-office §1.1.2): the method, a
// space, the path relative to {CtpBase} with every identifier replaced by
// {id}, and "?"+x when the query string has a variable x. pathPattern is the
// path with identifiers already replaced, e.g. "/assets/{id}".
func Signature(method, pathPattern, x string) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(pathPattern)
	if x != "" {
		b.WriteByte('?')
		b.WriteString(x)
	}
	return b.String()
}

// SignatureTags maps every API query signature CloudTrust serves to the tags
// an account must match to make that call. It follows the table of
// back-office §2.2.2; deviations are listed in docs/ctp.md ("Access tags"):
// DELETE /triggers/{id} is access:user (the client API lets customers delete
// their triggers), PUT /measurements/{id}?state replaces ?initiate, and the
// calls the 2015 table marks unimplemented are given the tag of their nearest
// sibling.
var SignatureTags = map[string][]string{
	"GET /":                                {TagUser, TagAnybody},
	"GET /serviceViews":                    {TagUser},
	"GET /serviceViews/{id}":               {TagUser},
	"GET /serviceViews/{id}/dependencies":  {TagUser},
	"GET /serviceViews/{id}/assets":        {TagUser},
	"GET /serviceViews/{id}/triggers":      {TagUser},
	"GET /serviceViews/{id}/logs":          {TagUser},
	"GET /assets/{id}":                     {TagUser},
	"GET /assets/{id}/attributes":          {TagUser},
	"GET /attributes/{id}":                 {TagUser},
	"GET /attributes/{id}/measurements":    {TagUser},
	"GET /measurements/{id}":               {TagUser},
	"GET /metrics":                         {TagAnybody},
	"GET /metrics/{id}":                    {TagAnybody},
	"GET /triggers/{id}":                   {TagUser},
	"GET /dependencies/{id}":               {TagUser},
	"GET /dependencies/{id}/dependencies":  {TagUser},
	"GET /logs/{id}":                       {TagUser},
	"PUT /measurements/{id}?state":         {TagUser},
	"POST /serviceViews/{id}/triggers":     {TagUser},
	"DELETE /triggers/{id}":                {TagUser},
	"GET /serviceViews/{id}?tags":          {TagAdmin},
	"PUT /serviceViews/{id}?tags":          {TagAdmin},
	"GET /assets/{id}?tags":                {TagAdmin},
	"PUT /assets/{id}?tags":                {TagAdmin},
	"GET /attributes/{id}?tags":            {TagAdmin},
	"PUT /attributes/{id}?tags":            {TagAdmin},
	"GET /measurements/{id}?tags":          {TagAdmin},
	"PUT /measurements/{id}?tags":          {TagAdmin},
	"GET /metrics/{id}?tags":               {TagAdmin},
	"PUT /metrics/{id}?tags":               {TagAdmin},
	"GET /triggers/{id}?tags":              {TagAdmin},
	"PUT /triggers/{id}?tags":              {TagAdmin},
	"GET /dependencies/{id}?tags":          {TagAdmin},
	"PUT /dependencies/{id}?tags":          {TagAdmin},
	"GET /logs/{id}?tags":                  {TagAdmin},
	"PUT /logs/{id}?tags":                  {TagAdmin},
	"GET /accounts/{id}?tags":              {TagAdmin},
	"PUT /accounts/{id}?tags":              {TagAdmin},
	"GET /logs":                            {TagAdmin},
	"PUT /measurements/{id}?result":        {TagAgent},
	"PUT /measurements/{id}?objective":     {TagAdmin},
	"POST /serviceViews":                   {TagAdmin},
	"POST /serviceViews/{id}/assets":       {TagAdmin},
	"POST /serviceViews/{id}/dependencies": {TagAdmin},
	"POST /dependencies/{id}/dependencies": {TagAdmin},
	"POST /assets/{id}/attributes":         {TagAdmin},
	"POST /attributes/{id}/measurements":   {TagAgent},
	"POST /metrics":                        {TagAdmin},
	"DELETE /serviceViews/{id}":            {TagAdmin},
	"DELETE /assets/{id}":                  {TagAdmin},
	"DELETE /attributes/{id}":              {TagAdmin},
	"DELETE /measurements/{id}":            {TagAdmin},
	"DELETE /metrics/{id}":                 {TagAdmin},
	"DELETE /dependencies/{id}":            {TagAdmin},
	"DELETE /logs/{id}":                    {TagAdmin},
	"GET /accounts":                        {TagAdmin},
	"GET /accounts/{id}":                   {TagAdmin},
	"POST /accounts":                       {TagAdmin},
	"DELETE /accounts/{id}":                {TagAdmin},
	// Platform API (issue 4): batch ingest is an agent's call, like
	// PUT ?x=result; history is read like GET /measurements/{id}.
	"POST /api/v1/results":                  {TagAgent},
	"GET /api/v1/measurements/{id}/results": {TagUser},
}

// DefaultTags returns the access tags a new resource of kind k receives when
// its creation request names none (back-office §2.2.3): none for a service
// view, access:anybody for a metric, the parent's tags otherwise.
func DefaultTags(k Kind, parentTags []string) []string {
	switch k {
	case KindServiceView:
		return []string{}
	case KindMetric:
		return []string{TagAnybody}
	}
	out := make([]string, len(parentTags))
	copy(out, parentTags)
	return out
}
