package client

import (
	"context"
	"net/http"

	"lotse/api/wire"
)

// Compact asks the server (admins only) to purge expired mailboxes and
// compact its data file now, so deleted data is physically gone from it.
// It returns once the compaction is done; the context bounds the wait.
func (c *Client) Compact(ctx context.Context) error {
	_, err := c.CompactReport(ctx)
	return err
}

// CompactReport is Compact, returning the server's report.
func (c *Client) CompactReport(ctx context.Context) (*Compaction, error) {
	var out Compaction
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/admin/compact", path: "/admin/compact", want: http.StatusOK, out: &out,
		check: func(route string) error {
			if out.Purged < 0 || out.BytesBefore < 0 || out.BytesAfter < 0 || out.DurationMS < 0 {
				return malformed(route, "report")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// PurgeCases deletes (admins only) the unanswered new cases created on a
// day in [from, to), both "YYYY-MM-DD"; with dryRun it only counts them.
// A case a counsellor answered or claimed is never deleted.
func (c *Client) PurgeCases(ctx context.Context, from, to string, dryRun bool) (*CasePurge, error) {
	var out CasePurge
	body := wire.CasePurgeRequest{From: from, To: to, DryRun: dryRun}
	err := c.do(ctx, request{method: http.MethodPost, route: "/api/v1/cases/purge", path: "/cases/purge", body: body, want: http.StatusOK, out: &out,
		check: func(route string) error {
			if out.Matched < 0 || out.Deleted < 0 || out.Deleted > out.Matched {
				return malformed(route, "report")
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
