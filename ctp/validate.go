package ctp

// Validation of client-supplied resources lives here so that every entry
// point (HTTP, CLI, demo loader) refuses the same things with the same words.

import (
	"encoding/json"
	"fmt"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Limits on client-supplied strings.
const (
	MaxNameLength       = 1024
	MaxAnnotationLength = 16 * 1024
	MaxConditionLength  = 4 * 1024
	MaxTags             = 256
	MaxTagLength        = 256
)

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

// ValidateText checks the length of a name or annotation field.
func ValidateText(field, s string, max int) error {
	if len(s) > max {
		return invalidf("%s: longer than %d bytes", field, max)
	}
	return nil
}

// ValidateTags checks a list of access tags or trigger tags.
func ValidateTags(field string, tags []string) error {
	if len(tags) > MaxTags {
		return invalidf("%s: more than %d tags", field, MaxTags)
	}
	for i, t := range tags {
		if t == "" {
			return invalidf("%s[%d]: empty tag", field, i)
		}
		if len(t) > MaxTagLength {
			return invalidf("%s[%d]: longer than %d bytes", field, i, MaxTagLength)
		}
	}
	return nil
}

// ValidateResultValue checks that value is a JSON array of objects and, when
// format is non-empty, that every row has exactly the typed columns the
// metric's resultFormat describes (§4.4). Errors name the row and column.
func ValidateResultValue(value json.RawMessage, format []Column) error {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(value, &rows); err != nil {
		return invalidf("result.value: must be an array of objects")
	}
	for i, row := range rows {
		if row == nil {
			return invalidf("result.value[%d]: must be an object", i)
		}
		if len(format) == 0 {
			continue
		}
		for _, col := range format {
			raw, ok := row[col.Name]
			if !ok {
				return invalidf("result.value[%d].%s: missing column", i, col.Name)
			}
			if err := checkType(raw, col.Type); err != nil {
				return invalidf("result.value[%d].%s: %v", i, col.Name, err)
			}
		}
		if len(row) > len(format) {
			for k := range row {
				if !hasColumn(format, k) {
					return invalidf("result.value[%d].%s: not a column of the metric's resultFormat", i, k)
				}
			}
		}
	}
	return nil
}

func hasColumn(format []Column, name string) bool {
	for _, c := range format {
		if c.Name == name {
			return true
		}
	}
	return false
}

func checkType(raw json.RawMessage, typ string) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	ok := false
	switch typ {
	case "number":
		_, ok = v.(float64)
	case "string":
		_, ok = v.(string)
	case "boolean":
		_, ok = v.(bool)
	default:
		return nil // unknown column types are not checked
	}
	if !ok {
		return fmt.Errorf("must be a %s", typ)
	}
	return nil
}

// ValidateColumnType checks a resultFormat or parameter type name.
func ValidateColumnType(field, typ string) error {
	switch typ {
	case "number", "string", "boolean":
		return nil
	}
	return invalidf("%s: type must be \"number\", \"string\" or \"boolean\", not %q", field, typ)
}
