package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"filippo.io/age"

	"lotse/internal/bounded"
)

// MaxIdentityFile bounds an identity file.
const MaxIdentityFile = 64 << 10

// ErrNotForIdentity: the backup is not encrypted to any identity given.
var ErrNotForIdentity = errors.New("the backup is not encrypted to this identity")

// ParseIdentities reads the age identities of a backup key file, at most
// MaxIdentityFile bytes.
func ParseIdentities(r io.Reader) ([]age.Identity, error) {
	raw, err := bounded.ReadAll(r, MaxIdentityFile)
	defer clear(raw)
	if err != nil {
		return nil, err
	}
	return age.ParseIdentities(bytes.NewReader(raw))
}

// DecryptBackup decrypts a backup that mailboxd's scheduler encrypted with
// age, with one of ids, into a new file (mode 0600) in dir and returns its
// name; the caller removes it. age authenticates every chunk, so a damaged
// or cut backup fails here, and nothing is left behind.
func DecryptBackup(backup string, ids []age.Identity, dir string) (string, error) {
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
