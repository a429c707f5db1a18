//! A buffered reader whose seeks stay inside its buffer when they can.
//!
//! The zip reader seeks to each member's data before reading it. `BufReader`'s `seek`
//! always drops its buffer, so every member, however small, cost a fresh 256 KiB read
//! from the file: a wheel of 25,000 headers and sources copied gigabytes from the page
//! cache to read 645 MB. Members lie one after another, so the next one's data is
//! usually already in the buffer; this reader keeps track of its position and turns a
//! seek into `BufReader::seek_relative`, which keeps the buffer when the target is in it.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

pub(super) struct SeekBuf<R> {
    inner: BufReader<R>,
    /// The logical position: where the next read starts.
    pos: u64,
}

impl<R: Read + Seek> SeekBuf<R> {
    /// `inner` must be at its start.
    pub(super) fn new(capacity: usize, inner: R) -> SeekBuf<R> {
        SeekBuf { inner: BufReader::with_capacity(capacity, inner), pos: 0 }
    }
}

impl<R: Read> Read for SeekBuf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for SeekBuf<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            // the end is only known to the file
            SeekFrom::End(_) => None,
        };
        let offset = target.and_then(|t| i64::try_from(t).ok()?.checked_sub(i64::try_from(self.pos).ok()?));
        match (target, offset) {
            (Some(t), Some(d)) => {
                self.inner.seek_relative(d)?;
                self.pos = t;
            }
            _ => self.pos = self.inner.seek(to)?,
        }
        Ok(self.pos)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Counts the bytes the buffered reader takes from below it.
    struct Counted {
        inner: Cursor<Vec<u8>>,
        read: u64,
    }

    impl Read for Counted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    impl Seek for Counted {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.inner.seek(to)
        }
    }

    fn data() -> Vec<u8> {
        (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn reads_what_a_plain_reader_reads_after_any_seek() {
        let data = data();
        let mut r = SeekBuf::new(4096, Cursor::new(data.clone()));
        let mut buf = [0u8; 100];
        for to in [SeekFrom::Start(10), SeekFrom::Current(500), SeekFrom::Current(-300), SeekFrom::Start(99_950), SeekFrom::End(-4000), SeekFrom::Start(3)] {
            let at = r.seek(to).expect("seeks");
            let expected = &data[at as usize..(at as usize + 100).min(data.len())];
            let n = r.read(&mut buf).expect("reads");
            assert_eq!(&buf[..n], expected, "after {to:?}");
            assert_eq!(r.stream_position().expect("position"), at + n as u64);
        }
        assert!(r.seek(SeekFrom::Current(-1_000_000)).is_err(), "before the start is an error, as for a file");
    }

    #[test]
    fn forward_seeks_inside_the_buffer_read_nothing_more() {
        let mut r = SeekBuf::new(64 * 1024, Counted { inner: Cursor::new(data()), read: 0 });
        let mut buf = [0u8; 16];
        // small members one after the other, each reached by an absolute seek
        for at in (0..60_000u64).step_by(1000) {
            r.seek(SeekFrom::Start(at)).expect("seeks");
            r.read_exact(&mut buf).expect("reads");
        }
        assert_eq!(r.inner.get_ref().read, 64 * 1024, "one buffer fill served every member");
    }
}
