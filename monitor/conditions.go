package monitor

import (
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ctpscript"
)

// DefaultCacheSize is how many compiled conditions a Conditions keeps when
// CacheSize is zero.
const DefaultCacheSize = 4096

// Conditions implements ctp.Evaluator with the ctpscript package (§5.4).
// Compiled programs are cached by source text, so an objective or trigger
// is parsed once however many results it sees. The zero value is ready to
// use and safe for concurrent use.
type Conditions struct {
	// Limits bound each condition (zero fields mean ctpscript defaults).
	Limits ctpscript.Limits
	// Now is the clock behind timeUTC("now"); nil means time.Now.
	Now func() time.Time
	// CacheSize bounds the number of cached programs (0: DefaultCacheSize).
	CacheSize int

	mu    sync.Mutex
	cache map[string]compiled
}

type compiled struct {
	prog *ctpscript.Program
	err  error
}

var _ ctp.Evaluator = (*Conditions)(nil)

// compile returns the cached program for condition, compiling it on first
// use. Compile errors are cached too, so a broken trigger costs one parse.
func (c *Conditions) compile(condition string) (*ctpscript.Program, error) {
	c.mu.Lock()
	e, ok := c.cache[condition]
	c.mu.Unlock()
	if ok {
		return e.prog, e.err
	}
	var p *ctpscript.Program
	expr, err := ctpscript.ParseLimits(condition, c.Limits)
	if err == nil {
		p, err = ctpscript.CompileLimits(expr, c.Limits)
	}
	size := c.CacheSize
	if size <= 0 {
		size = DefaultCacheSize
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = make(map[string]compiled)
	}
	if len(c.cache) >= size {
		for k := range c.cache { // evict an arbitrary entry
			delete(c.cache, k)
			break
		}
	}
	c.cache[condition] = compiled{prog: p, err: err}
	c.mu.Unlock()
	return p, err
}

// Validate parses and compiles condition. An invalid condition gives an
// EINVALID error such as `condition: at byte 13: expected ")", found end
// of expression`.
func (c *Conditions) Validate(condition string) error {
	if _, err := c.compile(condition); err != nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "condition: %v", err)
	}
	return nil
}

// Evaluate evaluates condition against r (§5.4.9). A nil r binds the four
// identifiers to null, so a condition that reads value[0] evaluates to
// "error" rather than silently to "false"; callers that want "no result
// yet" to mean false decide so before calling.
func (c *Conditions) Evaluate(condition string, r *ctp.Result) (ctp.Status, string) {
	env, err := c.BindResult(r)
	if err != nil {
		return ctp.StatusError, err.Error()
	}
	return c.EvaluateBound(condition, env)
}

// BindResult decodes r once for evaluation by several conditions (the
// objective and every trigger of a measurement) with EvaluateBound.
func (c *Conditions) BindResult(r *ctp.Result) (*ctpscript.Env, error) {
	var env *ctpscript.Env
	if r == nil {
		env = ctpscript.BindValue(ctpscript.Null(), time.Time{}, nil, nil)
	} else {
		var err error
		env, err = ctpscript.Bind(r.Value, r.UpdateTime, r.AuthorityID, r.Signature)
		if err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result: %v", err)
		}
	}
	if c.Now != nil {
		env = env.WithNow(c.Now)
	}
	return env, nil
}

// EvaluateBound evaluates condition against a result bound by BindResult.
// Compile and runtime errors give StatusError with the error's message.
func (c *Conditions) EvaluateBound(condition string, env *ctpscript.Env) (ctp.Status, string) {
	p, err := c.compile(condition)
	if err != nil {
		return ctp.StatusError, "condition: " + err.Error()
	}
	v, err := p.Eval(env)
	if err != nil {
		return ctp.StatusError, "condition: " + err.Error()
	}
	if ctpscript.Truthy(v) {
		return ctp.StatusTrue, ""
	}
	return ctp.StatusFalse, ""
}
