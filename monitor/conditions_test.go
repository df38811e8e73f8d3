package monitor

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

func conditionsResult() *ctp.Result {
	auth := "ca-1"
	return &ctp.Result{
		Value:       json.RawMessage(`[{"percentage": 99.7, "region": "EU"}, {"percentage": 98.1, "region": "UK"}]`),
		UpdateTime:  time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		AuthorityID: &auth,
	}
}

func TestConditionsValidate(t *testing.T) {
	var c Conditions
	tests := []struct {
		name, cond, msg string
	}{
		{"valid condition is accepted", `value[0].percentage >= 99.5 && value[0].region == "EU"`, ""},
		{"missing parenthesis is EINVALID with its offset", `(value[0].x > 1`, `condition: at byte 15: expected ")", found end of expression`},
		{"unknown identifier is EINVALID", `result[0].x > 1`, `condition: at byte 0: unknown identifier "result"`},
		{"unknown function is EINVALID", `max(value)`, `unknown function "max"`},
		{"invalid constant regexp is EINVALID", `matchRegexp("(", value[0].region)`, "missing closing )"},
		{"over-long condition is EINVALID", strings.Repeat("1+", 3000) + "1", "expression too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Validate(tt.cond)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(cloudtrust.ErrorMessage(err), tt.msg) {
				t.Fatalf("Validate = %v, want EINVALID %q", err, tt.msg)
			}
		})
	}
}

func TestConditionsEvaluate(t *testing.T) {
	c := &Conditions{Now: func() time.Time { return time.Date(2026, 11, 28, 10, 30, 0, 0, time.UTC) }}
	tests := []struct {
		name   string
		cond   string
		r      *ctp.Result
		status ctp.Status
		msg    string
	}{
		{"satisfied objective is true", `value[0].percentage >= 99.5 && value[0].region == "EU"`, conditionsResult(), ctp.StatusTrue, ""},
		{"unsatisfied objective is false", `value[1].percentage >= 99.5`, conditionsResult(), ctp.StatusFalse, ""},
		{"value of a non-boolean is converted by toBoolean", `value[0].region`, conditionsResult(), ctp.StatusTrue, ""},
		{"timeUTC uses the configured clock", `timeUTC("now") - timeUTC(updateTime) < 3600`, conditionsResult(), ctp.StatusTrue, ""},
		{"authorityId is bound", `authorityId == "ca-1" && signature == null`, conditionsResult(), ctp.StatusTrue, ""},
		{"field of null is an error", `value[5].percentage > 1`, conditionsResult(), ctp.StatusError, `condition: at byte 9: cannot read field "percentage" of null`},
		{"syntax error is an error", `value[0].percentage >`, conditionsResult(), ctp.StatusError, "condition: at byte 21: expected expression"},
		{"bad select argument is an error", `select(value, "x")`, conditionsResult(), ctp.StatusError, "select: arguments are (key, array)"},
		{"nil result binds null so reading value is an error", `value[0].percentage > 1`, nil, ctp.StatusError, "cannot read field 0 of null"},
		{"nil result with a null-safe condition is evaluated", `value == null`, nil, ctp.StatusTrue, ""},
		{"malformed result JSON is an error", `true`, &ctp.Result{Value: json.RawMessage(`[{`)}, ctp.StatusError, "result: ctpscript: decoding result value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, msg := c.Evaluate(tt.cond, tt.r)
			if st != tt.status || !strings.Contains(msg, tt.msg) || (tt.msg == "" && msg != "") {
				t.Fatalf("Evaluate = %s %q, want %s %q", st, msg, tt.status, tt.msg)
			}
		})
	}
}

func TestConditionsBindOnceEvaluateMany(t *testing.T) {
	var c Conditions
	env, err := c.BindResult(conditionsResult())
	if err != nil {
		t.Fatal(err)
	}
	conds := map[string]ctp.Status{
		`value[0].region == "EU"`:                          ctp.StatusTrue,
		`select("percentage", value).min() > 99`:           ctp.StatusFalse,
		`matchRegex("^(EU|UK)$", select("region", value))`: ctp.StatusTrue,
	}
	for cond, want := range conds {
		if st, msg := c.EvaluateBound(cond, env); st != want {
			t.Errorf("EvaluateBound(%s) = %s %s, want %s", cond, st, msg, want)
		}
	}
}

func TestConditionsCacheIsBoundedAndConcurrent(t *testing.T) {
	c := &Conditions{CacheSize: 8}
	r := conditionsResult()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				cond := fmt.Sprintf("value[0].percentage > %d", i)
				want := ctp.StatusFalse
				if i < 99 {
					want = ctp.StatusTrue
				}
				if st, msg := c.Evaluate(cond, r); st != want {
					t.Errorf("Evaluate(%s) = %s %s", cond, st, msg)
				}
			}
		}()
	}
	wg.Wait()
	c.mu.Lock()
	n := len(c.cache)
	c.mu.Unlock()
	if n > 8 {
		t.Errorf("cache holds %d programs, want at most 8", n)
	}
}
