//go:build !hdoc

package counsel

import (
	"context"
	"testing"
)

func testOffer(t *testing.T, ctx context.Context, s *Session, th *Thread, b OrgView) {}
