package counsel

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"lotse/api/client"
)

// checkBackupPath refuses a file that exists: a backup is never
// overwritten.
func checkBackupPath(path string) error {
	if _, err := os.Stat(path); err == nil {
		return withHint(errorf(mErrBackupExists, path), mHintNewBackupName)
	}
	return nil
}

// Backup writes a backup of the server's data to path (admins), through a
// temporary file beside it, and returns its size. The file appears only
// once complete, and never replaces one that exists.
func (s *Session) Backup(ctx context.Context, path string) (int64, error) {
	if err := checkBackupPath(path); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return 0, errorf(mErrCreateBackup, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	var n int64
	err = s.retry(ctx, func(api *client.Client) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if err := f.Truncate(0); err != nil {
			return err
		}
		var err error
		n, err = api.Backup(ctx, f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, apiError(mDoingBackup, err)
	}
	if err := os.Link(tmp, path); err != nil {
		return 0, errorf(mErrWriteBackup, err)
	}
	return n, nil
}

// Compact asks the server to purge expired mailboxes and compact its data
// file now, so that deleted ciphertext is physically gone from it
// (admins).
func (s *Session) Compact(ctx context.Context) (*client.Compaction, error) {
	rep, err := retryRead(ctx, s, (*client.Client).CompactReport)
	if err != nil {
		return nil, apiError(mDoingCompact, err)
	}
	return rep, nil
}
