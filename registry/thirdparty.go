package registry

import (
	"context"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// ThirdPartyEntry builds (without storing) the Level 2 entry of attestation
// a, already verified from jws (VerifyWithKeys). The submission must have a
// Level 1 entry in st (STAR: Level 1 is a prerequisite, ECONFLICT without
// one) for the same provider and service (EINVALID) that is not revoked
// (ECONFLICT). The API and the auditor console both call it, so the two
// ways of posting an attestation apply the same rules.
func ThirdPartyEntry(ctx context.Context, st Store, a *Attestation, jws string) (*Entry, error) {
	l1, err := st.EntryBySubmission(ctx, LevelSelfAssessment, a.Submission)
	if err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s has no self-assessment entry: Level 1 is a prerequisite of Level 2", a.Submission)
		}
		return nil, err
	}
	if l1.Provider != a.Provider || l1.Service != a.Service {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "attestation names %s/%s but submission %s belongs to %s/%s", a.Provider, a.Service, a.Submission, l1.Provider, l1.Service)
	}
	if l1.Status == StatusRevoked {
		return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "the self-assessment entry %s of submission %s is revoked", l1.ID, a.Submission)
	}
	signed := &SignedAttestation{Attestation: *a, JWS: strings.TrimSpace(jws)}
	if _, hdr, err := parseJWS(jws); err == nil {
		signed.KeyID, signed.Algorithm = hdr.KeyID, hdr.Algorithm
	}
	return &Entry{Provider: a.Provider, ProviderName: l1.ProviderName, Service: a.Service, ServiceName: l1.ServiceName,
		Level: LevelThirdParty, Submission: a.Submission, Questionnaire: l1.Questionnaire, Catalogs: a.Catalogs, Attestation: signed}, nil
}
