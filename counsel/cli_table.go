package counsel

import (
	"fmt"
	"text/tabwriter"
)

// table starts a listing on stdout under its translated header row, in
// the one column layout every listing of the CLI shares; the caller writes
// the rows and flushes.
func (c *cmd) table(header msg) *tabwriter.Writer {
	tw := tabwriter.NewWriter(c.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.tr(header))
	return tw
}
