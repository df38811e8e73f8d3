package registry

import (
	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// SelfAssessment returns the Level 1 entry of a submitted submission,
// posted when it was submitted; catalog is its questionnaire's catalog
// version ("" when unknown). Display names are left to the caller.
func SelfAssessment(sub *assess.Submission, catalog string) (*Entry, error) {
	if sub.Status != assess.StatusSubmitted {
		return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s is %s: only a submitted questionnaire is registered", sub.ID, sub.Status)
	}
	if sub.Provider == "" || sub.Service == "" {
		return nil, invalidf("submission %s names no provider or service: set them before registering", sub.ID)
	}
	e := &Entry{Provider: sub.Provider, Service: sub.Service, Level: LevelSelfAssessment, Submission: sub.ID,
		Questionnaire: sub.Questionnaire, PostedAt: sub.SubmittedAt}
	if catalog != "" {
		e.Catalogs = []string{catalog}
	}
	return e, nil
}
