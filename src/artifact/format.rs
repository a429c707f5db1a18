//! What kind of file a package is: its distribution kind and its container format.

/// What kind of distribution the file is, from its name and content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    Sdist,
    Wheel,
    Egg,
    Directory,
}

/// The container format, from magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Container {
    TarGz,
    TarBz2,
    TarXz,
    Tar,
    Zip,
    Directory,
}
