package snapshot

import (
	"strings"

	"lotse/mailbox"
)

// NodeInfo names one node of mailbox.Schema for reports.
type NodeInfo struct {
	Pattern string // e.g. "messages/{mailbox id}/{seq}"
	Kind    mailbox.Kind
	Doc     string
}

// Nodes lists every node of mailbox.Schema, parents before children, so a
// report can show each kind of entry the allow-list has, found or not.
func Nodes() []NodeInfo {
	var out []NodeInfo
	var walk func(prefix string, nodes []mailbox.Node)
	walk = func(prefix string, nodes []mailbox.Node) {
		for _, n := range nodes {
			p := prefix + keyPattern(n.Key)
			out = append(out, NodeInfo{Pattern: p, Kind: n.Kind, Doc: n.Doc})
			walk(p+"/", n.Children)
		}
	}
	walk("", mailbox.Schema)
	return out
}

// Pattern names the node of mailbox.Schema that an allowed entry matches:
// a fixed key as it is, any other key by its format in braces. An entry
// that Schema does not allow gets "".
func Pattern(path []string, key []byte, bucket bool) string {
	nodes, ok := mailbox.Resolve(path, key, bucket)
	if !ok {
		return ""
	}
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = keyPattern(n.Key)
	}
	return strings.Join(parts, "/")
}

// keyPattern is "{mailbox id}" for the format "mailbox id (32 lower-hex)".
func keyPattern(f mailbox.KeyFormat) string {
	if f.Fixed != "" {
		return f.Fixed
	}
	name, _, _ := strings.Cut(f.Doc, " (")
	return "{" + name + "}"
}
