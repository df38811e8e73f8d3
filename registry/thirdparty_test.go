package registry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/registry"
)

// l1Store answers EntryBySubmission with one Level 1 entry (or ENOTFOUND);
// ThirdPartyEntry needs nothing else of a Store.
type l1Store struct {
	registry.Store
	l1 *registry.Entry
}

func (s l1Store) EntryBySubmission(_ context.Context, level registry.Level, sub string) (*registry.Entry, error) {
	if s.l1 == nil || level != registry.LevelSelfAssessment || s.l1.Submission != sub {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no entry")
	}
	return s.l1, nil
}

func TestThirdPartyEntry(t *testing.T) {
	a := attestation()
	sa, err := registry.Sign(a, ecKey(t))
	if err != nil {
		t.Fatal(err)
	}
	l1 := func(mod func(e *registry.Entry)) *registry.Entry {
		e := &registry.Entry{ID: "l1", Provider: "prov-1", ProviderName: "Prov One", Service: "svc-1", ServiceName: "Storage",
			Level: registry.LevelSelfAssessment, Submission: "sub-1", Questionnaire: "caiq", Status: registry.StatusCurrent}
		if mod != nil {
			mod(e)
		}
		return e
	}
	for _, c := range []struct {
		name string
		l1   *registry.Entry
		code string
		msg  string
	}{
		{"a submission without Level 1 entry is a conflict", nil, cloudtrust.ECONFLICT, "prerequisite"},
		{"a Level 1 entry of another provider does not fit", l1(func(e *registry.Entry) { e.Provider = "prov-2" }), cloudtrust.EINVALID, "belongs to prov-2/svc-1"},
		{"a Level 1 entry of another service does not fit", l1(func(e *registry.Entry) { e.Service = "svc-2" }), cloudtrust.EINVALID, "belongs to prov-1/svc-2"},
		{"a revoked Level 1 entry is a conflict", l1(func(e *registry.Entry) { e.Status = registry.StatusRevoked }), cloudtrust.ECONFLICT, "revoked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := registry.ThirdPartyEntry(context.Background(), l1Store{l1: c.l1}, a, sa.JWS)
			if cloudtrust.ErrorCode(err) != c.code || !strings.Contains(cloudtrust.ErrorMessage(err), c.msg) {
				t.Fatalf("err = %v, want %s containing %q", err, c.code, c.msg)
			}
		})
	}
	t.Run("a fitting attestation gives a Level 2 entry with the Level 1 names and the key's kid", func(t *testing.T) {
		e, err := registry.ThirdPartyEntry(context.Background(), l1Store{l1: l1(nil)}, a, " "+sa.JWS+"\n")
		if err != nil {
			t.Fatal(err)
		}
		at := e.Attestation
		if e.Level != registry.LevelThirdParty || e.Submission != "sub-1" || e.ProviderName != "Prov One" || e.ServiceName != "Storage" ||
			e.Questionnaire != "caiq" || at == nil || at.JWS != sa.JWS || at.KeyID != sa.KeyID || at.Algorithm != sa.Algorithm || at.KeyID == "" {
			t.Fatalf("entry = %+v, attestation = %+v", e, at)
		}
	})
}
