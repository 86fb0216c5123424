// Solves a sign form's proof of work (groundswell/lib/proofofwork.py) off the page's thread.
// Given the challenge "<expires>.<tries>.<seed>:<signature>" and a random nonce, it counts
// up from 0 until the SHA-256 of "<seed>:<nonce>:<counter>" begins with a 32-bit number
// below 2^32 / tries, and answers {proof: "<nonce>.<counter>"}; every 65,536 tries it
// answers {tries: n}. The message is ASCII and at most 46 bytes, so each try is one block
// of SHA-256 (FIPS 180-4), of which only the first word of the result is needed.
"use strict";

var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);
var H = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
]);
var w = new Int32Array(64);

function rotr(x, n) {
  return (x >>> n) | (x << (32 - n));
}

// The first 32 bits of the SHA-256 of the padded single block in `block` (64 bytes).
function firstWord(block) {
  var i, s0, s1;
  for (i = 0; i < 16; i++) {
    w[i] = (block[4 * i] << 24) | (block[4 * i + 1] << 16) | (block[4 * i + 2] << 8) | block[4 * i + 3];
  }
  for (i = 16; i < 64; i++) {
    s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
    s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  var t1, t2;
  for (i = 0; i < 64; i++) {
    t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  return (H[0] + a) >>> 0;
}

function solve(challenge, nonce) {
  var fields = challenge.split(":")[0].split(".");
  var tries = Math.max(1, parseInt(fields[1], 10) || 1);
  var target = Math.floor(4294967296 / tries);
  var prefix = fields[2] + ":" + nonce + ":";
  var block = new Uint8Array(64);
  var i, digits, length, bits;
  for (i = 0; i < prefix.length; i++) block[i] = prefix.charCodeAt(i) & 0xff;
  for (var counter = 0; ; counter++) {
    digits = String(counter);
    length = prefix.length + digits.length;
    for (i = 0; i < digits.length; i++) block[prefix.length + i] = digits.charCodeAt(i);
    block[length] = 0x80;
    for (i = length + 1; i < 62; i++) block[i] = 0;
    bits = length * 8;
    block[62] = bits >>> 8;
    block[63] = bits & 0xff;
    if (firstWord(block) < target) return nonce + "." + counter;
    if ((counter & 0xffff) === 0xffff) postMessage({ tries: counter + 1 });
  }
}

onmessage = function (event) {
  postMessage({ proof: solve(String(event.data.challenge), String(event.data.nonce)) });
};
