package ctpscript

// Limits bound the resources one expression may use, so that expressions
// written by customers cannot exhaust the server (issue 3, item 5). A zero
// field means "use the default".
type Limits struct {
	// MaxSource is the longest accepted source, in bytes.
	MaxSource int
	// MaxDepth is the deepest accepted nesting of the syntax tree.
	MaxDepth int
	// MaxNodes is the largest accepted number of syntax-tree nodes.
	MaxNodes int
	// MaxSteps bounds the work of one evaluation, counted in elements
	// visited by builtins (select, min, max, matchRegexp, toString) and
	// characters of regular expressions matched.
	MaxSteps int
	// MaxString is the longest string an evaluation may produce, in bytes.
	MaxString int
	// MaxArray is the longest array an evaluation may produce.
	MaxArray int
	// MaxMemory bounds the bytes of strings and arrays one evaluation may
	// produce in total.
	MaxMemory int
}

// DefaultLimits are the limits used when a field of Limits is zero.
var DefaultLimits = Limits{
	MaxSource: 4 << 10,
	MaxDepth:  200,
	MaxNodes:  2000,
	MaxSteps:  1_000_000,
	MaxString: 64 << 10,
	MaxArray:  100_000,
	MaxMemory: 16 << 20,
}

// withDefaults returns l with every zero field replaced by its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxSource <= 0 {
		l.MaxSource = d.MaxSource
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = d.MaxSteps
	}
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	if l.MaxArray <= 0 {
		l.MaxArray = d.MaxArray
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}
