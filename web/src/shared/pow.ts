// The proof of work an anonymous complaint carries (GET /complaints/challenge): a nonce such
// that SHA-256(challenge + ":" + nonce) starts with `difficulty` zero bits. A small SHA-256 of
// its own (no third party, no crypto.subtle round trip per hash): the blocks of the constant
// prefix are hashed once, each nonce then costs one or two compressions. It runs in chunks so
// that the page stays responsive and can show its progress.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Uint32Array(64);

/** One SHA-256 compression of the 64 bytes of `b` at `off` into `s`. */
function compress(s: Uint32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15];
    const y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = s[0], bb = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & bb) ^ (a & c) ^ (bb & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = bb;
    bb = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0] + a) | 0;
  s[1] = (s[1] + bb) | 0;
  s[2] = (s[2] + c) | 0;
  s[3] = (s[3] + d) | 0;
  s[4] = (s[4] + e) | 0;
  s[5] = (s[5] + f) | 0;
  s[6] = (s[6] + g) | 0;
  s[7] = (s[7] + h) | 0;
}

/** SHA-256 of `prefix` + `suffix` (ASCII), its state words; `mid` is the prefix's midstate. */
class Hasher {
  private readonly mid = new Uint32Array(H0);
  private readonly tail: Uint8Array;
  private readonly prefixLen: number;
  private readonly buf = new Uint8Array(128);
  readonly state = new Uint32Array(8);

  constructor(prefix: string) {
    const bytes = new TextEncoder().encode(prefix);
    const full = Math.floor(bytes.length / 64) * 64;
    for (let off = 0; off < full; off += 64) compress(this.mid, bytes, off);
    this.tail = bytes.slice(full);
    this.prefixLen = bytes.length;
  }

  hash(suffix: string): Uint32Array {
    const buf = this.buf;
    buf.fill(0);
    buf.set(this.tail);
    let n = this.tail.length;
    for (let i = 0; i < suffix.length; i++) buf[n++] = suffix.charCodeAt(i);
    buf[n] = 0x80;
    const blocks = n + 1 + 8 <= 64 ? 1 : 2;
    const bits = (this.prefixLen + suffix.length) * 8;
    const end = blocks * 64;
    buf[end - 4] = (bits >>> 24) & 0xff;
    buf[end - 3] = (bits >>> 16) & 0xff;
    buf[end - 2] = (bits >>> 8) & 0xff;
    buf[end - 1] = bits & 0xff;
    this.state.set(this.mid);
    compress(this.state, buf, 0);
    if (blocks === 2) compress(this.state, buf, 64);
    return this.state;
  }
}

/** Leading zero bits of a SHA-256 state (big-endian words). */
function leadingZeroBits(s: Uint32Array): number {
  let n = 0;
  for (const w of s) {
    if (w === 0) n += 32;
    else return n + Math.clz32(w);
  }
  return n;
}

/** The hex SHA-256 of an ASCII string (the self-check below; the tests). */
export function sha256Hex(text: string): string {
  const st = new Hasher('').hash(text);
  return Array.from(st, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

/**
 * Finds a nonce for `challenge` at `difficulty` bits, `chunk` tries at a time between which
 * `progress(tries)` is called and the page may draw. Expected tries: 2^difficulty.
 */
export async function solveChallenge(
  challenge: string,
  difficulty: number,
  progress: (tries: number) => void = () => {},
  chunk = 20000,
): Promise<string> {
  const h = new Hasher(`${challenge}:`);
  for (let n = 0; ; ) {
    const stop = n + chunk;
    for (; n < stop; n++) {
      const nonce = n.toString(36);
      if (difficulty === 0 || leadingZeroBits(h.hash(nonce)) >= difficulty) return nonce;
    }
    progress(n);
    await new Promise((r) => setTimeout(r, 0));
  }
}
