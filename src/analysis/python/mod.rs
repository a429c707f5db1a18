//! Python source analysis: parse with ruff's error-recovering parser (with a token-level
//! fallback), then run each detector.
