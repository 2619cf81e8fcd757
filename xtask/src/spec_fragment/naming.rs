//! Component names that never collide and stay stable.
//!
//! The v2025 root document refers into other version trees of the same repository
//! (`idn/v2024/…`, `idn/beta/…`), whose schema files often share a stem with a different schema
//! of the root document's own tree (`idn/v2024/schemas/BackupResponse.yaml` next to
//! `idn/v2025/schemas/BackupResponse.yaml`). Naming both by their stem would make one name mean
//! two schemas. The rule (documented in `openapi/README.md`, rule 6):
//!
//! * a schema defined in the root document's own tree keeps its SailPoint-SDK name (the stem, or
//!   the pointer's last segment);
//! * a schema defined in another version tree keeps that name too, unless the root tree holds a
//!   schema or parameter file with the same stem; then the name is qualified with its tree's
//!   name in PascalCase: `V2024BackupResponse`, `BetaSchedule`;
//! * within one tree, a stem that names several files (`schemas/Schedule.yaml` and
//!   `schemas/schedule/Schedule.yaml`) keeps the plain name for the file directly in `schemas/`;
//!   the others are qualified with their folders below `schemas/` in PascalCase
//!   (`ScheduleSchedule`; `parameters/Foo.yaml` would be `ParametersFoo`), after the tree's
//!   qualifier when there is one (`V2024ScheduleSchedule`).
//!
//! Stems are compared as the Rust type names they become (PascalCase): `schemas/search/
//! Index.yaml` and `parameters/path/search/index.yaml` are one name to the generated crate, so
//! they count as a repeated stem (`SearchIndex`, `ParametersPathSearchIndex`), and a foreign
//! `selector.yaml` as sharing the root tree's `Selector.yaml`.
//!
//! The decision depends on the upstream tree only, never on which operations are selected, so
//! adding an operation to `openapi/operations.txt` never renames a component another operation
//! already uses.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use heck::ToPascalCase;

/// Where component names are decided: the version trees' parent (`idn/`), the root document's
/// own tree, and the stems of that tree's schema and parameter files.
#[derive(Debug, Default)]
pub(super) struct Naming {
    /// `<upstream>/idn`: every version tree is a folder in it.
    trees: PathBuf,
    /// The root document's own version tree (`v2025`).
    root_tree: String,
    /// The file stems of the root tree, outside `paths/` (path item files never name a
    /// schema), as type names (PascalCase).
    root_stems: BTreeSet<String>,
    /// Per tree, the stems (as type names) that name more than one file in it (outside
    /// `paths/`).
    repeated_stems: BTreeMap<String, BTreeSet<String>>,
}

impl Naming {
    /// The naming of the tree whose root document is `root_document` (`<upstream>/idn/
    /// sailpoint-api.v2025.yaml`, whose own tree is `<upstream>/idn/v2025`).
    pub fn for_root_document(root_document: &Path) -> Self {
        let trees = root_document
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let root_tree = root_document
            .file_stem()
            .and_then(OsStr::to_str)
            .and_then(|stem| stem.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let mut repeated_stems = BTreeMap::new();
        let mut root_stems = BTreeSet::new();
        for entry in fs::read_dir(&trees).into_iter().flatten().flatten() {
            let Some(tree) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !entry.path().is_dir() {
                continue;
            }
            let mut counts = BTreeMap::new();
            collect_stems(&entry.path(), &mut counts);
            if tree == root_tree {
                root_stems = counts.keys().cloned().collect();
            }
            let repeated = counts
                .into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(stem, _)| stem)
                .collect();
            repeated_stems.insert(tree, repeated);
        }
        Self {
            trees,
            root_tree,
            root_stems,
            repeated_stems,
        }
    }

    /// The component name of a schema named `name` by the SDK rules and defined in `file`.
    pub fn qualify(&self, name: &str, file: &Path) -> String {
        let Some((tree, folders)) = self.place(file) else {
            return name.to_owned();
        };
        let mut qualified = String::new();
        let type_name = name.to_pascal_case();
        if tree != self.root_tree && self.root_stems.contains(&type_name) {
            qualified.push_str(&tree.to_pascal_case());
        }
        let repeated = self
            .repeated_stems
            .get(&tree)
            .is_some_and(|stems| stems.contains(&type_name));
        if repeated {
            let below_schemas = folders.strip_prefix("schemas").unwrap_or(&folders);
            qualified.push_str(&below_schemas.to_pascal_case());
        }
        // A qualified name is read as one type name (`ParametersPathSearchIndex`); a plain one
        // stays exactly SailPoint's.
        if qualified.is_empty() {
            qualified.push_str(name);
        } else {
            qualified.push_str(&type_name);
        }
        qualified
    }

    /// The version tree `file` is in and its folders inside that tree (`schemas/schedule`);
    /// `None` for the root document itself and files outside the trees.
    fn place(&self, file: &Path) -> Option<(String, String)> {
        let relative = file.strip_prefix(&self.trees).ok()?;
        let mut components: Vec<&str> = relative
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<_>>()?;
        // The tree, at least one more component: the file itself.
        if components.len() < 2 {
            return None;
        }
        components.pop();
        let tree = components.remove(0).to_owned();
        Some((tree, components.join("/")))
    }
}

/// Counts the stems of the YAML files under `dir` (recursively, `paths/` excluded) in `stems`,
/// by the type name each becomes.
fn collect_stems(dir: &Path, stems: &mut BTreeMap<String, usize>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name() != Some(OsStr::new("paths")) {
                collect_stems(&path, stems);
            }
        } else if matches!(
            path.extension().and_then(OsStr::to_str),
            Some("yaml" | "yml")
        ) && let Some(stem) = path.file_stem().and_then(OsStr::to_str)
        {
            *stems.entry(stem.to_pascal_case()).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(stems: &[&str]) -> Naming {
        let set = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Naming {
            trees: PathBuf::from("/up/idn"),
            root_tree: "v2025".to_owned(),
            root_stems: set(stems),
            repeated_stems: [
                ("v2025".to_owned(), set(&["Schedule"])),
                ("v2024".to_owned(), set(&["Schedule"])),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn only_foreign_schemas_sharing_a_root_stem_are_qualified() {
        let naming = naming(&["BackupResponse", "Schedule"]);
        let q = |name, file: &str| naming.qualify(name, Path::new(file));
        assert_eq!(
            q(
                "BackupResponse",
                "/up/idn/v2025/schemas/BackupResponse.yaml"
            ),
            "BackupResponse"
        );
        assert_eq!(
            q(
                "BackupResponse",
                "/up/idn/v2024/schemas/BackupResponse.yaml"
            ),
            "V2024BackupResponse"
        );
        assert_eq!(
            q("Schedule", "/up/idn/beta/schemas/x/Schedule.yaml"),
            "BetaSchedule"
        );
        // A stem repeated inside one tree: the file directly in `schemas/` keeps the name.
        assert_eq!(
            q("Schedule", "/up/idn/v2025/schemas/Schedule.yaml"),
            "Schedule"
        );
        assert_eq!(
            q("Schedule", "/up/idn/v2025/schemas/schedule/Schedule.yaml"),
            "ScheduleSchedule"
        );
        assert_eq!(
            q("Schedule", "/up/idn/v2024/schemas/schedule/Schedule.yaml"),
            "V2024ScheduleSchedule"
        );
        // Unique names keep their SDK names, wherever they are defined.
        assert_eq!(
            q("OnlyInBeta", "/up/idn/beta/schemas/OnlyInBeta.yaml"),
            "OnlyInBeta"
        );
        // The root document itself and files outside the trees are never qualified.
        assert_eq!(
            q("Schedule", "/up/idn/sailpoint-api.v2025.yaml"),
            "Schedule"
        );
        assert_eq!(q("Schedule", "/elsewhere/Schedule.yaml"), "Schedule");
    }

    #[test]
    fn stems_are_compared_as_the_type_names_they_become() {
        let naming = naming(&["BackupResponse", "Schedule"]);
        let repeated = Naming {
            repeated_stems: [("v2025".to_owned(), ["Index".to_owned()].into())].into(),
            ..naming
        };
        let q = |name, file: &str| repeated.qualify(name, Path::new(file));
        assert_eq!(
            q("Index", "/up/idn/v2025/schemas/search/Index.yaml"),
            "SearchIndex"
        );
        assert_eq!(
            q("index", "/up/idn/v2025/parameters/path/search/index.yaml"),
            "ParametersPathSearchIndex"
        );
        assert_eq!(
            q("schedule", "/up/idn/v2024/schemas/app/schedule.yaml"),
            "V2024Schedule"
        );
    }

    #[test]
    fn the_root_tree_is_named_by_the_root_document() {
        let naming = Naming::for_root_document(Path::new("/nowhere/idn/sailpoint-api.v2025.yaml"));
        assert_eq!(naming.root_tree, "v2025");
        assert_eq!(naming.trees, Path::new("/nowhere/idn"));
        assert!(naming.root_stems.is_empty());
    }
}
