//go:build !hdoc

package counsel

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func testOffer(t *testing.T, ctx context.Context, s *Session, th *Thread, b OrgView) {}

func testDeskOffer(t *testing.T, ctx, bctx context.Context, d *Desk, base, id string, enq *enquirer) {
	if err := within(bctx, 10*time.Second, chromedp.Click(chromedp.CSS("#transfer-cancel"))); err != nil {
		t.Fatal(err)
	}
}
