//! Package-level detectors: facts about the archive as a whole rather than one source
//! file (bundled executables, metadata and RECORD consistency).
