package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"lotse/api/wire"
	"lotse/crypto"
	"lotse/mailbox"
)

// apiError is an answer of PROTOCOL.md §6's error table. msg is human text
// that never contains a secret, a ciphertext or anything the client sent
// beyond a field name.
type apiError struct {
	status     int
	code       string
	msg        string
	retryAfter time.Duration // sent as Retry-After when set
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: fiber.StatusBadRequest, code: "bad_request", msg: fmt.Sprintf(format, args...)}
}

func rateLimited(retry time.Duration) *apiError {
	return &apiError{status: fiber.StatusTooManyRequests, code: "rate_limited", msg: "too many requests, try again later", retryAfter: retry}
}

var (
	errUnauthorized   = &apiError{fiber.StatusUnauthorized, "unauthorized", "missing, wrong or expired credentials", 0}
	errForbidden      = &apiError{fiber.StatusForbidden, "forbidden", "not allowed for this counsellor", 0}
	errPowInvalid     = &apiError{fiber.StatusForbidden, "pow_invalid", "proof of work missing, wrong, expired or used", 0}
	errSetupInvalid   = &apiError{fiber.StatusForbidden, "setup_invalid", "setup token invalid", 0}
	errInviteInvalid  = &apiError{fiber.StatusForbidden, "invite_invalid", "invite invalid, used or expired", 0}
	errNotFound       = &apiError{fiber.StatusNotFound, "not_found", "not found", 0}
	errMailboxExists  = &apiError{fiber.StatusConflict, "mailbox_exists", "a mailbox with this id exists", 0}
	errStaleEpoch     = &apiError{fiber.StatusConflict, "stale_epoch", "the team key has changed, fetch /api/v1/team again", 0}
	errKeyringConf    = &apiError{fiber.StatusConflict, "keyring_conflict", "the keyring has changed since you read it", 0}
	errAlreadySetUp   = &apiError{fiber.StatusConflict, "already_set_up", "the team is already set up", 0}
	errRecipientExist = &apiError{fiber.StatusConflict, "recipient_exists", "this recipient is already registered", 0}
	errTooLarge       = &apiError{fiber.StatusRequestEntityTooLarge, "too_large", "request body too large", 0}
	errMailboxFull    = &apiError{fiber.StatusRequestEntityTooLarge, "mailbox_full", "the mailbox holds as much as it may", 0}
	errRecordsFull    = &apiError{fiber.StatusRequestEntityTooLarge, "records_full", "the case holds as many records as it may", 0}
	errMediaType      = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/json without Content-Encoding", 0}
	errTeamNotReady   = &apiError{fiber.StatusServiceUnavailable, "team_not_ready", "the team has no keyring yet", 0}
	errInternal       = &apiError{fiber.StatusInternalServerError, "internal", "internal server error", 0}
	// An extension of PROTOCOL.md §6: a full disk is the one storage
	// failure a client can act on, by trying again later.
	errStorageFull = &apiError{fiber.StatusServiceUnavailable, "storage_full", "the server cannot store anything right now, try again later", time.Minute}

	// Attachments (PROTOCOL.md §10).
	errAttachmentMediaType = &apiError{fiber.StatusUnsupportedMediaType, "unsupported_media_type", "send Content-Type: application/octet-stream without Content-Encoding", 0}
	errAttachmentRefused   = &apiError{fiber.StatusConflict, "attachment_refused", "an attachment named is not an unreferenced upload of this mailbox by this side, or is no longer kept", 0}

	// Organisations (PROTOCOL.md §8).
	errOrgExists = &apiError{fiber.StatusConflict, "org_exists", "an organisation with this slug exists", 0}
	errFrontDoor = &apiError{fiber.StatusConflict, "front_door", "the front door cannot be deleted", 0}

	// Consented handover (PROTOCOL.md §9).
	errHandoverConflict = &apiError{fiber.StatusConflict, "handover_conflict", "the upload does not match the mailbox: its message count changed, or a message or attachment is missing", 0}
)

// policyError is 422 ciphertext_policy; the reason names a rule, never bytes.
func policyError(err error) *apiError {
	msg := "ciphertext refused by the policy"
	var pe *crypto.PolicyError
	if errors.As(err, &pe) {
		msg = pe.Error()
	}
	return &apiError{status: fiber.StatusUnprocessableEntity, code: "ciphertext_policy", msg: msg}
}

// storeError maps the store's documented errors; notFound is what
// ErrNotFound means to the caller (401 for an enquirer's own mailbox, 404
// for a case). Anything else stays an internal error.
func storeError(err error, notFound *apiError) error {
	var rl *mailbox.RateLimitError
	var inv *mailbox.InvalidError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rl):
		return rateLimited(rl.RetryAfter)
	case errors.As(err, &inv):
		return badRequest("%s", inv.Message)
	case errors.Is(err, mailbox.ErrNotFound):
		return notFound
	case errors.Is(err, mailbox.ErrOrgExists):
		return errOrgExists
	case errors.Is(err, mailbox.ErrFrontDoor):
		return errFrontDoor
	case errors.Is(err, mailbox.ErrMailboxExists):
		return errMailboxExists
	case errors.Is(err, mailbox.ErrMailboxFull):
		return errMailboxFull
	case errors.Is(err, mailbox.ErrRecordsFull):
		return errRecordsFull
	case errors.Is(err, mailbox.ErrStaleEpoch):
		return errStaleEpoch
	case errors.Is(err, mailbox.ErrTeamNotReady):
		return errTeamNotReady
	case errors.Is(err, mailbox.ErrKeyringConflict):
		return errKeyringConf
	case errors.Is(err, mailbox.ErrAlreadySetUp):
		return errAlreadySetUp
	case errors.Is(err, mailbox.ErrSetupInvalid):
		return errSetupInvalid
	case errors.Is(err, mailbox.ErrInviteInvalid):
		return errInviteInvalid
	case errors.Is(err, mailbox.ErrRecipientExists):
		return errRecipientExist
	case errors.Is(err, mailbox.ErrStorageFull):
		return errStorageFull
	case errors.Is(err, mailbox.ErrAttachmentRefused):
		return errAttachmentRefused
	case errors.Is(err, mailbox.ErrHandoverConflict):
		return errHandoverConflict
	}
	return err
}

// handleError is fiber's ErrorHandler: for errors returned by handlers and
// for those fasthttp meets before any handler runs (oversized headers or
// body, timeouts, unparsable requests).
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var ae *apiError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound, fiber.StatusMethodNotAllowed:
			ae = errNotFound
		case fiber.StatusRequestEntityTooLarge:
			ae = errTooLarge
		case fiber.StatusRequestHeaderFieldsTooLarge:
			ae = &apiError{status: fe.Code, code: "too_large", msg: "request headers too large"}
		case fiber.StatusRequestTimeout:
			ae = &apiError{status: fe.Code, code: "bad_request", msg: "request timeout"}
		default:
			// fasthttp's parse errors quote the request: never echo them.
			ae = badRequest("malformed request")
		}
	default:
		s.log.internal(c.Route().Path, err)
		ae = errInternal
	}
	writeError(c, ae)
	if c.Context().UserValue(ctxInHandler) == nil {
		// fasthttp answered before our handler wrapper ran: log here.
		s.log.request("-", "-", ae.status, 0)
	}
	return nil
}

func writeError(c *fiber.Ctx, e *apiError) {
	h := &c.Context().Response.Header
	setSecurityHeaders(h)
	if e.status == fiber.StatusTooManyRequests || e.retryAfter > 0 {
		secs := int64((e.retryAfter + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		h.Set(fiber.HeaderRetryAfter, strconv.FormatInt(secs, 10))
	}
	body, _ := json.Marshal(wire.ErrorBody{Error: e.code, Message: e.msg})
	c.Context().Response.ResetBody()
	c.Status(e.status)
	h.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Context().Response.SetBodyRaw(body)
}

// hexID matches mailbox ids, which must not reach the log even inside a
// store error's text.
var hexID = regexp.MustCompile(`[0-9a-fA-F]{32,}`)
