package web

// The provider's evidence (/console/evidence): the items of the user's
// provider organisations with their expiry and the freshness of the
// controls they support (evidence.ControlFreshnessAt), and an upload form
// (a file or an https link with its metadata) for owners and editors,
// stored through the API's evidence.Service (same checks: size limit,
// content type, metadata validation naming each field).

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
)

// evidenceData is the data of the "assess_evidence" page.
type evidenceData struct {
	Orgs      []evidenceOrg
	Writable  []*org.Organization // where the user may upload
	CanUpload bool                // the server stores evidence
	MaxMiB    int64
	Form      evidenceForm
	Message   string
	Added     string
}

// evidenceOrg is one provider organisation's evidence.
type evidenceOrg struct {
	Org       *org.Organization
	Items     []evidenceRow
	Freshness []evidence.ControlFreshness
}

// evidenceRow is an item with its state now.
type evidenceRow struct {
	evidence.Item
	Expired bool
}

// evidenceForm holds the upload form's fields (kept after an error).
type evidenceForm struct {
	Provider, Kind, Title, Description, Collector, Controls string
	PeriodFrom, PeriodTo, Expires, Visibility, URL          string
}

func (s *Server) handleEvidenceConsoleGet(w http.ResponseWriter, r *http.Request, v *visit) {
	d := &evidenceData{Added: r.URL.Query().Get("added"), Form: evidenceForm{Kind: "file", Visibility: "private"}}
	s.renderEvidence(w, r, v, http.StatusOK, d)
}

func (s *Server) renderEvidence(w http.ResponseWriter, r *http.Request, v *visit, status int, d *evidenceData) {
	if err := s.evidenceList(r.Context(), v, d); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, status, "assess_evidence", d)
}

func (s *Server) evidenceList(ctx context.Context, v *visit, d *evidenceData) error {
	st := s.evidenceStore()
	if st == nil {
		return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "evidence is not available on this server")
	}
	d.CanUpload = s.cfg.Assess.Evidence != nil
	if d.CanUpload {
		d.MaxMiB = s.cfg.Assess.Evidence.MaxBytes() >> 20
	}
	for _, o := range v.OrgsOfKind(org.KindProvider) {
		if !memberOf(v, o.ID) {
			continue
		}
		if canWriteSubmission(v, o.ID) {
			d.Writable = append(d.Writable, o)
		}
		items, err := st.Items(ctx, o.ID)
		if err != nil {
			return err
		}
		eo := evidenceOrg{Org: o, Freshness: evidence.ControlFreshnessAt(items, v.Now)}
		for _, it := range items {
			eo.Items = append(eo.Items, evidenceRow{Item: it, Expired: it.ExpiredAt(v.Now)})
		}
		d.Orgs = append(d.Orgs, eo)
	}
	return nil
}

// parseFormDate reads a date (YYYY-MM-DD, UTC midnight) or an RFC 3339
// time; "" is the zero time.
func parseFormDate(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: %q is not a date (want YYYY-MM-DD)", field, s)
}

// handleEvidenceCreatePost adds an evidence item: a file (multipart field
// "file") or a link, with its metadata.
func (s *Server) handleEvidenceCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	f := evidenceForm{
		Provider: r.PostFormValue("provider"), Kind: r.PostFormValue("kind"), Title: strings.TrimSpace(r.PostFormValue("title")),
		Description: strings.TrimSpace(r.PostFormValue("description")), Collector: strings.TrimSpace(r.PostFormValue("collector")),
		Controls: r.PostFormValue("controls"), PeriodFrom: r.PostFormValue("periodFrom"), PeriodTo: r.PostFormValue("periodTo"),
		Expires: r.PostFormValue("expires"), Visibility: r.PostFormValue("visibility"), URL: strings.TrimSpace(r.PostFormValue("url")),
	}
	if s.cfg.Assess.Evidence == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "evidence uploads are not available on this server"))
		return
	}
	if !canWriteSubmission(v, f.Provider) || v.Orgs[f.Provider] == nil || v.Orgs[f.Provider].Kind != org.KindProvider {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "adding evidence for %q needs the role owner or editor in that provider organisation", f.Provider))
		return
	}
	it, err := s.addEvidence(r, v, f)
	if err != nil {
		status, msg := clientError(err)
		if c := cloudtrust.ErrorCode(err); c == cloudtrust.ETOOLARGE || c == cloudtrust.ENOTIMPLEMENTED {
			status, msg = errorStatus[c], cloudtrust.ErrorMessage(err)
		}
		if status == 0 {
			s.fail(w, r, v, err)
			return
		}
		s.renderEvidence(w, r, v, status, &evidenceData{Form: f, Message: msg})
		return
	}
	s.logger.Info("web: evidence added", "evidence", it.ID, "provider", it.Provider, "user", v.User.ID)
	s.redirect(w, r, "/console/evidence?added="+it.ID)
}

func (s *Server) addEvidence(r *http.Request, v *visit, f evidenceForm) (*evidence.Item, error) {
	it := &evidence.Item{Provider: f.Provider, Kind: evidence.Kind(f.Kind), Title: f.Title, Description: f.Description,
		Collector: f.Collector, Visibility: evidence.Visibility(f.Visibility), CreatedBy: v.User.ID, Controls: []string{}}
	for _, c := range strings.FieldsFunc(f.Controls, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		it.Controls = append(it.Controls, c)
	}
	var err error
	if it.PeriodFrom, err = parseFormDate("periodFrom", f.PeriodFrom); err != nil {
		return nil, err
	}
	if it.PeriodTo, err = parseFormDate("periodTo", f.PeriodTo); err != nil {
		return nil, err
	}
	if it.Expires, err = parseFormDate("expires", f.Expires); err != nil {
		return nil, err
	}
	svc := s.cfg.Assess.Evidence
	switch it.Kind {
	case evidence.KindLink:
		it.URL = f.URL
		return it, svc.AddReference(r.Context(), it)
	case evidence.KindFile:
		if r.MultipartForm == nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "file: send the form as multipart/form-data with a file")
		}
		file, fh, err := r.FormFile("file")
		if err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "file: choose a file to upload")
		}
		defer file.Close()
		if fh.Size > svc.MaxBytes() {
			return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "file: larger than the limit of %d bytes", svc.MaxBytes())
		}
		return it, svc.AddFile(r.Context(), it, fh.Filename, fh.Header.Get("Content-Type"), file)
	}
	return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "kind %q: want file or link", f.Kind)
}
