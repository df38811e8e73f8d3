package main

import (
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
)

// newEvaluator returns the CTPScript evaluator used for objectives and
// triggers: monitor.Conditions, which caches compiled conditions.
func newEvaluator() ctp.Evaluator { return &monitor.Conditions{} }
