# Independent computation of teamrecord-v1.json (Python standard library only:
# hmac, hashlib; Bech32 after BIP 173's reference code). Run from crypto/:
#   python3 testdata/teamrecord-v1.py testdata/kdf-v1.json > testdata/teamrecord-v1.json
import hmac, hashlib, json, base64, sys

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk
def hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
def convertbits(data, frombits, tobits):
    acc = bits = 0; ret = []
    for v in data:
        acc = (acc << frombits) | v; bits += frombits
        while bits >= tobits:
            bits -= tobits; ret.append((acc >> bits) & ((1 << tobits) - 1))
    if bits: ret.append((acc << (tobits - bits)) & ((1 << tobits) - 1))
    return ret
def bech32(hrp, data):
    five = convertbits(data, 8, 5)
    pm = polymod(hrp_expand(hrp) + five + [0]*6) ^ 1
    chk = [(pm >> 5*(5-i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in five + chk)

def hkdf(ikm, info, n=32):
    prk = hmac.new(b"\x00"*32, ikm, hashlib.sha256).digest()
    out = b""; t = b""; i = 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t; i += 1
    return out[:n]

kdf = json.load(open(sys.argv[1]))[0]
vectors = []
def vec(comment, epoch, seed, js):
    key = hkdf(seed, b"lotse/v1 team-mac")
    mac = hmac.new(key, js.encode(), hashlib.sha256).digest()
    vectors.append({
        "comment": comment,
        "epoch": epoch,
        "identity_seed_hex": seed.hex(),
        "identity": bech32("age-secret-key-pq-", seed).upper(),
        "team_mac_key_hex": key.hex(),
        "json": js,
        "mac_hex": mac.hex(),
        "plaintext_base64": base64.b64encode(mac + js.encode()).decode(),
    })

seed1 = bytes(range(32))
vec("note: non-ASCII and markup characters written as they are", 2, seed1,
    '{"v":1,"type":"note","epoch":2,"case":"f8ee9348bac6af4ee846fb2803a75774","author":"alice",'
    '"written":"2026-12-02T03:59:06Z","text":"Rückruf vereinbart <b>&</b> \\"morgen\\"\\n"}')
mk = base64.b64decode(kdf["mailbox_key_base64"])
vec("pin of kdf-v1.json[0]'s case: mk_sha256 = SHA-256 of its mailbox key", 1, bytes(range(32, 64)),
    '{"v":1,"type":"pin","epoch":1,"case":"%s","author":"b0b","written":"2026-12-02T03:59:06.5Z",'
    '"mk_sha256":"%s","recipient":"%s"}' % (kdf["mailbox_id"], hashlib.sha256(mk).hexdigest(), kdf["recipient"]))
vec("blocks: a record of no case; type fields sorted by name, objects kept as written", 7, bytes([0xff]*32),
    '{"v":1,"type":"blocks","epoch":7,"author":"carol","written":"2026-12-02T04:00:00Z",'
    '"blocks":[{"title":"Beratungsstelle","body":"Öffnungszeiten Mo–Fr"}]}')
json.dump({"source": "computed by testdata/teamrecord-v1.py with Python's hmac and hashlib, independently of the Go code",
           "vectors": vectors}, sys.stdout, indent=2, ensure_ascii=False)
print()
