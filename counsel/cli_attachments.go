package counsel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"lotse/domain"
)

// attachmentCommand saves one attachment of a case that passed its check
// to FILE: created 0600 beside its final name and linked there, so an
// existing file is never replaced and a half-written one never appears.
func attachmentCommand(c *cmd) action {
	return action{args: fixed("ID", "ATTACHMENT", "FILE"), need: member,
		before: func(rest []string) error {
			if err := checkCaseID(rest); err != nil {
				return err
			}
			if !validAttachmentID(rest[1]) {
				return withHintf(errorf(mErrBadAttachmentId, oneLine(rest[1])), mHintReadListsAttachments, oneLine(rest[0]))
			}
			return checkNewFile(rest[2])
		},
		run: onThread(func(ctx context.Context, s *Session, t *Thread, rest []string) (*output, error) {
			id := t.id
			a := t.attachmentByID(rest[1])
			if a == nil {
				return nil, withHintf(errorf(mErrUnknownAttachment, id, oneLine(rest[1])), mHintReadListsAttachments, id)
			}
			pt, err := s.openAttachment(ctx, t, a)
			if err != nil {
				return nil, err
			}
			defer clear(pt)
			if err := saveNew(rest[2], pt); err != nil {
				return nil, err
			}
			info := *a
			return &output{
				json: map[string]any{"id": id, "attachment": info, "file": rest[2]},
				text: func(c *cmd) error {
					c.printf(mOutAttachmentSaved, oneLine(info.Name), oneLine(info.Type), info.Size, rest[2])
					return nil
				},
			}, nil
		})}
}

func validAttachmentID(s string) bool {
	_, err := domain.ParseAttachmentID(s)
	return err == nil
}

func checkNewFile(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return withHint(errorf(mErrFileExists, path), mHintNewFileName)
	}
	return nil
}

// saveNew writes b to path, which must not exist, readable by this
// account only.
func saveNew(path string, b []byte) error {
	if err := checkNewFile(path); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".attachment-*")
	if err != nil {
		return errorf(mErrSaveAttachment, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	if errors.Is(err, os.ErrExist) {
		return withHint(errorf(mErrFileExists, path), mHintNewFileName)
	}
	if err != nil {
		return errorf(mErrSaveAttachment, err)
	}
	return nil
}

// attachFlag collects --attach FILE, in order.
type attachFlag []string

func (a *attachFlag) String() string { return strings.Join(*a, ",") }

func (a *attachFlag) Set(v string) error {
	*a = append(*a, v)
	return nil
}

// readFiles reads the files a reply attaches, each bounded, before the
// passphrase is asked.
func readFiles(paths []string) ([]File, error) {
	if len(paths) > maxAttachments {
		return nil, errorf(mErrTooManyAttachments, len(paths), maxAttachments)
	}
	var files []File
	for _, p := range paths {
		b, err := readBounded(p, int64(maxAttachmentFile))
		if isMsg(err, mErrFileTooLarge) {
			return nil, errorf(mErrAttachmentTooLarge, p, maxAttachmentFile>>20)
		}
		if err != nil {
			return nil, errorf(mErrReadAttachment, p, err)
		}
		f, err := NewFile(p, b)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// printAttachments lists a message's attachments under it: id, name,
// type, size and what the check found.
func (c *cmd) printAttachments(m Message) {
	for _, a := range m.Attachments {
		state := c.tr(mOutAttachmentUnchecked)
		switch a.State {
		case attChecked:
			state = c.tr(mOutAttachmentChecked)
		case attWarning:
			state = fmt.Sprintf(c.tr(mOutAttachmentWarning), oneLine(a.Warning))
		}
		c.printf(mOutAttachment, oneLine(a.ID), oneLine(a.Name), oneLine(a.Type), formatSize(c.io.Lang, a.Size), state)
	}
}

// formatSize says a file's size for people: bytes, KiB or MiB with one
// decimal, with the decimal comma in German.
func formatSize(lang string, n int64) string {
	var s string
	switch {
	case n < 1<<10:
		s = fmt.Sprintf("%d B", n)
	case n < 1<<20:
		s = fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		s = fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	if lang == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
