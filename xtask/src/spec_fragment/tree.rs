//! Reading an upstream tree: parsed-file cache, locations (`file#/json/pointer`), `$ref`
//! resolution relative to the referring file, and JSON pointers over YAML values.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use serde_yaml_ng::Value;

use super::error::VendorError;

/// A node in the upstream tree: a file (lexically normalised) and a JSON pointer into it
/// (`""` for the whole document, otherwise starting with `/`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Location {
    pub file: PathBuf,
    pub pointer: String,
}

impl Location {
    pub fn file(file: &Path) -> Self {
        Self {
            file: file.to_path_buf(),
            pointer: String::new(),
        }
    }

    /// The location of `key` (a mapping key or sequence index) under this one.
    pub fn child(&self, key: &str) -> Self {
        Self {
            file: self.file.clone(),
            pointer: format!("{}/{}", self.pointer, escape(key)),
        }
    }

    /// The location of the `index`-th item of a sequence at this location.
    pub fn item(&self, index: usize) -> Self {
        self.child(&index.to_string())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}#{}", self.file.display(), self.pointer)
        }
    }
}

/// Parsed files, each read at most once.
#[derive(Default)]
pub(super) struct Loader {
    cache: HashMap<PathBuf, Rc<Value>>,
    /// Files whose content ends up in the fragment (for the provenance header).
    pub used: BTreeSet<PathBuf>,
}

/// The text of `path`, or `None` if it does not exist (upstream trees differ in which files they
/// have, so a missing file is an answer, not an error).
pub(super) fn read_if_present(path: &Path) -> Result<Option<String>, VendorError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(VendorError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

impl Loader {
    /// The parsed file, or `None` if it does not exist.
    pub fn load(&mut self, path: &Path) -> Result<Option<Rc<Value>>, VendorError> {
        if let Some(value) = self.cache.get(path) {
            return Ok(Some(Rc::clone(value)));
        }
        let Some(text) = read_if_present(path)? else {
            return Ok(None);
        };
        let value: Value = serde_yaml_ng::from_str(&text).map_err(|err| VendorError::Parse {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
        let value = Rc::new(value);
        self.cache.insert(path.to_path_buf(), Rc::clone(&value));
        Ok(Some(value))
    }
}

/// Resolves `reference` (a `$ref` string) found in `from` to a location. Relative file parts are
/// relative to the directory of `from`; an empty file part means `from` itself. The error is a
/// reason suitable for [`VendorError::DanglingRef`].
pub(super) fn resolve(reference: &str, from: &Path) -> Result<Location, String> {
    if reference.contains("://") {
        return Err("remote references are not supported".to_owned());
    }
    let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "the fragment `#{fragment}` is not a JSON pointer (it must start with `/`)"
        ));
    }
    let file = if file_part.is_empty() {
        from.to_path_buf()
    } else {
        let dir = from.parent().unwrap_or_else(|| Path::new(""));
        normalize(&dir.join(percent_decode(file_part)))
    };
    Ok(Location {
        file,
        pointer: fragment.to_owned(),
    })
}

/// The node at `pointer` in `root`.
pub(super) fn pointer_get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut current = root;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let segment = unescape(raw);
        current = match current {
            Value::Mapping(mapping) => mapping
                .iter()
                .find(|(key, _)| key_str(key).as_deref() == Some(segment.as_str()))
                .map(|(_, value)| value)?,
            Value::Sequence(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The last segment of a non-empty JSON pointer, unescaped.
pub(super) fn last_segment(pointer: &str) -> Option<String> {
    pointer
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .map(unescape)
}

/// A mapping key as text (YAML keys such as `200:` parse as numbers).
pub(super) fn key_str(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Removes `.` and resolves `..` without touching the file system (so that two spellings of a
/// path compare equal even when the file does not exist).
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    percent_decode(segment)
        .replace("~1", "/")
        .replace("~0", "~")
}

/// Decodes `%XX` escapes; input that does not decode to UTF-8 is returned unchanged.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_pointer_and_local_refs() {
        let from = Path::new("tree/idn/v2025/paths/a.yaml");
        let loc = resolve("../schemas/B.yaml", from).unwrap();
        assert_eq!(loc.file, PathBuf::from("tree/idn/v2025/schemas/B.yaml"));
        assert_eq!(loc.pointer, "");
        let loc = resolve("./../../x.yaml#/components/schemas/X", from).unwrap();
        assert_eq!(loc.file, PathBuf::from("tree/idn/x.yaml"));
        assert_eq!(loc.pointer, "/components/schemas/X");
        let loc = resolve("#/defs/Y", from).unwrap();
        assert_eq!(loc.file, from);
        assert!(resolve("https://example.com/a.yaml", from).is_err());
        assert!(resolve("a.yaml#defs", from).is_err());
    }

    #[test]
    fn pointers_unescape_and_match_numeric_keys() {
        let value: Value =
            serde_yaml_ng::from_str("a/b:\n  200:\n    - x\n    - y\n'~k': 1\n").unwrap();
        assert_eq!(pointer_get(&value, "/a~1b/200/1"), Some(&Value::from("y")));
        assert_eq!(pointer_get(&value, "/~0k"), Some(&Value::from(1)));
        assert_eq!(pointer_get(&value, "/nope"), None);
        assert_eq!(last_segment("/components/schemas/Foo"), Some("Foo".into()));
        assert_eq!(percent_decode("a%20b%zz"), "a b%zz");
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../a/../../b")),
            PathBuf::from("../../b")
        );
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }
}
