//! Fernet (the `cryptography` package's recipe) decryption, so that
//! `exec(Fernet(KEY).decrypt(TOKEN))` droppers can be read when both literals are present.
//!
//! Token layout: `0x80 | timestamp (8) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32)`,
//! URL-safe base64 encoded. The 32-byte key is `signing key (16) | encryption key (16)`.
//! The HMAC is verified before decrypting (a wrong key yields `None`, never garbage); the
//! timestamp is ignored (no TTL: analysis must not depend on the clock).

use super::base;
use aes::cipher::{BlockCipherDecrypt, KeyInit};
use sha2::{Digest, Sha256};

const VERSION: u8 = 0x80;
/// version + timestamp + IV.
const HEADER: usize = 1 + 8 + 16;
const MAC: usize = 32;

fn hmac_sha256(key: &[u8; 16], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..16].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// The raw token bytes: already raw (starts with 0x80 and has a valid length) or base64.
fn raw_token(token: &[u8]) -> Option<Vec<u8>> {
    let token = token.trim_ascii();
    let raw_ok = |t: &[u8]| t.first() == Some(&VERSION) && t.len() >= HEADER + 16 + MAC && (t.len() - HEADER - MAC) % 16 == 0;
    if raw_ok(token) {
        return Some(token.to_vec());
    }
    let raw = base::base64(token, token.len())?;
    raw_ok(&raw).then_some(raw)
}

/// A URL-safe base64 string (or raw bytes) shaped like a Fernet token: version byte 0x80,
/// room for IV, at least one cipher block and the MAC, block-aligned. Cheap: decodes only
/// when the text starts with `gAAAAA`, which is how every token's base64 begins.
pub fn looks_like_token(token: &[u8]) -> bool {
    let t = token.trim_ascii();
    (t.starts_with(b"gAAAAA") || t.first() == Some(&VERSION)) && raw_token(t).is_some()
}

/// Decrypts a Fernet token with its key literal (URL-safe base64 of 32 bytes).
/// Returns `None` for a malformed key or token, a failed HMAC check or bad padding.
pub fn fernet_decrypt(key: &[u8], token: &[u8]) -> Option<Vec<u8>> {
    let key = base::base64(key.trim_ascii(), 64)?;
    if key.len() != 32 {
        return None;
    }
    let mut signing = [0u8; 16];
    signing.copy_from_slice(&key[..16]);
    let raw = raw_token(token)?;
    let (signed, mac) = raw.split_at(raw.len() - MAC);
    let expected = hmac_sha256(&signing, signed);
    // Constant-time comparison is not a concern here (we are the only party), but keep the
    // habit: fold the differences.
    if expected.iter().zip(mac).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
        return None;
    }
    let cipher = aes::Aes128::new_from_slice(&key[16..]).ok()?;
    let iv = &signed[9..HEADER];
    let ct = &signed[HEADER..];
    let mut plain = Vec::with_capacity(ct.len());
    let mut prev: [u8; 16] = iv.try_into().ok()?;
    for chunk in ct.chunks_exact(16) {
        let mut block = aes::Block::try_from(chunk).ok()?;
        cipher.decrypt_block(&mut block);
        for (i, b) in block.iter().enumerate() {
            plain.push(b ^ prev[i]);
        }
        prev.copy_from_slice(chunk);
    }
    // PKCS#7 padding.
    let pad = usize::from(*plain.last()?);
    if pad == 0 || pad > 16 || pad > plain.len() || !plain[plain.len() - pad..].iter().all(|&b| usize::from(b) == pad) {
        return None;
    }
    plain.truncate(plain.len() - pad);
    Some(plain)
}
