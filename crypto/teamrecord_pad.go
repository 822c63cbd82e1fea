package crypto

import (
	"errors"
	"slices"
)

// Team records are padded to buckets (PROTOCOL.md §11.1, §11.2) so that the
// server, which stores them, learns a note's size class and not its
// length. The padding is white space inside the JSON object, before its
// closing brace, under the MAC: readers need no rule for it, and the
// known-answer vectors, which are unpadded, still read.

// CaseRecordBuckets are the plaintext sizes of a case's records: the
// message buckets (PROTOCOL.md §11.2).
var CaseRecordBuckets = BucketSizes

// TeamRecordBuckets are the plaintext sizes of the team's records: 1 KiB
// doubling up to 512 KiB, whose ciphertext fits a 1 MiB request body as
// base64 (PROTOCOL.md §11.2).
var TeamRecordBuckets = [...]int{1 << 10, 2 << 10, 4 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10}

// ErrTeamRecordTooLong is a record whose padded plaintext would be over the
// largest bucket of its type: the server would refuse it.
var ErrTeamRecordTooLong = errors.New("crypto: team record too long for the largest bucket")

// recordBuckets returns the buckets of a record type.
func recordBuckets(typ string) []int {
	if teamRecordTypes[typ].withCase {
		return CaseRecordBuckets[:]
	}
	return TeamRecordBuckets[:]
}

// padRecordJSON returns a copy of the JSON object js with spaces before its
// closing brace, so that the MAC and the JSON together are the smallest of
// buckets that holds them.
func padRecordJSON(js []byte, buckets []int) ([]byte, error) {
	i, _ := slices.BinarySearch(buckets, teamMACSize+len(js))
	if i == len(buckets) {
		return nil, ErrTeamRecordTooLong
	}
	out := make([]byte, buckets[i]-teamMACSize)
	n := copy(out, js[:len(js)-1])
	for ; n < len(out)-1; n++ {
		out[n] = ' '
	}
	out[n] = '}'
	return out, nil
}
