//! Deflated zip members inflated with one decompressor per archive.
//!
//! The `zip` crate gives every member a decompressor of its own: a 32 KB window and
//! its state, allocated when the member is opened and freed when it is read. Between
//! those two moments the reader keeps that member's content (packed or copied), so a
//! wheel of 20,000 members left 20,000 window-sized holes in the heap, each pinned by a
//! small allocation that outlives it: the ansible wheel took 148 MB resident for about
//! 70 MB in use. Here the member's raw (compressed) bytes are read from the archive and
//! inflated by a decompressor that is reset, not rebuilt, for the next member.
//!
//! What the crate checks is checked here too: the CRC-32 the central directory gives
//! for the content, once the stream ends, and a stream that stops before its end.

use std::io::{self, Read};

/// Input read from the archive at a time.
const INPUT_CHUNK: usize = 32 * 1024;

/// A decompressor and its input buffer, reused for every deflated member of an archive.
pub(super) struct Inflater {
    state: flate2::Decompress,
    input: Vec<u8>,
}

impl Inflater {
    pub(super) fn new() -> Inflater {
        // raw deflate: zip members carry no zlib header
        Inflater { state: flate2::Decompress::new(false), input: vec![0; INPUT_CHUNK] }
    }

    /// A reader of the content of the member whose raw bytes `raw` reads; `crc32` is
    /// the checksum the archive gives for that content.
    pub(super) fn member<'a, R: Read>(&'a mut self, raw: R, crc32: u32) -> Inflating<'a, R> {
        self.state.reset(false);
        Inflating { raw, inflater: self, pos: 0, len: 0, raw_done: false, crc: crc32fast::Hasher::new(), expected: crc32, done: false }
    }
}

/// The content of one deflated member, inflated as it is read.
pub(super) struct Inflating<'a, R: Read> {
    raw: R,
    inflater: &'a mut Inflater,
    /// The unread part of the input buffer.
    pos: usize,
    len: usize,
    raw_done: bool,
    crc: crc32fast::Hasher,
    expected: u32,
    done: bool,
}

impl<R: Read> Read for Inflating<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        use flate2::{FlushDecompress, Status};
        if self.done || out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.pos == self.len && !self.raw_done {
                self.len = loop {
                    match self.raw.read(&mut self.inflater.input) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        r => break r?,
                    }
                };
                self.pos = 0;
                self.raw_done = self.len == 0;
            }
            let state = &mut self.inflater.state;
            let (in_before, out_before) = (state.total_in(), state.total_out());
            let flush = if self.raw_done { FlushDecompress::Finish } else { FlushDecompress::None };
            let status = state
                .decompress(&self.inflater.input[self.pos..self.len], out, flush)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("deflate stream is corrupt: {e}")))?;
            let consumed = (state.total_in() - in_before) as usize;
            let produced = (state.total_out() - out_before) as usize;
            self.pos += consumed;
            self.crc.update(&out[..produced]);
            if status == Status::StreamEnd {
                self.done = true;
                let crc = std::mem::take(&mut self.crc).finalize();
                if crc != self.expected {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, format!("content does not match its CRC-32 (archive says {:08x}, content is {crc:08x})", self.expected)));
                }
                return Ok(produced);
            }
            if produced > 0 {
                return Ok(produced);
            }
            if self.raw_done && consumed == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "deflate stream ends before its last block"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn crc(data: &[u8]) -> u32 {
        let mut h = crc32fast::Hasher::new();
        h.update(data);
        h.finalize()
    }

    /// Reads through a reader that hands out a few bytes at a time, as an archive may.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn members_inflate_one_after_another_with_one_decompressor() {
        let big: Vec<u8> = (0..300_000u32).flat_map(|i| format!("line {i} of a module\n").into_bytes()).collect();
        let members: Vec<Vec<u8>> = vec![b"import os\n".to_vec(), Vec::new(), big, b"x = 1\n".repeat(10)];
        let mut inflater = Inflater::new();
        for (i, m) in members.iter().enumerate() {
            let raw = deflate(m);
            let mut out = Vec::new();
            inflater.member(Trickle(&raw, 1 + i * 997), crc(m)).read_to_end(&mut out).expect("inflates");
            assert_eq!(&out, m, "member {i}");
        }
    }

    #[test]
    fn a_wrong_checksum_is_an_error() {
        let data = b"print('hello')\n".repeat(100);
        let raw = deflate(&data);
        let mut out = Vec::new();
        let e = Inflater::new().member(&raw[..], crc(&data) ^ 1).read_to_end(&mut out).expect_err("checked");
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("CRC-32"), "{e}");
    }

    #[test]
    fn a_cut_or_damaged_stream_is_an_error_and_the_next_member_still_reads() {
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let raw = deflate(&data);
        let mut inflater = Inflater::new();
        let mut out = Vec::new();
        let e = inflater.member(&raw[..raw.len() / 2], crc(&data)).read_to_end(&mut out).expect_err("truncated");
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let mut out = Vec::new();
        assert!(inflater.member(&[0xffu8; 64][..], 0).read_to_end(&mut out).is_err(), "not deflate data");
        let mut out = Vec::new();
        inflater.member(&raw[..], crc(&data)).read_to_end(&mut out).expect("a reset decompressor reads the next member");
        assert_eq!(out, data);
    }
}
