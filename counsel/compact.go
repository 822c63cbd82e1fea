package counsel

import (
	"context"

	"lotse/api/client"
)

// runCompact asks the server to purge expired mailboxes and compact its
// data file now, so that deleted ciphertext is physically gone from it
// (admins only).
func (c *cmd) runCompact(ctx context.Context, args []string) error {
	if _, err := c.parse(args); err != nil {
		return err
	}
	s, err := c.unlock(ctx, false)
	if err != nil {
		return err
	}
	defer s.Wipe()
	var rep *client.Compaction
	err = s.retry(ctx, func(api *client.Client) error {
		var err error
		rep, err = api.CompactReport(ctx)
		return err
	})
	if err != nil {
		return apiError("compact", err)
	}
	if *c.jsonOut {
		return c.printJSON(rep)
	}
	c.printf("Compacted the server's data file: %d → %d bytes, %d expired mailboxes purged, %d ms.\n",
		rep.BytesBefore, rep.BytesAfter, rep.Purged, rep.DurationMS)
	return nil
}
