package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"
)

// maxIdentityFile bounds an identity file.
const maxIdentityFile = 64 << 10

// ErrNotForIdentity: the backup is not encrypted to any identity given.
var ErrNotForIdentity = errors.New("the backup is not encrypted to this identity")

// DecryptBackup decrypts a backup that mailboxd's scheduler encrypted with
// age, with the identities in identityFile, into a new file (mode 0600) in
// dir and returns its name; the caller removes it. age authenticates every
// chunk, so a damaged or cut backup fails here, and nothing is left behind.
func DecryptBackup(backup, identityFile, dir string) (string, error) {
	raw, err := readLimited(identityFile, maxIdentityFile)
	if err != nil {
		return "", fmt.Errorf("identity: %v", err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(raw))
	clear(raw)
	if err != nil {
		return "", fmt.Errorf("identity %s: %v", identityFile, err)
	}
	in, err := os.Open(backup)
	if err != nil {
		return "", err
	}
	defer in.Close()
	plain, err := age.Decrypt(in, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return "", fmt.Errorf("%s: %w", backup, ErrNotForIdentity)
		}
		return "", fmt.Errorf("%s: %v", backup, err)
	}
	tmp, err := os.CreateTemp(dir, "lotse-backup-*.db")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(tmp, plain)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("decrypt %s: %v", backup, err)
	}
	return tmp.Name(), nil
}

func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is longer than %d bytes", name, limit)
	}
	return b, nil
}
