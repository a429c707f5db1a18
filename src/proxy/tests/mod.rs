//! Hermetic tests of the proxy against a test upstream on 127.0.0.1.
