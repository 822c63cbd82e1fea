package api

import (
	"bytes"
	"mime"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/domain"
)

// Attachments (PROTOCOL.md §10): an upload's body is the age ciphertext
// itself, read like every body by readBody (admission.go) as a stream into
// memory taken from the body budget as the bytes arrive, against this
// route's larger limit; the announced length reserves nothing.

// maxAttachmentBody is the attachment routes' body limit: the largest
// attachment bucket's ciphertext (8 MiB + 7.2 KiB) rounded up as §10 says.
// The policy then wants one of the exact lengths.
const maxAttachmentBody = 8<<20 + 64<<10

// attachmentBody returns an upload's body after checking its size and
// media type (application/octet-stream, no Content-Encoding). It belongs
// to fasthttp and is valid only while the handler runs.
func attachmentBody(c *fiber.Ctx) ([]byte, error) {
	req := c.Request()
	// The request's own bytes: fiber's BodyRaw would copy 8 MiB (the app
	// is Immutable). The handler keeps them only while it runs.
	body := req.Body()
	if len(body) > maxAttachmentBody {
		return nil, errTooLarge
	}
	if enc := strings.TrimSpace(string(req.Header.Peek(fiber.HeaderContentEncoding))); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, errAttachmentMediaType
	}
	if mt, _, err := mime.ParseMediaType(string(req.Header.ContentType())); err != nil || mt != fiber.MIMEOctetStream {
		return nil, errAttachmentMediaType
	}
	if len(body) == 0 {
		return nil, badRequest("body: missing")
	}
	return body, nil
}

// attachmentID is the {attachment} of a download's path; a malformed one
// is not found, like an unknown one.
func attachmentID(c *fiber.Ctx, param string) (string, error) {
	id := c.Params(param)
	if _, err := domain.ParseAttachmentID(id); err != nil {
		return "", errNotFound
	}
	return id, nil
}

// sendAttachment answers a download: the ciphertext of the path's
// {attachment} of mailbox as it was uploaded, never cached, and never
// something a browser would show. Its bytes come from the body budget (admission.go) like an
// upload's, from before they are copied out of the store until fasthttp
// has written them, so that many downloads at once cannot outgrow the
// memory bound: beyond it they get 503 busy.
func (s *Server) sendAttachment(c *fiber.Ctx, mailbox string) error {
	id, err := attachmentID(c, "attachment")
	if err != nil {
		return err
	}
	var taken int64
	ct, err := s.store.Attachment(mailbox, id, func(n int) error {
		if !s.bodies.take(int64(n)) {
			return errBusy
		}
		taken = int64(n)
		return nil
	})
	if err != nil {
		return storeError(err, errNotFound)
	}
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="attachment.age"`)
	c.Context().SetBodyStream(&budgetedReader{
		r: bytes.NewReader(ct), release: func() { s.bodies.give(taken) },
		conn: c.Context().Conn(), timeout: s.cfg.WriteTimeout, end: time.Now().Add(maxUploadTime),
	}, len(ct))
	return nil
}

// budgetedReader gives its bytes back to the budget when fasthttp closes
// it, after writing the response or on dropping it. As fasthttp reads it
// to write, it moves the write deadline on, up to end: 8 MiB take longer
// than the write timeout (30 s) to a phone or over Tor, and a client that
// reads is not cut off, while one that stops reading still is.
//
// It has no WriteTo, so that fasthttp's copy goes through Read.
type budgetedReader struct {
	r       *bytes.Reader
	once    sync.Once
	release func()
	conn    net.Conn
	timeout time.Duration
	end     time.Time
}

func (r *budgetedReader) Read(p []byte) (int, error) {
	d := time.Now().Add(r.timeout)
	if d.After(r.end) {
		d = r.end
	}
	r.conn.SetWriteDeadline(d)
	return r.r.Read(p)
}

func (r *budgetedReader) Close() error {
	r.once.Do(r.release)
	return nil
}

// POST /api/v1/mailbox/attachments
func (s *Server) postEnquirerAttachment(c *fiber.Ctx) error {
	ct, err := attachmentBody(c)
	if err != nil {
		return err
	}
	m, err := s.enquirerPost(c, s.store.CheckAttachmentCap)
	if err != nil {
		return err
	}
	if err := crypto.CheckAttachment(ct); err != nil {
		return policyError(err)
	}
	id, err := s.store.PutEnquirerAttachment(m, ct)
	if err != nil {
		return storeError(err, errUnauthorized)
	}
	return writeJSON(c, fiber.StatusCreated, wire.UploadedAttachment{ID: id})
}

// GET /api/v1/mailbox/attachments/:attachment
func (s *Server) getEnquirerAttachment(c *fiber.Ctx) error {
	m, err := s.enquirer(c)
	if err != nil {
		return err
	}
	return s.sendAttachment(c, m.ID)
}

// POST /api/v1/cases/:id/attachments
func (s *Server) postCounsellorAttachment(c *fiber.Ctx) error {
	ct, err := attachmentBody(c)
	if err != nil {
		return err
	}
	a, m, err := s.ownCaseAs(c, ciphertextUnder(crypto.CheckAttachment, ct))
	if err != nil {
		return err
	}
	id, err := s.store.PutCounsellorAttachment(m.ID, a.counsellor.ID, ct)
	if err != nil {
		return storeError(err, errNotFound)
	}
	return writeJSON(c, fiber.StatusCreated, wire.UploadedAttachment{ID: id})
}

// GET /api/v1/cases/:id/attachments/:attachment
func (s *Server) getCounsellorAttachment(c *fiber.Ctx) error {
	_, m, err := s.ownCaseAs(c, nil)
	if err != nil {
		return err
	}
	return s.sendAttachment(c, m.ID)
}

// parseReferences checks the attachments a message names (NewMessage.
// Attachments): at most 5 well-formed ids, none twice. Whether each is an
// unreferenced upload of the mailbox is the store's to say.
func parseReferences(ids []string) error {
	if len(ids) > crypto.MaxAttachments {
		return badRequest("attachments: at most %d", crypto.MaxAttachments)
	}
	for i, id := range ids {
		if _, err := domain.ParseAttachmentID(id); err != nil {
			return badRequest("attachments: an id is not the base64url of 16 bytes")
		}
		for _, prev := range ids[:i] {
			if prev == id {
				return badRequest("attachments: an id named twice")
			}
		}
	}
	return nil
}
