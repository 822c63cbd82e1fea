package mailbox

import "strings"

// NodeInfo names one node of Schema for reports.
type NodeInfo struct {
	Pattern string // e.g. "messages/{mailbox id}/{seq}"
	Kind    Kind
	Doc     string
}

// Nodes lists every node of Schema, parents before children, so a report
// can show each kind of entry the allow-list has, found or not.
func Nodes() []NodeInfo {
	var out []NodeInfo
	var walk func(prefix string, nodes []Node)
	walk = func(prefix string, nodes []Node) {
		for _, n := range nodes {
			p := prefix + keyPattern(n.Key)
			out = append(out, NodeInfo{Pattern: p, Kind: n.Kind, Doc: n.Doc})
			walk(p+"/", n.Children)
		}
	}
	walk("", Schema)
	return out
}

// Pattern names the node of Schema that an allowed entry matches: a fixed
// key as it is, any other key by its format in braces. An entry that
// Schema does not allow gets "".
func Pattern(path []string, key []byte, bucket bool) string {
	nodes := Schema
	var parts []string
	for _, name := range path {
		n, ok := lookup(nodes, []byte(name), true)
		if !ok || n.Kind != KindBucket {
			return ""
		}
		parts = append(parts, keyPattern(n.Key))
		nodes = n.Children
	}
	n, ok := lookup(nodes, key, bucket)
	if !ok || (n.Kind == KindBucket) != bucket {
		return ""
	}
	return strings.Join(append(parts, keyPattern(n.Key)), "/")
}

// keyPattern is "{mailbox id}" for the format "mailbox id (32 lower-hex)".
func keyPattern(f KeyFormat) string {
	if f.Fixed != "" {
		return f.Fixed
	}
	name, _, _ := strings.Cut(f.Doc, " (")
	return "{" + name + "}"
}
