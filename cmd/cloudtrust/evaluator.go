package main

import (
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
)

// newEvaluator returns the CTPScript evaluator for objectives and triggers;
// timeUTC("now") in conditions reads clock.
func newEvaluator(clock cloudtrust.Clock) ctp.Evaluator {
	return &monitor.Conditions{Now: clock.Now}
}
