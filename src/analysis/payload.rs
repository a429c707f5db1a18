//! Decoding of literal payloads (base64, hex, zlib, marshal …) so that hidden code can
//! be rescanned and shown to the user as evidence.
