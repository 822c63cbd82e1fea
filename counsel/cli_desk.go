package counsel

import (
	"bufio"
	"context"
	"fmt"
)

// deskAddresses prints the desk's one-time address (and opens it, unless
// noBrowser), then a fresh one for each line typed on standard input:
// each address opens one page (desk_session.go).
func (c *cmd) deskAddresses(ctx context.Context, d *Desk, url string, noBrowser bool) {
	show := func(url string) {
		c.printf(mOutOpenDesk, url)
		if !noBrowser && openBrowser(url) {
			fmt.Fprintln(c.io.Stderr, c.tr(mOutDeskOpen))
		}
	}
	show(url)
	fmt.Fprintln(c.io.Stderr, c.tr(mOutDeskAnother))
	if c.io.Stdin == nil {
		return
	}
	lines := bufio.NewScanner(c.io.Stdin)
	go func() {
		for lines.Scan() && ctx.Err() == nil {
			show(d.OpenURL())
		}
	}()
}
