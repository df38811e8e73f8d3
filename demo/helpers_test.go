package demo_test

import (
	"crypto/sha256"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
)

func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// evaluator is the CTPScript evaluator the server uses.
func evaluator() ctp.Evaluator { return &monitor.Conditions{} }
