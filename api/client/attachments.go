package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
	"lotse/internal/bounded"
)

// The attachment calls of PROTOCOL.md §10. Bodies travel as the raw age
// ciphertext (application/octet-stream) both ways; the client never looks
// inside: crypto.OpenAttachment does, with the reference from a document.

// UploadMailboxAttachment uploads an enquirer's attachment ciphertext
// (crypto.SealAttachment) and returns the id to name in the message that
// references it (NewMessage.Attachments) within 30 minutes.
func (c *Client) UploadMailboxAttachment(ctx context.Context, ciphertext []byte) (string, error) {
	return c.uploadAttachment(ctx, "/api/v1/mailbox/attachments", "/mailbox/attachments", ciphertext)
}

// MailboxAttachment downloads one of the enquirer's mailbox's attachments.
func (c *Client) MailboxAttachment(ctx context.Context, id string) ([]byte, error) {
	return c.attachment(ctx, "/api/v1/mailbox/attachments/{id}", "/mailbox/attachments/"+url.PathEscape(id))
}

// UploadAttachment uploads a counsellor's attachment to case id and returns
// its attachment id, for the reply that references it.
func (c *Client) UploadAttachment(ctx context.Context, caseID string, ciphertext []byte) (string, error) {
	return c.uploadAttachment(ctx, "/api/v1/cases/{id}/attachments", casePath(caseID)+"/attachments", ciphertext)
}

// Attachment downloads attachment id of case caseID.
func (c *Client) Attachment(ctx context.Context, caseID, id string) ([]byte, error) {
	return c.attachment(ctx, "/api/v1/cases/{id}/attachments/{attachment}", casePath(caseID)+"/attachments/"+url.PathEscape(id))
}

func (c *Client) uploadAttachment(ctx context.Context, route, path string, ciphertext []byte) (string, error) {
	resp, err := c.putRaw(ctx, http.MethodPost, route, path, ciphertext, http.StatusCreated)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := bounded.ReadAll(resp.Body, maxErrorResponse)
	if err != nil {
		return "", fmt.Errorf("client: POST %s: read response: %w", route, err)
	}
	var out wire.UploadedAttachment
	if err := json.Unmarshal(b, &out); err != nil {
		return "", fmt.Errorf("client: POST %s: decode response: %v", route, err)
	}
	if _, err := domain.ParseAttachmentID(out.ID); err != nil {
		return "", malformed("POST "+route, "attachment id")
	}
	return out.ID, nil
}

// putRaw sends ciphertext as a raw body (application/octet-stream) and
// returns the response if its status is want; the caller closes its body.
func (c *Client) putRaw(ctx context.Context, method, route, path string, ciphertext []byte, want int) (*http.Response, error) {
	req, err := c.newRequest(ctx, method, path, nil, nil)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(ciphertext))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(ciphertext)), nil }
	req.ContentLength = int64(len(ciphertext))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, route, unwrapURLError(err))
	}
	if resp.StatusCode != want {
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	return resp, nil
}

func (c *Client) attachment(ctx context.Context, route, path string) ([]byte, error) {
	req, err := c.newRequest(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: GET %s: %w", route, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp)
	}
	// No attachment is longer than the largest bucket's ciphertext.
	b, err := bounded.ReadAll(resp.Body, int64(crypto.MaxAttachmentCiphertext))
	if err != nil {
		return nil, fmt.Errorf("client: GET %s: read response: %w", route, err)
	}
	return b, nil
}
