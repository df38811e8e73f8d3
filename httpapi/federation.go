package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// RemoteInfo is a remote CTP service view a local service view depends on
// (spec Appendix B), as listed: never with its token.
type RemoteInfo struct {
	ID          string
	URL         string
	ServiceView string
	LastError   string
	LastSuccess time.Time // zero: never polled successfully
	Created     time.Time
}

// Remotes stores the remotes of service views (federation; the poller is
// in package federation).
type Remotes interface {
	AddRemote(ctx context.Context, viewID, url, token, remoteView string) (*RemoteInfo, error)
	ListRemotes(ctx context.Context, viewID string) ([]*RemoteInfo, error)
	DeleteRemote(ctx context.Context, viewID, rid string) error
}

type remoteIn struct {
	URL         string `json:"url"`
	Token       string `json:"token"`
	ServiceView string `json:"serviceView"`
}

type remoteJSON struct {
	ID          string  `json:"id"`
	URL         string  `json:"url"`
	ServiceView string  `json:"serviceView"`
	LastError   string  `json:"lastError"`
	LastSuccess *string `json:"lastSuccess"`
	Created     string  `json:"created"`
}

func encodeRemote(r *RemoteInfo) remoteJSON {
	j := remoteJSON{ID: r.ID, URL: r.URL, ServiceView: r.ServiceView, LastError: r.LastError, Created: r.Created.UTC().Format(time.RFC3339)}
	if !r.LastSuccess.IsZero() {
		s := r.LastSuccess.UTC().Format(time.RFC3339)
		j.LastSuccess = &s
	}
	return j
}

func (s *Server) remotes() (Remotes, error) {
	if s.cfg.Remotes == nil {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "federation is not configured on this server")
	}
	return s.cfg.Remotes, nil
}

func httpURL(field, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldf(field, "must be an absolute http or https URL")
	}
	return nil
}

// handleRemoteCreate serves POST /api/v1/serviceViews/{id}/remotes
// (administrators): declare a remote CTP service view as a dependency.
func (s *Server) handleRemoteCreate(w http.ResponseWriter, r *http.Request, _ *call) {
	rs, err := s.remotes()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in remoteIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := httpURL("url", in.URL); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.ServiceView == "" {
		s.Error(w, r, fieldf("serviceView", "required"))
		return
	}
	if strings.Contains(in.ServiceView, "://") {
		if err := httpURL("serviceView", in.ServiceView); err != nil {
			s.Error(w, r, err)
			return
		}
	} else if err := ctp.ValidateText("serviceView", in.ServiceView, ctp.MaxNameLength); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := ctp.ValidateText("token", in.Token, 4096); err != nil {
		s.Error(w, r, err)
		return
	}
	ri, err := rs.AddRemote(r.Context(), r.PathValue("id"), in.URL, in.Token, in.ServiceView)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeRemote(ri))
}

// handleRemoteList serves GET /api/v1/serviceViews/{id}/remotes
// (administrators): the remotes with their poll status, without tokens.
func (s *Server) handleRemoteList(w http.ResponseWriter, r *http.Request, _ *call) {
	rs, err := s.remotes()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := rs.ListRemotes(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]remoteJSON, 0, len(list))
	for _, ri := range list {
		out = append(out, encodeRemote(ri))
	}
	writeJSON(w, map[string]any{"remotes": out})
}

// handleRemoteDelete serves DELETE /api/v1/serviceViews/{id}/remotes/{rid}.
func (s *Server) handleRemoteDelete(w http.ResponseWriter, r *http.Request, _ *call) {
	rs, err := s.remotes()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := rs.DeleteRemote(r.Context(), r.PathValue("id"), r.PathValue("rid")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
