package counsel

import (
	"fmt"
	"strings"
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

// listOutput is what a listing command answers: {key: items} as JSON,
// and for people the table printTable writes.
func listOutput[T any](key string, items []T, none, header msg, cells func(c *cmd, x T) []string) *output {
	return &output{
		json: map[string]any{key: items},
		text: func(c *cmd) error { return printTable(c, items, none, header, cells) },
	}
}

// printTable lists items under header, one row of cells each, or says
// none where there are none. A list that always holds something (the
// roster holds its reader) passes a zero none and keeps its header.
// cells cleans what came from the server for the terminal.
func printTable[T any](c *cmd, items []T, none, header msg, cells func(c *cmd, x T) []string) error {
	if len(items) == 0 && none != (msg{}) {
		c.printf(none)
		return nil
	}
	tw := c.table(header)
	for _, x := range items {
		fmt.Fprintln(tw, strings.Join(cells(c, x), "\t"))
	}
	return tw.Flush()
}
