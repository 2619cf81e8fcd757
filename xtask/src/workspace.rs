//! Facts about the workspace, read from `cargo metadata` (through the `cargo_metadata` crate)
//! instead of hand-kept lists: its root and target directory, its members and which of them
//! are published, and the version of a dependency that the lock file resolved.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cargo_metadata::{Metadata, MetadataCommand};

/// The workspace root: the parent of this crate's manifest directory (no cargo call needed).
pub fn root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The package name (`sailpoint-v2025-client`).
    pub name: String,
    /// The package version.
    pub version: String,
    /// The directory holding its manifest.
    pub dir: PathBuf,
    /// Whether `cargo publish` would publish it (`publish = false` is not).
    pub publishable: bool,
}

/// The workspace as `cargo metadata --locked` describes it.
#[derive(Debug)]
pub struct Workspace {
    metadata: Metadata,
}

impl Workspace {
    /// Runs `cargo metadata --locked` in `root` (dependencies resolved from `Cargo.lock`).
    pub fn load(root: &Path) -> Result<Self> {
        let mut command = MetadataCommand::new();
        command
            .current_dir(root)
            .manifest_path(root.join("Cargo.toml"))
            .other_options(vec!["--locked".to_string()]);
        if let Some(cargo) = std::env::var_os("CARGO") {
            command.cargo_path(cargo);
        }
        let metadata = command
            .exec()
            .with_context(|| format!("running `cargo metadata --locked` in {}", root.display()))?;
        Ok(Self { metadata })
    }

    /// The members, in `cargo metadata`'s order (sorted by package id).
    pub fn members(&self) -> Vec<Member> {
        self.metadata
            .workspace_packages()
            .into_iter()
            .map(|package| Member {
                name: package.name.to_string(),
                version: package.version.to_string(),
                dir: package
                    .manifest_path
                    .parent()
                    .map(|dir| dir.as_std_path().to_path_buf())
                    .unwrap_or_default(),
                // `publish = []` (or `false`) allows no registry.
                publishable: package.publish.as_ref().is_none_or(|to| !to.is_empty()),
            })
            .collect()
    }

    /// The members crates.io gets.
    pub fn publishable(&self) -> Vec<Member> {
        self.members()
            .into_iter()
            .filter(|m| m.publishable)
            .collect()
    }

    /// The target directory (honours `CARGO_TARGET_DIR` and `.cargo/config.toml`).
    pub fn target_dir(&self) -> PathBuf {
        self.metadata.target_directory.as_std_path().to_path_buf()
    }

    /// The one version of `package` in the resolved dependency graph (what `Cargo.lock` pins).
    pub fn resolved_version(&self, package: &str) -> Result<String> {
        let mut versions: Vec<String> = self
            .metadata
            .packages
            .iter()
            .filter(|p| p.name.as_str() == package)
            .map(|p| p.version.to_string())
            .collect();
        versions.sort();
        versions.dedup();
        match versions.as_slice() {
            [one] => Ok(one.clone()),
            [] => bail!("{package} is not a dependency of the workspace"),
            many => bail!(
                "{package} is resolved at several versions ({}); pin one",
                many.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_versions_come_from_cargo_metadata() {
        let workspace = Workspace::load(&root()).expect("cargo metadata");
        let publishable: Vec<String> = workspace
            .publishable()
            .into_iter()
            .map(|m| m.name)
            .collect();
        for name in [
            "sailpoint-v2025",
            "sailpoint-v2025-client",
            "sailpoint-v2025-httpmock",
            "sailpoint-v2025-testkit",
        ] {
            assert!(publishable.iter().any(|p| p == name), "{publishable:?}");
        }
        assert!(
            !publishable.iter().any(|p| p == "xtask"),
            "xtask is not published"
        );
        let xtask = workspace
            .members()
            .into_iter()
            .find(|m| m.name == "xtask")
            .expect("xtask is a member");
        assert_eq!(xtask.dir, root().join("xtask"));
        // progenitor is pinned exactly in the workspace manifest.
        assert_eq!(
            workspace
                .resolved_version("progenitor-impl")
                .ok()
                .as_deref(),
            Some("0.15.1")
        );
        assert!(workspace.resolved_version("no-such-crate-here").is_err());
    }
}
