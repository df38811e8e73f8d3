package oscal

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// OSCAL XML is read by turning it into the equivalent OSCAL JSON, following
// the metaschema's JSON binding (repeated elements become plural arrays,
// attributes become fields, markup becomes Markdown), and parsing that with
// ParseJSON, so both syntaxes share one set of checks.

// xnode is one element of the XML tree.
type xnode struct {
	name  string
	attrs []xml.Attr
	kids  []*xnode
	text  string // character data, for leaf elements and markup runs
	line  int
	// mixed holds the element's content in order (text and children) for
	// markup conversion.
	mixed []any // string | *xnode
}

const maxXMLDepth = 64

func parseXML(data []byte, opt Options) (*Document, error) {
	root, err := readXML(data)
	if err != nil {
		return nil, err
	}
	switch root.name {
	case ModelCatalog, ModelProfile:
	default:
		if _, ok := required[root.name]; ok {
			return nil, invalidf("XML %s documents are not supported yet; convert to JSON", root.name)
		}
		return nil, invalidf("XML root element <%s> (line %d) is not an OSCAL catalog or profile", root.name, root.line)
	}
	obj := toJSON(root)
	b, err := json.Marshal(map[string]any{root.name: obj})
	if err != nil {
		return nil, invalidf("XML: %v", err)
	}
	return ParseJSON(b, opt)
}

func readXML(data []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xnode
	var root *xnode
	line := func() int {
		off := dec.InputOffset()
		l, _ := position(data, off)
		return l
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				if strings.Contains(se.Msg, "unexpected EOF") {
					return nil, invalidf("truncated XML at line %d", se.Line)
				}
				return nil, invalidf("XML syntax error at line %d: %s", se.Line, se.Msg)
			}
			return nil, invalidf("XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, invalidf("XML nested deeper than %d elements at line %d", maxXMLDepth, line())
			}
			n := &xnode{name: t.Name.Local, attrs: t.Attr, line: line()}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
				p.mixed = append(p.mixed, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.text += string(t)
				p.mixed = append(p.mixed, string(t))
			}
		}
	}
	if len(stack) != 0 {
		return nil, invalidf("truncated XML: <%s> is not closed", stack[len(stack)-1].name)
	}
	if root == nil {
		return nil, invalidf("XML: no root element")
	}
	return root, nil
}

// plural maps repeated elements to their JSON array names.
var plural = map[string]string{
	"prop": "props", "link": "links", "part": "parts", "param": "params", "control": "controls", "group": "groups",
	"role": "roles", "party": "parties", "responsible-party": "responsible-parties", "location": "locations",
	"resource": "resources", "rlink": "rlinks", "choice": "choice", "value": "values", "guideline": "guidelines",
	"constraint": "constraints", "test": "tests", "address": "addresses", "addr-line": "addr-lines",
	"email-address": "email-addresses", "telephone-number": "telephone-numbers", "party-uuid": "party-uuids",
	"document-id": "document-ids", "revision": "revisions", "import": "imports", "with-id": "with-ids",
	"matching": "matching", "include-controls": "include-controls", "exclude-controls": "exclude-controls",
	"set-parameter": "set-parameters", "alter": "alters", "remove": "removes", "add": "adds", "hash": "hashes",
	"member-of-organization": "member-of-organizations", "external-id": "external-ids", "url": "urls",
	"location-uuid": "location-uuids", "action": "actions", "insert-controls": "insert-controls",
}

// markupLine elements hold inline markup; markupMulti hold block markup.
var (
	markupLine  = map[string]bool{"title": true, "choice": true, "text": true, "label": false}
	markupMulti = map[string]bool{"remarks": true, "description": true, "usage": true, "prose": true, "guideline": true}
	blockTags   = map[string]bool{"p": true, "ol": true, "ul": true, "table": true, "pre": true, "blockquote": true,
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true}
	emptyObject = map[string]bool{"include-all": true, "flat": true}
	booleans    = map[string]bool{"as-is": true}
)

// toJSON converts an element to its JSON value.
func toJSON(n *xnode) any {
	switch {
	case emptyObject[n.name]:
		return map[string]any{}
	case booleans[n.name]:
		return strings.TrimSpace(n.text) == "true"
	case markupLine[n.name]:
		return strings.TrimSpace(inline(n.mixed))
	case markupMulti[n.name] && n.name != "guideline":
		return blocks(n.mixed)
	case n.name == "guideline":
		return map[string]any{"prose": blocks(n.mixed)}
	}
	if len(n.attrs) == 0 && len(n.kids) == 0 {
		return strings.TrimSpace(n.text)
	}
	obj := map[string]any{}
	for _, a := range n.attrs {
		if a.Name.Space == "" || a.Name.Space == "http://csrc.nist.gov/ns/oscal/1.0" {
			obj[a.Name.Local] = a.Value
		}
	}
	var prose []any
	for _, k := range n.kids {
		if blockTags[k.name] {
			prose = append(prose, k)
			continue
		}
		if k.name == "value" && n.name == "prop" {
			continue
		}
		v := toJSON(k)
		if p, ok := plural[k.name]; ok {
			arr, _ := obj[p].([]any)
			obj[p] = append(arr, v)
		} else {
			obj[k.name] = v
		}
	}
	if len(prose) > 0 {
		obj["prose"] = blocks(prose)
	}
	if len(n.kids) == 0 && strings.TrimSpace(n.text) != "" && len(obj) > 0 {
		// e.g. <value>…</value> with attributes: keep the text as "value".
		if _, ok := obj["value"]; !ok {
			obj["value"] = strings.TrimSpace(n.text)
		}
	}
	return obj
}

// blocks renders block markup as Markdown paragraphs separated by blank
// lines.
func blocks(content []any) string {
	var out []string
	var loose strings.Builder
	flush := func() {
		if s := strings.TrimSpace(loose.String()); s != "" {
			out = append(out, s)
		}
		loose.Reset()
	}
	for _, c := range content {
		switch v := c.(type) {
		case string:
			loose.WriteString(v)
		case *xnode:
			if !blockTags[v.name] {
				loose.WriteString(inline([]any{v}))
				continue
			}
			flush()
			out = append(out, block(v))
		}
	}
	flush()
	return strings.Join(out, "\n\n")
}

func block(n *xnode) string {
	switch n.name {
	case "p":
		return strings.TrimSpace(inline(n.mixed))
	case "h1", "h2", "h3", "h4", "h5", "h6":
		return strings.Repeat("#", int(n.name[1]-'0')) + " " + strings.TrimSpace(inline(n.mixed))
	case "ol", "ul":
		var items []string
		for _, li := range n.kids {
			if li.name != "li" {
				continue
			}
			mark := "- "
			if n.name == "ol" {
				mark = "1. "
			}
			items = append(items, mark+strings.TrimSpace(inline(li.mixed)))
		}
		return strings.Join(items, "\n")
	case "pre":
		return "```\n" + n.text + "\n```"
	case "blockquote":
		return "> " + strings.TrimSpace(blocks(n.mixed))
	case "table":
		var rows []string
		for i, tr := range n.kids {
			var cells []string
			for _, td := range tr.kids {
				cells = append(cells, strings.TrimSpace(inline(td.mixed)))
			}
			rows = append(rows, "| "+strings.Join(cells, " | ")+" |")
			if i == 0 {
				rows = append(rows, "|"+strings.Repeat(" --- |", len(cells)))
			}
		}
		return strings.Join(rows, "\n")
	}
	return strings.TrimSpace(inline(n.mixed))
}

// inline renders inline markup as Markdown, collapsing whitespace runs.
func inline(content []any) string {
	var b strings.Builder
	for _, c := range content {
		switch v := c.(type) {
		case string:
			b.WriteString(v)
		case *xnode:
			inner := inline(v.mixed)
			switch v.name {
			case "em", "i":
				b.WriteString("*" + inner + "*")
			case "strong", "b":
				b.WriteString("**" + inner + "**")
			case "code":
				b.WriteString("`" + inner + "`")
			case "q":
				b.WriteString(`"` + inner + `"`)
			case "sub":
				b.WriteString("~" + inner + "~")
			case "sup":
				b.WriteString("^" + inner + "^")
			case "a":
				b.WriteString("[" + inner + "](" + attr(v, "href") + ")")
			case "img":
				b.WriteString("![" + attr(v, "alt") + "](" + attr(v, "src") + ")")
			case "insert":
				b.WriteString(fmt.Sprintf("{{ insert: %s, %s }}", attr(v, "type"), attr(v, "id-ref")))
			default:
				b.WriteString(inner)
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ") + trailingSpace(b.String())
}

// trailingSpace keeps one space after a run that ended in whitespace, so
// that "after <insert/> of" keeps its spaces when runs are joined.
func trailingSpace(s string) string {
	if s != "" && strings.TrimRight(s, " \t\r\n") != s && strings.TrimSpace(s) != "" {
		return " "
	}
	return ""
}

func attr(n *xnode, name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
