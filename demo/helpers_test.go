package demo_test

import (
	"crypto/sha256"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ctpscript"
)

func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// evaluator is the CTPScript evaluator the server uses.
func evaluator() ctp.Evaluator { return scriptEvaluator{} }

type scriptEvaluator struct{}

func (scriptEvaluator) Validate(condition string) error {
	if _, err := ctpscript.CompileString(condition); err != nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "condition: %v", err)
	}
	return nil
}

func (scriptEvaluator) Evaluate(condition string, r *ctp.Result) (ctp.Status, string) {
	p, err := ctpscript.CompileString(condition)
	if err != nil {
		return ctp.StatusError, err.Error()
	}
	var env *ctpscript.Env
	if r != nil {
		if env, err = ctpscript.Bind(r.Value, r.UpdateTime, r.AuthorityID, r.Signature); err != nil {
			return ctp.StatusError, err.Error()
		}
	}
	ok, err := p.EvalBool(env)
	if err != nil {
		return ctp.StatusError, err.Error()
	}
	if ok {
		return ctp.StatusTrue, ""
	}
	return ctp.StatusFalse, ""
}
