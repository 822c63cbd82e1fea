package domain

import "strings"

// Bech32 (BIP 173) as age uses it for keys, without BIP 173's limit of 90
// characters: a hybrid recipient has 1,959. This is Lotse's one codec:
// recipients are parsed here, and lotse/crypto writes identities with
// EncodeBech32.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Generator = [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}

func bech32Polymod(chk uint32, values []byte) uint32 {
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i, g := range bech32Generator {
			if (top>>i)&1 == 1 {
				chk ^= g
			}
		}
	}
	return chk
}

// hrpExpand is the human-readable part as the checksum sees it.
func hrpExpand(hrp string) []byte {
	exp := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		exp = append(exp, hrp[i]>>5)
	}
	exp = append(exp, 0)
	for i := 0; i < len(hrp); i++ {
		exp = append(exp, hrp[i]&31)
	}
	return exp
}

// EncodeBech32 encodes data under a lower-case human-readable part and
// returns the lower-case string. The 5-bit intermediate is cleared, since
// data may be a secret key.
func EncodeBech32(hrp string, data []byte) string {
	five := regroup(data, 8, 5)
	s := encode5(hrp, five)
	clear(five)
	return s
}

// encode5 encodes 5-bit values.
func encode5(hrp string, five []byte) string {
	chk := bech32Polymod(1, hrpExpand(hrp))
	chk = bech32Polymod(chk, five)
	chk = bech32Polymod(chk, []byte{0, 0, 0, 0, 0, 0}) ^ 1

	var b strings.Builder
	b.Grow(len(hrp) + 1 + len(five) + 6)
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range five {
		b.WriteByte(bech32Charset[v&31])
	}
	for p := range 6 {
		b.WriteByte(bech32Charset[(chk>>(5*(5-p)))&31])
	}
	return b.String()
}

// decodeBech32 decodes a lower-case Bech32 string with a valid checksum
// whose data is the canonical encoding of whole bytes (padding of fewer
// than five bits, all zero). It returns false for anything else.
func decodeBech32(s string) (hrp string, data []byte, ok bool) {
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || sep+7 > len(s) {
		return "", nil, false
	}
	hrp = s[:sep]
	for i := 0; i < len(hrp); i++ {
		if c := hrp[i]; c < 33 || c > 126 || 'A' <= c && c <= 'Z' {
			return "", nil, false
		}
	}
	five := make([]byte, len(s)-sep-1)
	for i := range five {
		v := strings.IndexByte(bech32Charset, s[sep+1+i])
		if v < 0 {
			return "", nil, false
		}
		five[i] = byte(v)
	}
	if bech32Polymod(bech32Polymod(1, hrpExpand(hrp)), five) != 1 {
		return "", nil, false
	}
	five = five[:len(five)-6]
	if len(five)*5%8 >= 5 {
		return "", nil, false
	}
	data = regroup(five, 5, 8)
	if n := len(five) * 5 % 8; n > 0 && five[len(five)-1]&(1<<n-1) != 0 {
		return "", nil, false
	}
	return hrp, data, true
}

// regroup regroups values of from bits into values of to bits. Going up
// (5 to 8) it drops the incomplete last group; going down it zero-pads it.
func regroup(in []byte, from, to uint) []byte {
	out := make([]byte, 0, (uint(len(in))*from+to-1)/to)
	var acc uint32
	var bits uint
	for _, v := range in {
		acc = acc<<from | uint32(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&(1<<to-1)))
		}
	}
	if bits > 0 && to < from {
		out = append(out, byte(acc<<(to-bits)&(1<<to-1)))
	}
	return out
}

// DecodeBech32 is decodeBech32 for lotse/crypto, which reads the seed of a
// team identity to derive the team MAC key (docs/PROTOCOL.md §3).
func DecodeBech32(s string) (hrp string, data []byte, ok bool) { return decodeBech32(s) }
