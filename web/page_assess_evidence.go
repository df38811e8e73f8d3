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
	Updated   string // the id of an item just edited
	Deleted   string // the id of an item just deleted
}

// evidenceOrg is one provider organisation's evidence.
type evidenceOrg struct {
	Org       *org.Organization
	Items     []evidenceRow
	Freshness []evidence.ControlFreshness
	CanEdit   bool // the user may edit and delete the items
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
	q := r.URL.Query()
	d := &evidenceData{Added: q.Get("added"), Updated: q.Get("updated"), Deleted: q.Get("deleted"), Form: evidenceForm{Kind: "file", Visibility: "private"}}
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
		eo := evidenceOrg{Org: o, Freshness: evidence.ControlFreshnessAt(items, v.Now), CanEdit: d.CanUpload && canWriteSubmission(v, o.ID)}
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
	it.Controls = append(it.Controls, splitControls(f.Controls)...)
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

// splitControls reads the control ids of the form's controls field,
// separated by commas or white space.
func splitControls(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// Editing and deleting an item (/console/evidence/{ev}/edit): the rules
// and the calls are those of PATCH and DELETE /api/v1/evidence/{ev}
// (httpapi/evidence.go): owners and editors of the item's provider change
// its metadata through the store's UpdateItem (validated as on upload) and
// delete it through evidence.Service.Delete (which also removes the file
// when no other item shares it). Kind, link and file cannot change: add a
// new item instead. Members who may not write get 403, everyone else the
// same "not found" as for a missing item.

// evidenceEditData is the data of the "assess_evidence_edit" page.
type evidenceEditData struct {
	Item     *evidence.Item
	OrgName  string
	Expired  bool
	Form     evidenceForm
	Message  string // why the last change was refused
	CanWrite bool   // the server changes evidence (Assess.Evidence is set)
}

// formDate renders a time for an <input type="date"> ("" for zero).
func formDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// editForm is the form of an item as stored.
func editForm(it *evidence.Item) evidenceForm {
	return evidenceForm{Provider: it.Provider, Kind: string(it.Kind), Title: it.Title, Description: it.Description,
		Collector: it.Collector, Controls: strings.Join(it.Controls, " "), PeriodFrom: formDate(it.PeriodFrom),
		PeriodTo: formDate(it.PeriodTo), Expires: formDate(it.Expires), Visibility: string(it.Visibility), URL: it.URL}
}

// loadEvidenceItem reads an item of one of the user's provider
// organisations (write: where the user is an owner or editor).
func (s *Server) loadEvidenceItem(ctx context.Context, v *visit, id string, write bool) (*evidence.Item, error) {
	st := s.evidenceStore()
	if st == nil {
		return nil, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "evidence is not available on this server")
	}
	notFound := cloudtrust.Errorf(cloudtrust.ENOTFOUND, "evidence %q not found", id)
	if !evidence.IsID(id) {
		return nil, notFound
	}
	it, err := st.Item(ctx, id)
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && !memberOf(v, it.Provider)) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if write && !canWriteSubmission(v, it.Provider) {
		return nil, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "changing evidence %s needs the role owner or editor in organisation %q", id, it.Provider)
	}
	return it, nil
}

// handleEvidenceEditGet shows an item's edit form and delete confirmation
// to the owners and editors of its provider.
func (s *Server) handleEvidenceEditGet(w http.ResponseWriter, r *http.Request, v *visit) {
	it, err := s.loadEvidenceItem(r.Context(), v, r.PathValue("ev"), true)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderEvidenceEdit(w, r, v, http.StatusOK, it, editForm(it), "")
}

func (s *Server) renderEvidenceEdit(w http.ResponseWriter, r *http.Request, v *visit, status int, it *evidence.Item, f evidenceForm, msg string) {
	d := &evidenceEditData{Item: it, OrgName: it.Provider, Expired: it.ExpiredAt(v.Now), Form: f, Message: msg, CanWrite: s.cfg.Assess.Evidence != nil}
	if o := v.Orgs[it.Provider]; o != nil {
		d.OrgName = o.Name
	}
	s.render(w, r, v, status, "assess_evidence_edit", d)
}

// needEvidenceService returns the API's evidence service or an
// EUNAVAILABLE error.
func (s *Server) needEvidenceService() (*evidence.Service, error) {
	if s.cfg.Assess.Evidence == nil {
		return nil, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "changing evidence is not available on this server")
	}
	return s.cfg.Assess.Evidence, nil
}

// editableEvidence is the evidence service and the item of the request's
// path that the visitor may change.
func (s *Server) editableEvidence(r *http.Request, v *visit) (*evidence.Service, *evidence.Item, error) {
	svc, err := s.needEvidenceService()
	if err != nil {
		return nil, nil, err
	}
	it, err := s.loadEvidenceItem(r.Context(), v, r.PathValue("ev"), true)
	return svc, it, err
}

// handleEvidenceEditPost changes an item's metadata: title, description,
// collector, controls, period, expiry and visibility (PATCH
// /api/v1/evidence/{ev}). A date left as shown keeps the stored instant.
func (s *Server) handleEvidenceEditPost(w http.ResponseWriter, r *http.Request, v *visit) {
	svc, it, err := s.editableEvidence(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := editForm(it)
	f.Title, f.Description = strings.TrimSpace(r.PostFormValue("title")), strings.TrimSpace(r.PostFormValue("description"))
	f.Collector, f.Controls = strings.TrimSpace(r.PostFormValue("collector")), r.PostFormValue("controls")
	f.PeriodFrom, f.PeriodTo, f.Expires = r.PostFormValue("periodFrom"), r.PostFormValue("periodTo"), r.PostFormValue("expires")
	f.Visibility = r.PostFormValue("visibility")
	out, err := svc.Store.UpdateItem(r.Context(), it.ID, func(x *evidence.Item) error {
		x.Title, x.Description, x.Collector = f.Title, f.Description, f.Collector
		x.Controls = append([]string{}, splitControls(f.Controls)...)
		x.Visibility = evidence.Visibility(f.Visibility)
		for _, d := range []struct {
			field, value string
			t            *time.Time
		}{{"periodFrom", f.PeriodFrom, &x.PeriodFrom}, {"periodTo", f.PeriodTo, &x.PeriodTo}, {"expires", f.Expires, &x.Expires}} {
			if strings.TrimSpace(d.value) == formDate(*d.t) {
				continue // unchanged: keep the stored time of day
			}
			t, err := parseFormDate(d.field, d.value)
			if err != nil {
				return err
			}
			*d.t = t
		}
		return nil
	})
	if err != nil {
		status, msg := clientError(err)
		if status == 0 || status == http.StatusNotFound || status == http.StatusForbidden {
			s.fail(w, r, v, err)
			return
		}
		s.renderEvidenceEdit(w, r, v, status, it, f, "Not saved: "+msg)
		return
	}
	s.logger.Info("web: evidence updated", "evidence", out.ID, "provider", out.Provider, "user", v.User.ID)
	s.redirect(w, r, "/console/evidence?updated="+out.ID)
}

// handleEvidenceDeletePost deletes an item (DELETE /api/v1/evidence/{ev})
// once the form's confirmation box is ticked; without it the edit page
// comes back asking for it.
func (s *Server) handleEvidenceDeletePost(w http.ResponseWriter, r *http.Request, v *visit) {
	svc, it, err := s.editableEvidence(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.renderEvidenceEdit(w, r, v, http.StatusBadRequest, it, editForm(it), "Not deleted: tick the box to confirm that "+it.Title+" should be deleted.")
		return
	}
	if _, err := svc.Delete(r.Context(), it.ID); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.logger.Info("web: evidence deleted", "evidence", it.ID, "provider", it.Provider, "user", v.User.ID)
	s.redirect(w, r, "/console/evidence?deleted="+it.ID)
}
