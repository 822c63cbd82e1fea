package crypto

import "strings"

// Bech32 (BIP-173) encoding, as age uses it for keys: without BIP-173's
// 90-character limit, since a hybrid recipient is 1,959 characters. age
// keeps its codec internal, so this is the encoder only; decoding stays
// with age.ParseHybridIdentity and age.ParseHybridRecipient.

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

// bech32Encode5 encodes 5-bit values under a lower-case human-readable part
// and returns the lower-case string.
func bech32Encode5(hrp string, data []byte) string {
	exp := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		exp = append(exp, hrp[i]>>5)
	}
	exp = append(exp, 0)
	for i := 0; i < len(hrp); i++ {
		exp = append(exp, hrp[i]&31)
	}
	chk := bech32Polymod(1, exp)
	chk = bech32Polymod(chk, data)
	chk = bech32Polymod(chk, []byte{0, 0, 0, 0, 0, 0}) ^ 1

	var b strings.Builder
	b.Grow(len(hrp) + 1 + len(data) + 6)
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range data {
		b.WriteByte(bech32Charset[v&31])
	}
	for p := range 6 {
		b.WriteByte(bech32Charset[(chk>>(5*(5-p)))&31])
	}
	return b.String()
}

// bytesTo5 regroups bytes into 5-bit values, zero-padding the last one.
func bytesTo5(data []byte) []byte {
	out := make([]byte, 0, (len(data)*8+4)/5)
	var acc uint32
	bits := 0
	for _, v := range data {
		acc = acc<<8 | uint32(v)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits))&31)
	}
	return out
}

// bech32Encode encodes data under a human-readable part given in lower
// case; the result is lower case.
func bech32Encode(hrp string, data []byte) string {
	five := bytesTo5(data)
	s := bech32Encode5(hrp, five)
	clear(five)
	return s
}
