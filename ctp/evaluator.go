package ctp

// Evaluator checks CTPScript conditions (§5.4) against measurement results.
// monitor.Conditions implements it with the ctpscript package; tests may use
// a fake.
type Evaluator interface {
	// Validate parses and compiles condition, returning an EINVALID
	// *cloudtrust.Error whose message gives the byte offset and what was
	// expected when it is not a valid CTPScript expression.
	Validate(condition string) error
	// Evaluate evaluates condition against r (r may be nil: no result yet).
	// It returns StatusTrue or StatusFalse, or StatusError with a
	// human-readable message when evaluation fails (§5.4.9).
	Evaluate(condition string, r *Result) (Status, string)
}
