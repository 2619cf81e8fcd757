//! The context-aware walk that turns the selected upstream operations into self-contained YAML.
//!
//! What a `$ref` becomes depends on where it sits, not on the folder it points into:
//!
//! * in a schema position (a media type's `schema`, `properties`, `items`, `allOf`, …) it becomes
//!   a component schema, named by the referenced file's stem (or the last JSON pointer segment
//!   for `file.yaml#/…` and `#/…` refs) and referenced as `#/components/schemas/Name`;
//! * parameters, responses, headers, request bodies and examples are inlined; an inline schema of
//!   a parameter that came from its own file is hoisted to a component named like the file when
//!   it is a type of its own (an enum, an object: rule `scalar-parameters-stay-inline`), and
//!   an inline object schema of a response body is hoisted to `{Operation}{status}Response`
//!   after the first operation (root-document order) that uses that response;
//! * `example`, `default`, `enum` and other literal values are copied verbatim, so a `$ref` key
//!   inside an example is never treated as a reference.

mod scalar_parameters;

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;

use serde_yaml_ng::{Mapping, Value};

use super::error::VendorError;
use super::naming::Naming;
use super::tree::{Loader, Location, key_str, last_segment, pointer_get, resolve};

type Result<T, E = VendorError> = std::result::Result<T, E>;

/// The HTTP methods a path item can hold, as OpenAPI 3.0 spells them.
pub(super) const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The first operation (in root-document order) whose `responses` reference a response file.
pub(super) struct FirstUse {
    pub operation_id: Option<String>,
    /// The status code under which that operation uses the response.
    pub status: String,
    /// Where that operation is (for error messages).
    pub at: Location,
}

/// A component schema being built; `value` is `None` while its own body is being walked (so a
/// recursive schema refers to itself instead of looping).
struct Component {
    identity: Location,
    value: Option<Value>,
}

/// Which response an inline response-body schema belongs to, for naming it.
#[derive(Clone, Copy)]
struct ResponseSite<'s> {
    status: &'s str,
    /// The location of the response file the operation referenced (`None` for a response
    /// written inline in the operation).
    identity: Option<&'s Location>,
}

pub(super) struct Walker<'a> {
    loader: &'a mut Loader,
    first_uses: &'a HashMap<Location, FirstUse>,
    naming: &'a Naming,
    /// The operation being walked (names its inline response bodies).
    operation_id: String,
    schemas: BTreeMap<String, Component>,
    /// Locations being inlined right now, to report cycles.
    stack: Vec<Location>,
}

impl<'a> Walker<'a> {
    pub fn new(
        loader: &'a mut Loader,
        first_uses: &'a HashMap<Location, FirstUse>,
        naming: &'a Naming,
    ) -> Self {
        Self {
            loader,
            first_uses,
            naming,
            operation_id: String::new(),
            schemas: BTreeMap::new(),
            stack: Vec::new(),
        }
    }

    /// The component schemas collected so far, sorted by name.
    pub fn into_schemas(self) -> Result<Mapping> {
        let mut out = Mapping::new();
        for (name, component) in self.schemas {
            let value = component.value.ok_or_else(|| VendorError::Invalid {
                at: component.identity.to_string(),
                message: format!("component schema `{name}` was never completed"),
            })?;
            out.insert(Value::String(name), value);
        }
        Ok(out)
    }

    /// The path item holding only the selected `(method, operationId)`s (plus path-level keys
    /// such as `parameters`), methods in the order written.
    pub fn path_item(
        &mut self,
        item: &Mapping,
        at: &Location,
        methods: &[(String, String)],
    ) -> Result<Mapping> {
        let mut out = Mapping::new();
        for (key, value) in item {
            let name = key_str(key).unwrap_or_default();
            let selected = methods.iter().find(|(method, _)| *method == name);
            let new = if let Some((_, operation_id)) = selected {
                operation_id.clone_into(&mut self.operation_id);
                self.operation(value, &at.child(&name))?
            } else if HTTP_METHODS.contains(&name.as_str()) || name == "$ref" {
                continue;
            } else if name == "parameters" {
                self.parameters(value, &at.child(&name))?
            } else {
                value.clone()
            };
            out.insert(key.clone(), new);
        }
        Ok(out)
    }

    /// A value that may be a `$ref`, inlined as written (used for security schemes).
    pub fn inline_verbatim(&mut self, value: &Value, at: &Location) -> Result<Value> {
        match ref_of(value, at)? {
            Some(reference) => {
                let (loc, target) = self.follow(reference, at)?;
                self.enter(&loc)?;
                let out = self.inline_verbatim(&target, &loc);
                self.leave();
                out
            }
            None => Ok(value.clone()),
        }
    }

    fn operation(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let operation = as_mapping(value, at, "an operation")?;
        let mut out = Mapping::new();
        for (key, value) in operation {
            let new = match key_str(key).as_deref() {
                Some(k @ "parameters") => self.parameters(value, &at.child(k))?,
                Some(k @ "requestBody") => self.request_body(value, &at.child(k))?,
                Some(k @ "responses") => self.responses(value, &at.child(k))?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn parameters(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let Value::Sequence(items) = value else {
            return Err(invalid(at, "`parameters` must be a list"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            out.push(self.parameter(item, &at.item(index), None)?);
        }
        Ok(Value::Sequence(out))
    }

    /// `file_name` is the component name derived from the file the parameter came from, if any.
    fn parameter(
        &mut self,
        value: &Value,
        at: &Location,
        file_name: Option<&str>,
    ) -> Result<Value> {
        if let Some(reference) = ref_of(value, at)? {
            let (loc, target) = self.follow(reference, at)?;
            let name = self
                .naming
                .qualify(&component_name(reference, &loc, at)?, &loc.file);
            self.enter(&loc)?;
            let out = self.parameter(&target, &loc, Some(&name));
            self.leave();
            return out;
        }
        let parameter = as_mapping(value, at, "a parameter")?;
        let mut out = Mapping::new();
        for (key, value) in parameter {
            let new = match key_str(key).as_deref() {
                Some(k @ "schema") => {
                    let schema_at = at.child(k);
                    match file_name {
                        Some(name)
                            if value.is_mapping()
                                && ref_of(value, &schema_at)?.is_none()
                                && scalar_parameters::is_named_type(value) =>
                        {
                            component_ref(&self.hoist(name, &schema_at, value)?)
                        }
                        _ => self.schema(value, &schema_at)?,
                    }
                }
                Some(k @ "content") => self.content(value, &at.child(k), None)?,
                Some(k @ "examples") => self.examples(value, &at.child(k))?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn request_body(&mut self, value: &Value, at: &Location) -> Result<Value> {
        if let Some(reference) = ref_of(value, at)? {
            let (loc, target) = self.follow(reference, at)?;
            self.enter(&loc)?;
            let out = self.request_body(&target, &loc);
            self.leave();
            return out;
        }
        let body = as_mapping(value, at, "a request body")?;
        let mut out = Mapping::new();
        for (key, value) in body {
            let new = match key_str(key).as_deref() {
                Some(k @ "content") => self.content(value, &at.child(k), None)?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn responses(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let responses = as_mapping(value, at, "`responses`")?;
        let mut out = Mapping::new();
        for (key, value) in responses {
            let status =
                key_str(key).ok_or_else(|| invalid(at, "a response key is not a status code"))?;
            let new = self.response(value, &at.child(&status), &status, None)?;
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    /// `identity` is the response file the operation referenced directly (the first `$ref` of a
    /// chain), which decides the name of a hoisted body schema.
    fn response(
        &mut self,
        value: &Value,
        at: &Location,
        status: &str,
        identity: Option<&Location>,
    ) -> Result<Value> {
        if let Some(reference) = ref_of(value, at)? {
            let (loc, target) = self.follow(reference, at)?;
            self.enter(&loc)?;
            let identity = identity.unwrap_or(&loc).clone();
            let out = self.response(&target, &loc, status, Some(&identity));
            self.leave();
            return out;
        }
        let response = as_mapping(value, at, "a response")?;
        let site = ResponseSite { status, identity };
        let mut out = Mapping::new();
        for (key, value) in response {
            let new = match key_str(key).as_deref() {
                Some(k @ "content") => self.content(value, &at.child(k), Some(site))?,
                Some(k @ "headers") => self.headers(value, &at.child(k))?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn headers(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let headers = as_mapping(value, at, "`headers`")?;
        let mut out = Mapping::new();
        for (key, value) in headers {
            let name = key_str(key).unwrap_or_default();
            out.insert(key.clone(), self.header(value, &at.child(&name))?);
        }
        Ok(Value::Mapping(out))
    }

    fn header(&mut self, value: &Value, at: &Location) -> Result<Value> {
        if let Some(reference) = ref_of(value, at)? {
            let (loc, target) = self.follow(reference, at)?;
            self.enter(&loc)?;
            let out = self.header(&target, &loc);
            self.leave();
            return out;
        }
        let header = as_mapping(value, at, "a header")?;
        let mut out = Mapping::new();
        for (key, value) in header {
            let new = match key_str(key).as_deref() {
                Some(k @ "schema") => self.schema(value, &at.child(k))?,
                Some(k @ "content") => self.content(value, &at.child(k), None)?,
                Some(k @ "examples") => self.examples(value, &at.child(k))?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn content(
        &mut self,
        value: &Value,
        at: &Location,
        site: Option<ResponseSite<'_>>,
    ) -> Result<Value> {
        let content = as_mapping(value, at, "`content`")?;
        let mut out = Mapping::new();
        for (key, value) in content {
            let media_type = key_str(key).unwrap_or_default();
            out.insert(
                key.clone(),
                self.media_type(value, &at.child(&media_type), site)?,
            );
        }
        Ok(Value::Mapping(out))
    }

    fn media_type(
        &mut self,
        value: &Value,
        at: &Location,
        site: Option<ResponseSite<'_>>,
    ) -> Result<Value> {
        let media_type = as_mapping(value, at, "a media type")?;
        let mut out = Mapping::new();
        for (key, value) in media_type {
            let new = match key_str(key).as_deref() {
                Some(k @ "schema") => {
                    let schema_at = at.child(k);
                    match site {
                        Some(site) if is_inline_object(value) => {
                            let name = self.response_schema_name(site)?;
                            component_ref(&self.hoist(&name, &schema_at, value)?)
                        }
                        _ => self.schema(value, &schema_at)?,
                    }
                }
                Some(k @ "examples") => self.examples(value, &at.child(k))?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn examples(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let examples = as_mapping(value, at, "`examples`")?;
        let mut out = Mapping::new();
        for (key, value) in examples {
            let name = key_str(key).unwrap_or_default();
            out.insert(key.clone(), self.inline_verbatim(value, &at.child(&name))?);
        }
        Ok(Value::Mapping(out))
    }

    /// openapi-generator's name for an inline response body: `{OperationId}{status}Response`
    /// after the first operation using the response.
    fn response_schema_name(&self, site: ResponseSite<'_>) -> Result<String> {
        let first = site.identity.and_then(|loc| self.first_uses.get(loc));
        let (operation_id, status) = match first {
            Some(first) => {
                let operation_id = first.operation_id.as_deref().ok_or_else(|| {
                    invalid(
                        &first.at,
                        "this operation is the first to use a response whose inline schema \
                         is named after it, but it has no operationId",
                    )
                })?;
                (operation_id, first.status.as_str())
            }
            None => (self.operation_id.as_str(), site.status),
        };
        Ok(format!(
            "{}{}Response",
            pascal(operation_id),
            pascal(status)
        ))
    }

    fn schema(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let Value::Mapping(schema) = value else {
            return Ok(value.clone());
        };
        if let Some(reference) = ref_of(value, at)? {
            let name = self.schema_component(reference, at)?;
            let mut out = Mapping::new();
            for (key, value) in schema {
                if key.as_str() == Some("$ref") {
                    out.insert(key.clone(), Value::String(component_pointer(&name)));
                } else {
                    out.insert(key.clone(), value.clone());
                }
            }
            return Ok(Value::Mapping(out));
        }
        let mut out = Mapping::new();
        for (key, value) in schema {
            let new = match key_str(key).as_deref() {
                Some(k @ "properties") => self.schema_map(value, &at.child(k))?,
                Some(k @ ("items" | "not")) => self.schema(value, &at.child(k))?,
                Some(k @ "additionalProperties") => self.schema(value, &at.child(k))?,
                Some(k @ ("allOf" | "anyOf" | "oneOf")) => self.schema_list(value, &at.child(k))?,
                Some(k @ "discriminator") => self.discriminator(value, &at.child(k))?,
                _ => value.clone(),
            };
            out.insert(key.clone(), new);
        }
        Ok(Value::Mapping(out))
    }

    fn schema_map(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let Value::Mapping(schemas) = value else {
            return Ok(value.clone());
        };
        let mut out = Mapping::new();
        for (key, value) in schemas {
            let name = key_str(key).unwrap_or_default();
            out.insert(key.clone(), self.schema(value, &at.child(&name))?);
        }
        Ok(Value::Mapping(out))
    }

    fn schema_list(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let Value::Sequence(schemas) = value else {
            return Ok(value.clone());
        };
        let mut out = Vec::with_capacity(schemas.len());
        for (index, schema) in schemas.iter().enumerate() {
            out.push(self.schema(schema, &at.item(index))?);
        }
        Ok(Value::Sequence(out))
    }

    /// `discriminator.mapping` values that are references (not bare schema names) are rewritten
    /// to the component they name.
    fn discriminator(&mut self, value: &Value, at: &Location) -> Result<Value> {
        let Value::Mapping(discriminator) = value else {
            return Ok(value.clone());
        };
        let mut out = discriminator.clone();
        if let Some(Value::Mapping(mapping)) = discriminator.get("mapping") {
            let mapping_at = at.child("mapping");
            let mut new = Mapping::new();
            for (key, target) in mapping {
                let value = match target.as_str() {
                    Some(reference) if looks_like_ref(reference) => {
                        let entry_at = mapping_at.child(&key_str(key).unwrap_or_default());
                        Value::String(component_pointer(
                            &self.schema_component(reference, &entry_at)?,
                        ))
                    }
                    _ => target.clone(),
                };
                new.insert(key.clone(), value);
            }
            out.insert(Value::from("mapping"), Value::Mapping(new));
        }
        Ok(Value::Mapping(out))
    }

    /// Registers the schema `reference` points at (following `$ref`-only aliases to their end)
    /// and returns its component name.
    fn schema_component(&mut self, reference: &str, at: &Location) -> Result<String> {
        let (mut loc, mut target) = self.follow(reference, at)?;
        let name = component_name(reference, &loc, at)?;
        let name_file = loc.file.clone();
        let depth = self.stack.len();
        self.enter(&loc)?;
        while let Some(next) = ref_of(&target, &loc)? {
            let next = next.to_owned();
            let (next_loc, next_target) = self.follow(&next, &loc)?;
            self.enter(&next_loc)?;
            loc = next_loc;
            target = next_target;
        }
        self.stack.truncate(depth);
        // Qualified by where the name comes from (the referenced file), see `naming.rs`.
        let name = self.naming.qualify(&name, &name_file);
        self.hoist(&name, &loc, &target)
    }

    /// Makes `schema` (found at `identity`) the component `name`, unless it already is.
    fn hoist(&mut self, name: &str, identity: &Location, schema: &Value) -> Result<String> {
        match self.schemas.get(name) {
            Some(existing) if existing.identity == *identity => return Ok(name.to_owned()),
            Some(existing) => {
                return Err(VendorError::NameClash {
                    name: name.to_owned(),
                    first: existing.identity.to_string(),
                    second: identity.to_string(),
                });
            }
            None => {}
        }
        self.schemas.insert(
            name.to_owned(),
            Component {
                identity: identity.clone(),
                value: None,
            },
        );
        let value = self.schema(schema, identity)?;
        if let Some(component) = self.schemas.get_mut(name) {
            component.value = Some(value);
        }
        Ok(name.to_owned())
    }

    /// Resolves `reference` found at `at` and returns the target's location and a copy of it.
    fn follow(&mut self, reference: &str, at: &Location) -> Result<(Location, Value)> {
        let dangling = |reason: String| VendorError::DanglingRef {
            referrer: at.to_string(),
            reference: reference.to_owned(),
            reason,
        };
        let loc = resolve(reference, &at.file).map_err(dangling)?;
        let document = self
            .loader
            .load(&loc.file)?
            .ok_or_else(|| dangling(format!("{} does not exist", loc.file.display())))?;
        let value = pointer_get(&document, &loc.pointer)
            .ok_or_else(|| {
                dangling(format!(
                    "{} has no node at #{}",
                    loc.file.display(),
                    loc.pointer
                ))
            })?
            .clone();
        self.loader.used.insert(loc.file.clone());
        Ok((loc, value))
    }

    fn enter(&mut self, loc: &Location) -> Result<()> {
        if let Some(start) = self.stack.iter().position(|seen| seen == loc) {
            let mut cycle: Vec<String> = self.stack[start..]
                .iter()
                .map(ToString::to_string)
                .collect();
            cycle.push(loc.to_string());
            return Err(VendorError::CyclicRef { cycle });
        }
        self.stack.push(loc.clone());
        Ok(())
    }

    fn leave(&mut self) {
        self.stack.pop();
    }
}

/// The `$ref` string of a reference object, if `value` is one.
pub(super) fn ref_of<'v>(value: &'v Value, at: &Location) -> Result<Option<&'v str>> {
    let Value::Mapping(mapping) = value else {
        return Ok(None);
    };
    match mapping.get("$ref") {
        None => Ok(None),
        Some(Value::String(reference)) => Ok(Some(reference)),
        Some(_) => Err(invalid(&at.child("$ref"), "`$ref` must be a string")),
    }
}

fn as_mapping<'v>(value: &'v Value, at: &Location, what: &str) -> Result<&'v Mapping> {
    value
        .as_mapping()
        .ok_or_else(|| invalid(at, &format!("expected {what} (a mapping)")))
}

pub(super) fn invalid(at: &Location, message: &str) -> VendorError {
    VendorError::Invalid {
        at: at.to_string(),
        message: message.to_owned(),
    }
}

/// The component name for a `$ref`: the last JSON pointer segment if the ref has one, else the
/// file stem (`../schemas/ErrorResponseDto.yaml` -> `ErrorResponseDto`).
fn component_name(reference: &str, loc: &Location, at: &Location) -> Result<String> {
    let name = if loc.pointer.is_empty() {
        loc.file
            .file_stem()
            .and_then(OsStr::to_str)
            .map(str::to_owned)
    } else {
        last_segment(&loc.pointer)
    };
    name.filter(|name| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    })
    .ok_or_else(|| {
        invalid(
            at,
            &format!(
                "cannot derive a component name (letters, digits, `.`, `-`, `_`) from $ref \
                 `{reference}`"
            ),
        )
    })
}

fn component_pointer(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

fn component_ref(name: &str) -> Value {
    let mut out = Mapping::new();
    out.insert(Value::from("$ref"), Value::String(component_pointer(name)));
    Value::Mapping(out)
}

/// An inline schema openapi-generator would turn into its own model.
fn is_inline_object(value: &Value) -> bool {
    let Value::Mapping(schema) = value else {
        return false;
    };
    !schema.contains_key("$ref")
        && (schema.get("type").and_then(Value::as_str) == Some("object")
            || schema.contains_key("properties"))
}

fn looks_like_ref(text: &str) -> bool {
    text.contains('#')
        || text.contains('/')
        || [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| text.ends_with(ext))
}

/// openapi-generator's `camelize`: `listAccessProfiles` -> `ListAccessProfiles`,
/// `get_thing` -> `GetThing`, `200` -> `200`.
pub(super) fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_matches_openapi_generator_camelize() {
        assert_eq!(pascal("listAccessProfiles"), "ListAccessProfiles");
        assert_eq!(
            pascal("send_classify-machine account"),
            "SendClassifyMachineAccount"
        );
        assert_eq!(
            format!(
                "{}{}Response",
                pascal("sendClassifyMachineAccount"),
                pascal("200")
            ),
            "SendClassifyMachineAccount200Response"
        );
    }
}
