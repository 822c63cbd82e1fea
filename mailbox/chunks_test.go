package mailbox

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestWriteChunks: the chunks are cut at size and written one by one; a
// chunk found empty is passed over, any other refusal ends the loop with
// the count so far and leaves the later chunks unwritten.
func TestWriteChunks(t *testing.T) {
	s, _ := openTest(t, Options{})
	var keys [][]byte
	for i := range 600 {
		keys = append(keys, []byte(fmt.Sprintf("k%04d", i)))
	}
	put := func() {
		t.Helper()
		err := s.write(func(tx *bolt.Tx) (func() error, error) {
			return func() error {
				for _, k := range keys {
					if err := tx.Bucket(bucketTombstones).Put(k, []byte("{}")); err != nil {
						return err
					}
				}
				return nil
			}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	left := func() int {
		t.Helper()
		n := 0
		if err := s.view(func(tx *bolt.Tx) error {
			n = tx.Bucket(bucketTombstones).Stats().KeyN
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// del deletes a chunk's keys: the apply func of every check here.
	del := func(tx *bolt.Tx, chunk [][]byte) func() error {
		return func() error {
			for _, k := range chunk {
				if err := tx.Bucket(bucketTombstones).Delete(k); err != nil {
					return err
				}
			}
			return nil
		}
	}
	refuse := errors.New("refused")
	for _, tc := range []struct {
		name      string
		second    error // the check's answer for the second chunk
		want      int
		wantErr   error
		wantSizes []int
		wantLeft  int
	}{
		{"all written", nil, 600, nil, []int{256, 256, 88}, 0},
		{"empty chunk passed over", errNothing, 344, nil, []int{256, 256, 88}, 256},
		{"refusal ends the loop", refuse, 256, refuse, []int{256, 256}, 344},
	} {
		t.Run(tc.name, func(t *testing.T) {
			put()
			var sizes []int
			got, err := writeChunks(s, keys, purgeChunk, func(tx *bolt.Tx, chunk [][]byte) ([][]byte, func() error, error) {
				sizes = append(sizes, len(chunk))
				if len(sizes) == 2 && tc.second != nil {
					return nil, nil, tc.second
				}
				return chunk, del(tx, chunk), nil
			})
			if len(got) != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("writeChunks = %d items, %v; want %d, %v", len(got), err, tc.want, tc.wantErr)
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("chunks checked %v, want %v", sizes, tc.wantSizes)
			}
			if n := left(); n != tc.wantLeft {
				t.Errorf("%d keys left, want %d", n, tc.wantLeft)
			}
			// Clean up for the next case.
			if _, err := writeChunks(s, keys, len(keys), func(tx *bolt.Tx, chunk [][]byte) ([][]byte, func() error, error) {
				return chunk, del(tx, chunk), nil
			}); err != nil || left() != 0 {
				t.Fatalf("clean-up: %v, %d left", err, left())
			}
		})
	}
}
