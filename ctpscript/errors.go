package ctpscript

import (
	"fmt"
	"sort"
	"strings"
)

// Error is a positioned CTPScript error: a syntax error found by the scanner
// or parser, a compile error, or a runtime error raised during evaluation.
// Offset is the byte offset in the source of the construct at fault.
type Error struct {
	Offset int
	Msg    string
}

// Error formats the error as "at byte N: message".
func (e *Error) Error() string {
	return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg)
}

// ErrorList is a list of errors sorted by offset, like go/scanner.ErrorList.
type ErrorList []*Error

// Add appends an error at offset.
func (l *ErrorList) Add(offset int, msg string) {
	*l = append(*l, &Error{Offset: offset, Msg: msg})
}

// Len, Less and Swap implement sort.Interface.
func (l ErrorList) Len() int           { return len(l) }
func (l ErrorList) Less(i, j int) bool { return l[i].Offset < l[j].Offset }
func (l ErrorList) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }

// Sort sorts the list by offset, keeping the order of errors at one offset.
func (l ErrorList) Sort() { sort.Stable(l) }

// Error returns the first error, followed by a count of the others.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	b.WriteString(l[0].Error())
	fmt.Fprintf(&b, " (and %d more errors)", len(l)-1)
	return b.String()
}

// Err returns nil when the list is empty and the list itself otherwise.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
