package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"lotse/internal/bounded"
)

// maxCentresResponse bounds the referral directory a server may send; it
// equals content.MaxCentresJSON, the largest directory mailboxd accepts.
const maxCentresResponse = 4 << 20

// CentresPath is where mailboxd publishes its referral directory.
const CentresPath = "/info/centres.json"

// Centres fetches the server's referral directory (GET /info/centres.json):
// the operator's validated list of counselling centres, public
// information, in the form of centres.json. It returns the raw JSON after
// checking the status, the media type, the size (at most 4 MiB) and that
// it is one well-formed JSON value; content.ParseCentres then checks it
// entry by entry. No credential is sent.
func (c *Client) Centres(ctx context.Context) ([]byte, error) {
	const route = "GET " + CentresPath
	u := *c.base
	u.Path = c.base.Path + CentresPath
	u.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("client: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", route, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return nil, fmt.Errorf("client: %s: the server sent %q, not JSON", route, mt)
	}
	b, err := bounded.ReadAll(resp.Body, maxCentresResponse)
	if errors.As(err, new(*bounded.TooLargeError)) {
		return nil, fmt.Errorf("client: %s: the directory is larger than %d bytes", route, maxCentresResponse)
	}
	if err != nil {
		return nil, fmt.Errorf("client: %s: read response: %w", route, err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("client: %s: the response is not valid JSON", route)
	}
	return b, nil
}
