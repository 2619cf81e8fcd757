//! Tests of `cargo xtask vendor` over the small trees in `xtask/tests/fixtures/spec-trees/`
//! (never the real upstream trees, and never writing files).

use std::path::PathBuf;

use serde_yaml_ng::{Mapping, Value};

use super::*;

/// The operation the single-operation fixtures are built around.
const DEFAULT_OPERATION: &str = "sendClassifyMachineAccount";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec-trees")
        .join(name)
}

fn vendor_ok(tree: &str, operation_id: &str) -> (String, Value) {
    let yaml = match vendor_fragment(&fixture(tree), &[operation_id]) {
        Ok(yaml) => yaml,
        Err(err) => panic!("vendoring {operation_id} from {tree} failed: {err:#}"),
    };
    let value: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    (yaml, value)
}

fn vendor_err(tree: &str, operation_id: &str) -> VendorError {
    match vendor_fragment(&fixture(tree), &[operation_id]) {
        Ok(_) => panic!("vendoring {operation_id} from {tree} should fail"),
        Err(err) => match err.downcast::<VendorError>() {
            Ok(err) => err,
            Err(err) => panic!("expected a VendorError, got: {err:#}"),
        },
    }
}

/// `value` at a `/`-separated path of mapping keys or sequence indexes.
fn at<'v>(value: &'v Value, path: &str) -> &'v Value {
    let mut current = value;
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        current = match current {
            Value::Mapping(mapping) => mapping
                .get(segment)
                .unwrap_or_else(|| panic!("no `{segment}` in {path}")),
            Value::Sequence(items) => &items[segment.parse::<usize>().unwrap()],
            _ => panic!("cannot index into {path} at `{segment}`"),
        };
    }
    current
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

fn schema_ref(name: &str) -> Value {
    let mut mapping = Mapping::new();
    mapping.insert("$ref".into(), format!("#/components/schemas/{name}").into());
    Value::Mapping(mapping)
}

fn root_document(tree: &str) -> Value {
    let text = fs::read_to_string(fixture(tree).join(ROOT_DOCUMENT)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

#[test]
fn happy_path_has_exactly_the_sdk_component_names() {
    let (_, doc) = vendor_ok("happy", DEFAULT_OPERATION);
    assert_eq!(
        keys(at(&doc, "components/schemas")),
        [
            "ClassificationMode",
            "ErrorMessageDto",
            "ErrorResponseDto",
            "ListAccessProfiles401Response",
            "ListAccessProfiles429Response",
            "LocaleOrigin",
            "SendClassifyMachineAccount200Response",
        ]
    );
    assert_eq!(
        keys(&doc),
        ["openapi", "info", "servers", "tags", "paths", "components"]
    );
}

#[test]
fn happy_path_keeps_only_the_operation_and_its_tag() {
    let (_, doc) = vendor_ok("happy", DEFAULT_OPERATION);
    let root = root_document("happy");
    let paths = at(&doc, "paths").as_mapping().unwrap();
    assert_eq!(paths.len(), 1);
    let item = &paths["/accounts/{id}/classify"];
    assert_eq!(keys(item), ["post"]);
    assert_eq!(
        at(item, "post/operationId"),
        &Value::from(DEFAULT_OPERATION)
    );
    let tags = at(&doc, "tags").as_sequence().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(&tags[0], at(&root, "tags/1"));
    for key in ["openapi", "info", "servers"] {
        assert_eq!(at(&doc, key), at(&root, key));
    }
    // The operation has its own security, so the root's global one is not copied.
    assert!(doc.get("security").is_none());
    assert_eq!(
        at(&doc, "components/securitySchemes"),
        at(&root, "components/securitySchemes")
    );
}

#[test]
fn parameters_are_inlined_and_a_file_parameters_schema_is_hoisted() {
    let (_, doc) = vendor_ok("happy", DEFAULT_OPERATION);
    let post = at(&doc, "paths").as_mapping().unwrap()["/accounts/{id}/classify"]["post"].clone();
    let parameters = at(&post, "parameters").as_sequence().unwrap();
    let names: Vec<&str> = parameters
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["id", "classificationMode", "X-SailPoint-Experimental"]
    );
    // The inline path parameter stays as written, extensions and example included.
    assert_eq!(
        at(&post, "parameters/0/schema/type"),
        &Value::from("string")
    );
    assert_eq!(
        at(&post, "parameters/0/x-sailpoint-resource-operation-id"),
        &Value::from("listAccounts")
    );
    // The parameter file is inlined, in its key order; its inline schema becomes a component.
    assert_eq!(
        keys(&parameters[1]),
        ["in", "name", "schema", "description", "required", "example"]
    );
    assert_eq!(
        at(&post, "parameters/1/schema"),
        &schema_ref("ClassificationMode")
    );
    assert_eq!(
        at(&doc, "components/schemas/ClassificationMode/enum")
            .as_sequence()
            .unwrap()
            .len(),
        4
    );
    // The experimental header keeps its (string-typed) schema and boolean example.
    assert_eq!(at(&post, "parameters/2/in"), &Value::from("header"));
    assert_eq!(at(&post, "parameters/2/example"), &Value::from(true));
    assert_eq!(at(&post, "parameters/2/schema/default"), &Value::from(true));
    assert_eq!(
        at(&post, "x-sailpoint-userLevels"),
        &serde_yaml_ng::from_str::<Value>("[API, ORG_ADMIN]").unwrap()
    );
}

#[test]
fn responses_are_inlined_and_inline_bodies_named_after_their_first_user() {
    let (_, doc) = vendor_ok("happy", DEFAULT_OPERATION);
    let responses =
        at(&doc, "paths").as_mapping().unwrap()["/accounts/{id}/classify"]["post"]["responses"]
            .clone();
    assert_eq!(keys(&responses), ["200", "400", "401", "403", "429", "500"]);
    let body = |status: &str| responses[status]["content"]["application/json"].clone();
    assert_eq!(
        body("200")["schema"],
        schema_ref("SendClassifyMachineAccount200Response")
    );
    // listAccessProfiles (the first path, `get` written first) uses 401.yaml and 429.yaml first;
    // listJunk before it uses only 400.yaml, createAccessProfile and listLater come later.
    assert_eq!(
        body("401")["schema"],
        schema_ref("ListAccessProfiles401Response")
    );
    assert_eq!(
        body("429")["schema"],
        schema_ref("ListAccessProfiles429Response")
    );
    for status in ["400", "403", "500"] {
        assert_eq!(body(status)["schema"], schema_ref("ErrorResponseDto"));
    }
    // Response descriptions and examples are kept, a `$ref` key inside example data included.
    assert_eq!(
        responses["401"]["description"],
        Value::from(
            "Unauthorized - Returned if there is no authorization header, or if the JWT token is \
             expired."
        )
    );
    let example = &body("403")["examples"]["403"]["value"];
    assert_eq!(example["detailCode"], Value::from("403 Forbidden"));
    assert_eq!(
        example["$ref"],
        Value::from("not a reference, just example data")
    );
    // The hoisted bodies are the upstream inline schemas.
    assert_eq!(
        at(
            &doc,
            "components/schemas/ListAccessProfiles401Response/properties/error/example"
        ),
        &Value::from("JWT validation failed: JWT is expired")
    );
    assert_eq!(
        at(
            &doc,
            "components/schemas/SendClassifyMachineAccount200Response/properties/isMachine/default"
        ),
        &Value::from(false)
    );
}

#[test]
fn nested_schema_refs_become_components() {
    let (_, doc) = vendor_ok("happy", DEFAULT_OPERATION);
    let schemas = at(&doc, "components/schemas");
    assert_eq!(
        at(schemas, "ErrorResponseDto/properties/messages/items"),
        &schema_ref("ErrorMessageDto")
    );
    assert_eq!(
        at(schemas, "ErrorResponseDto/properties/causes/items"),
        &schema_ref("ErrorMessageDto")
    );
    assert_eq!(
        at(schemas, "ErrorMessageDto/properties/localeOrigin"),
        &schema_ref("LocaleOrigin")
    );
    assert_eq!(
        at(schemas, "LocaleOrigin/enum"),
        &serde_yaml_ng::from_str::<Value>("[DEFAULT, REQUEST, null]").unwrap()
    );
    // `type : object` (with a space) is still the key `type`, kept in upstream order.
    assert_eq!(
        keys(at(schemas, "ErrorResponseDto")),
        ["type", "title", "properties"]
    );
}

#[test]
fn quoted_and_unquoted_refs_resolve_alike() {
    // 400.yaml refs ErrorResponseDto single-quoted, 403.yaml double-quoted, 500.yaml unquoted;
    // ErrorResponseDto refs ErrorMessageDto both quoted and unquoted.
    let (_, doc) = vendor_ok("happy", DEFAULT_OPERATION);
    let responses =
        &at(&doc, "paths").as_mapping().unwrap()["/accounts/{id}/classify"]["post"]["responses"];
    for status in ["400", "403", "500"] {
        assert_eq!(
            responses[status]["content"]["application/json"]["schema"],
            schema_ref("ErrorResponseDto")
        );
    }
}

#[test]
fn root_components_local_refs_and_recursion() {
    let (yaml, doc) = vendor_ok("happy", "get_thing");
    let schemas = at(&doc, "components/schemas");
    assert_eq!(keys(schemas), ["Other", "Thing"]);
    // `Other` is written inline in the root document; its local `#/components/schemas/Thing`
    // is the root's alias of Thing.yaml, which refers to itself (directly and via the root).
    assert_eq!(at(schemas, "Other/properties/thing"), &schema_ref("Thing"));
    assert_eq!(
        at(schemas, "Thing/properties/children/items"),
        &schema_ref("Thing")
    );
    assert_eq!(at(schemas, "Thing/properties/owner"), &schema_ref("Thing"));
    let ok = &at(&doc, "paths").as_mapping().unwrap()["/things/{id}"]["get"]["responses"]["200"];
    assert_eq!(ok["description"], Value::from("The thing."));
    // A header and an example referenced from within the path file are inlined.
    assert_eq!(
        ok["headers"]["X-Thing-Version"]["schema"]["type"],
        Value::from("integer")
    );
    assert_eq!(
        ok["content"]["application/json"]["examples"]["one"]["value"]["id"],
        Value::from("t1")
    );
    // No own security: the root's global requirement comes along, with the scheme it names.
    assert_eq!(keys(at(&doc, "components/securitySchemes")), ["userAuth"]);
    assert!(doc.get("security").is_some());
    assert!(yaml.contains("#   idn/v2025/examples/thing.yaml\n"));
}

#[test]
fn output_is_deterministic_with_a_header_and_trailing_newline() {
    let (first, _) = vendor_ok("happy", DEFAULT_OPERATION);
    let (second, _) = vendor_ok("happy", DEFAULT_OPERATION);
    assert_eq!(first, second);
    assert!(first.ends_with('\n') && !first.ends_with("\n\n"));
    assert!(first.starts_with("# SailPoint Identity Security Cloud v2025 API"));
    assert!(first.contains("cargo xtask vendor --upstream <api-specs tree>"));
    assert!(first.contains("# Operations (upstream order):\n#   sendClassifyMachineAccount\n"));
    // The fixture folder is not named api-specs-<commit>.
    assert!(first.contains("upstream commit unknown (pass --commit)"));
    let header: Vec<&str> = first.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(header.contains(&"#   idn/v2025/schemas/LocaleOrigin.yaml"));
    assert!(header.contains(&"#   idn/sailpoint-api.v2025.yaml"));
    // Files only scanned for names are not sources.
    assert!(!header.iter().any(|l| l.contains("access-profiles.yaml")));
    let ids = [DEFAULT_OPERATION.to_owned()];
    let without = vendor(&fixture("happy"), &ids, None).unwrap();
    let warning = without
        .commit_warning
        .expect("a warning when the commit is unknown");
    assert!(warning.contains("pass --commit"), "{warning}");
    let with_commit = vendor(&fixture("happy"), &ids, Some("81EF79D")).unwrap();
    assert_eq!(with_commit.commit_warning, None);
    assert!(with_commit.yaml.contains("upstream commit 81ef79d.\n"));
    assert_eq!(
        with_commit.missing_path_files,
        ["idn/v2025/paths/does-not-exist.yaml"]
    );
    assert!(vendor(&fixture("happy"), &ids, Some("main")).is_err());
}

#[test]
fn output_parses_as_openapi_3() {
    for operation in [DEFAULT_OPERATION, "get_thing"] {
        let (yaml, _) = vendor_ok("happy", operation);
        let spec: openapiv3::OpenAPI = match serde_yaml_ng::from_str(&yaml) {
            Ok(spec) => spec,
            Err(err) => panic!("{operation}: not OpenAPI: {err}"),
        };
        assert_eq!(spec.openapi, "3.0.1");
        assert_eq!(spec.paths.paths.len(), 1);
    }
}

#[test]
fn commit_is_read_from_an_api_specs_folder_name() {
    assert_eq!(
        commit_from_dir_name(Path::new("/nowhere/api-specs-81ef79d")),
        Some("81ef79d".to_owned())
    );
    assert_eq!(
        commit_from_dir_name(Path::new("/nowhere/api-specs-main")),
        None
    );
    assert_eq!(commit_from_dir_name(Path::new("/nowhere/81ef79d")), None);
}

#[test]
fn recursive_schema_is_not_a_cycle() {
    let (_, doc) = vendor_ok("broken", "recursiveSchema");
    assert_eq!(
        at(&doc, "components/schemas/Node/properties/children/items"),
        &schema_ref("Node")
    );
}

#[test]
fn error_missing_tree() {
    let err = vendor_err("does-not-exist", DEFAULT_OPERATION);
    assert!(matches!(err, VendorError::MissingTree { .. }), "{err}");
    assert!(err.to_string().contains("does-not-exist"), "{err}");
}

#[test]
fn error_missing_root_document() {
    let err = vendor_err("no-root", DEFAULT_OPERATION);
    let VendorError::MissingRoot { path } = &err else {
        panic!("unexpected error: {err}");
    };
    assert!(
        path.ends_with("no-root/idn/sailpoint-api.v2025.yaml"),
        "{err}"
    );
}

#[test]
fn error_unknown_operation_names_the_searched_files() {
    let err = vendor_err("happy", "noSuchOperation");
    let VendorError::OperationNotFound {
        searched, missing, ..
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(
        searched,
        &[
            "idn/v2025/paths/junk.yaml",
            "idn/v2025/paths/access-profiles.yaml",
            "idn/v2025/paths/thing.yaml",
            "idn/v2025/paths/machine-account-classify.yaml",
            "idn/v2025/paths/later.yaml",
        ]
    );
    assert_eq!(missing, &["idn/v2025/paths/does-not-exist.yaml"]);
    let message = err.to_string();
    assert!(message.contains("`noSuchOperation`"), "{message}");
    assert!(message.contains("idn/v2025/paths/later.yaml"), "{message}");
    assert!(message.contains("does-not-exist.yaml"), "{message}");
}

#[test]
fn error_dangling_file_ref_names_referrer_and_ref() {
    let err = vendor_err("broken", "danglingFile");
    let VendorError::DanglingRef {
        referrer,
        reference,
        ..
    } = &err
    else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(reference, "../schemas/Missing.yaml");
    assert!(
        referrer.ends_with(
            "paths/dangling-file.yaml#/get/responses/200/content/application~1json/schema"
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("Missing.yaml does not exist"),
        "{err}"
    );
}

#[test]
fn error_dangling_pointer_ref() {
    let err = vendor_err("broken", "danglingPointer");
    assert!(matches!(err, VendorError::DanglingRef { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("`../schemas/Node.yaml#/definitions/Nope`"),
        "{message}"
    );
    assert!(
        message.contains("has no node at #/definitions/Nope"),
        "{message}"
    );
}

#[test]
fn error_cyclic_schema_aliases_name_the_cycle() {
    let err = vendor_err("broken", "cyclicSchema");
    let VendorError::CyclicRef { cycle } = &err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(cycle.len(), 3, "{err}");
    assert!(cycle[0].ends_with("schemas/A.yaml"), "{err}");
    assert!(cycle[1].ends_with("schemas/B.yaml"), "{err}");
    assert!(cycle[2].ends_with("schemas/A.yaml"), "{err}");
    assert!(err.to_string().starts_with("cyclic $ref: "), "{err}");
}

#[test]
fn error_cyclic_response_refs_name_the_cycle() {
    let err = vendor_err("broken", "cyclicResponse");
    let VendorError::CyclicRef { cycle } = &err else {
        panic!("unexpected error: {err}");
    };
    assert!(
        cycle.first().unwrap().ends_with("responses/loop.yaml"),
        "{err}"
    );
    assert!(cycle[1].ends_with("responses/loop-again.yaml"), "{err}");
    assert!(
        cycle.last().unwrap().ends_with("responses/loop.yaml"),
        "{err}"
    );
}

#[test]
fn error_yaml_parse_names_the_file() {
    let err = vendor_err("broken", "badYaml");
    let VendorError::Parse { path, .. } = &err else {
        panic!("unexpected error: {err}");
    };
    assert!(path.ends_with("schemas/Bad.yaml"), "{err}");
    // A broken path item file stops the search for operations written after it.
    let err = vendor_err("broken", "noSuchOperation");
    let VendorError::Parse { path, .. } = &err else {
        panic!("unexpected error: {err}");
    };
    assert!(path.ends_with("paths/broken.yaml"), "{err}");
    assert!(err.to_string().contains("paths/broken.yaml"), "{err}");
}

#[test]
fn error_openapi_not_3_0() {
    let err = vendor_err("openapi-31", DEFAULT_OPERATION);
    let VendorError::UnsupportedOpenApi { found, .. } = &err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(found, "3.1.0");
    assert!(err.to_string().contains("only OpenAPI 3.0.x"), "{err}");
}

/// `schemas/Node.yaml` and `schemas/other/Node.yaml` are `Node` and `OtherNode` (rule 6), but a
/// pointer `Defs.yaml#/Node` directly in `schemas/` would be `Node` too: a clash, reported.
#[test]
fn error_two_schemas_with_one_name() {
    let err = vendor_err("broken", "nameClash");
    let VendorError::NameClash { name, .. } = &err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(name, "Node");
}

/// The checked-in fragment (written from the real upstream tree) is OpenAPI 3.0 with exactly the
/// component names the generator and the facade rely on, and the operations of the list.
#[test]
fn checked_in_fragment_parses_and_has_the_sdk_names() {
    let root = crate::workspace::root();
    let path = root.join(FRAGMENT_PATH);
    let text = fs::read_to_string(&path).unwrap();
    let spec: openapiv3::OpenAPI = match serde_yaml_ng::from_str(&text) {
        Ok(spec) => spec,
        Err(err) => panic!("{} is not OpenAPI: {err}", path.display()),
    };
    assert!(spec.openapi.starts_with("3.0."));
    let names: Vec<&str> = spec
        .components
        .as_ref()
        .unwrap()
        .schemas
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "Account",
            "BaseCommonDto",
            "BaseReferenceDto",
            "ClassificationMode",
            "DtoType",
            "ErrorMessageDto",
            "ErrorResponseDto",
            "ListAccessProfiles401Response",
            "ListAccessProfiles429Response",
            "LocaleOrigin",
            "MachineAccount",
            "MachineClassificationConfig",
            "MachineClassificationCriteriaLevel1",
            "MachineClassificationCriteriaLevel2",
            "MachineClassificationCriteriaLevel3",
            "MachineClassificationCriteriaOperation",
            "Recommendation",
            "SendClassifyMachineAccount200Response",
            "SendClassifyMachineAccountFromSource200Response",
            "SourceClassificationStatus",
        ]
    );
    let mut operations: Vec<String> = spec
        .operations()
        .map(|(p, m, o)| format!("{} {m} {p}", o.operation_id.clone().unwrap_or_default()))
        .collect();
    operations.sort();
    assert_eq!(
        operations,
        [
            "deleteClassifyMachineAccountFromSource delete /sources/{sourceId}/classify",
            "deleteMachineClassificationConfig delete /sources/{sourceId}/machine-classification-config",
            "getClassifyMachineAccountFromSourceStatus get /sources/{sourceId}/classify",
            "getMachineAccount get /machine-accounts/{id}",
            "getMachineClassificationConfig get /sources/{sourceId}/machine-classification-config",
            "listAccounts get /accounts",
            "listMachineAccounts get /machine-accounts",
            "sendClassifyMachineAccount post /accounts/{id}/classify",
            "sendClassifyMachineAccountFromSource post /sources/{sourceId}/classify",
            "sendDeclassifyMachineAccountFromSource post /sources/{sourceId}/declassify",
            "setMachineClassificationConfig put /sources/{sourceId}/machine-classification-config",
        ]
    );
    let mut listed = read_operation_list(&root.join(OPERATIONS_PATH)).unwrap();
    listed.sort();
    let mut ids: Vec<String> = spec
        .operations()
        .filter_map(|(_, _, o)| o.operation_id.clone())
        .collect();
    ids.sort();
    assert_eq!(
        ids, listed,
        "the fragment holds exactly the listed operations"
    );
    assert!(text.starts_with("# SailPoint Identity Security Cloud v2025 API"));
}

/// Rule `scalar-parameters-stay-inline`, on the checked-in fragment: upstream's shared
/// collection parameters (`../parameters/*.yaml`) keep plain integer and boolean schemas.
#[test]
fn collection_parameters_are_plain_in_the_checked_in_fragment() {
    let text = fs::read_to_string(crate::workspace::root().join(FRAGMENT_PATH)).unwrap();
    let spec: Value = serde_yaml_ng::from_str(&text).unwrap();
    for path in ["/accounts", "/machine-accounts"] {
        let parameters = spec["paths"][path]["get"]["parameters"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{path} has parameters"));
        for (name, kind) in [
            ("limit", "integer"),
            ("offset", "integer"),
            ("count", "boolean"),
        ] {
            let parameter = parameters
                .iter()
                .find(|p| p["name"].as_str() == Some(name))
                .unwrap_or_else(|| panic!("{path} has {name}"));
            assert_eq!(parameter["in"].as_str(), Some("query"));
            assert_eq!(
                parameter["schema"]["type"].as_str(),
                Some(kind),
                "{path} {name}"
            );
            assert!(parameter["schema"].get("$ref").is_none(), "{path} {name}");
        }
    }
    assert!(spec["components"]["schemas"].get("limit").is_none());
}

// ----- several operations (the `family` fixture) -----

fn family_ids() -> Vec<String> {
    [
        "sendClassifyMachineAccount",
        "getSourceConfig",
        "classifySource",
        "cancelSourceClassification",
        "putSourceConfig",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn several_operations_merge_into_one_fragment_in_upstream_order() {
    let vendored = vendor(&fixture("family"), &family_ids(), Some("abcdef1")).unwrap();
    let doc: Value = serde_yaml_ng::from_str(&vendored.yaml).unwrap();
    // Paths in root order; only the selected methods, in the order written.
    let paths = at(&doc, "paths").as_mapping().unwrap();
    let keys: Vec<&str> = paths.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "/sources/{sourceId}/config",
            "/sources/{sourceId}/classify",
            "/accounts/{id}/classify"
        ]
    );
    assert_eq!(
        keys_of(&paths["/sources/{sourceId}/config"]),
        ["get", "put"]
    );
    assert_eq!(
        keys_of(&paths["/sources/{sourceId}/classify"]),
        ["post", "delete"],
        "the unselected `get` is left out"
    );
    // The header lists the operations in upstream order.
    assert!(vendored.yaml.contains(
        "#   getSourceConfig\n#   putSourceConfig\n#   classifySource\n#   \
         cancelSourceClassification\n#   sendClassifyMachineAccount\n"
    ));
    // Shared schemas once; inline bodies named after their operation; both tags.
    assert_eq!(
        vendored.schemas,
        [
            "ClassifySource200Response",
            "ErrorResponseDto",
            "ListJunk404Response",
            "SendClassifyMachineAccount200Response",
            "SourceConfig",
        ]
    );
    let tags: Vec<&str> = at(&doc, "tags")
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "Classify Source",
            "Machine Account Classify",
            "Source Config"
        ]
    );
    // The path parameter disagreeing with the template is kept as upstream wrote it.
    assert_eq!(
        paths["/sources/{sourceId}/classify"]["delete"]["parameters"][0]["name"],
        Value::from("id")
    );
    // The 32-digit example in an unrelated path file did not stop anything.
    assert!(!vendored.sources.iter().any(|s| s.contains("approvals")));
}

fn keys_of(value: &Value) -> Vec<String> {
    keys(value)
}

#[test]
fn a_missing_operation_among_several_is_named() {
    let mut ids = family_ids();
    ids.push("noSuchThing".to_owned());
    let err = vendor(&fixture("family"), &ids, None).unwrap_err();
    let err = err.downcast::<VendorError>().unwrap();
    assert!(
        matches!(&err, VendorError::OperationNotFound { operation_id, .. } if operation_id == "noSuchThing"),
        "{err}"
    );
}

#[test]
fn a_full_parse_of_the_unrelated_file_would_fail() {
    // The control for the test above: the big number really is beyond a YAML value.
    let text =
        fs::read_to_string(fixture("family").join("idn/v2025/paths/approvals.yaml")).unwrap();
    assert!(serde_yaml_ng::from_str::<Value>(&text).is_err());
}

#[test]
fn the_change_report_sees_an_added_header_parameter() {
    let old = vendor(&fixture("family"), &family_ids(), None)
        .unwrap()
        .yaml;
    let new = old.replacen(
        "      parameters:\n",
        "      parameters:\n      - {in: header, name: X-New, required: true, schema: {type: string}}\n",
        1,
    );
    let report = changes::compare(&old, &new).unwrap();
    assert_eq!(report.breaking(), 1);
    let text = report.render("fragment", false);
    assert!(
        text.contains("+ parameter header X-New (required)  [BREAKING]"),
        "{text}"
    );
}

/// The report describes the generated API: upstream renaming the path parameter `id` under
/// `{sourceId}` to `sourceId` is what `path-parameter-names` already does, so the generated code
/// does not change and nothing is reported (the faithful comparison calls it BREAKING).
#[test]
fn the_change_report_compares_after_the_adjustments() {
    let old = vendor(&fixture("family"), &family_ids(), None)
        .unwrap()
        .yaml;
    assert!(old.contains("/sources/{sourceId}/classify"));
    let renamed = rename_stray_path_ids(&old);
    assert_ne!(
        renamed, old,
        "the fixture has an `id` under a `{{sourceId}}` template"
    );
    let faithful = changes::compare(&old, &renamed).unwrap();
    assert!(faithful.breaking() > 0, "{}", faithful.render("f", false));
    let generated = changes::compare_as_generated(&old, &renamed).unwrap();
    assert_eq!(
        generated.changes.len(),
        0,
        "{}",
        generated.render("fragment", true)
    );
    // A change the generated code does see is still BREAKING.
    let new = old.replacen(
        "      parameters:\n",
        "      parameters:\n      - {in: header, name: X-New, required: true, schema: {type: string}}\n",
        1,
    );
    assert_eq!(
        changes::compare_as_generated(&old, &new)
            .unwrap()
            .breaking(),
        1
    );
}

/// The fragment with each path parameter named `id` under a template without `{id}` renamed to
/// the template's variable (what upstream would do to fix its quirk).
fn rename_stray_path_ids(yaml: &str) -> String {
    let mut doc: Value = serde_yaml_ng::from_str(yaml).unwrap();
    let paths = doc["paths"].as_mapping_mut().unwrap();
    for (path, item) in paths.iter_mut() {
        let path = path.as_str().unwrap().to_owned();
        if path.contains("{id}") {
            continue;
        }
        let Some(var) = path.split('{').nth(1).and_then(|r| r.split('}').next()) else {
            continue;
        };
        for (_, op) in item.as_mapping_mut().unwrap().iter_mut() {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_sequence_mut) else {
                continue;
            };
            for param in params {
                if param["in"] == "path" && param["name"] == "id" {
                    param["name"] = Value::from(var);
                }
            }
        }
    }
    serde_yaml_ng::to_string(&doc).unwrap()
}

/// `cargo xtask vendor --upstream ../shared/upstream/api-specs-81ef79d` reproduces the
/// checked-in fragment byte for byte. The upstream trees are not part of the repository: the
/// test looks for them next to the workspace (`../shared/upstream`) or in
/// `SAILPOINT_UPSTREAM_SPECS`, and says loudly when it cannot run.
#[test]
fn vendoring_the_recorded_upstream_commit_reproduces_the_checked_in_fragment() {
    let root = crate::workspace::root();
    let candidates = [
        std::env::var_os("SAILPOINT_UPSTREAM_SPECS").map(PathBuf::from),
        Some(root.join("../shared/upstream")),
    ];
    let Some(trees) = candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("api-specs-81ef79d").is_dir())
    else {
        eprintln!(
            "*** SKIPPED: no upstream trees (set SAILPOINT_UPSTREAM_SPECS to the folder holding \
             api-specs-81ef79d) ***"
        );
        return;
    };
    let ids = read_operation_list(&root.join(OPERATIONS_PATH)).unwrap();
    let checked_in = fs::read_to_string(root.join(FRAGMENT_PATH)).unwrap();
    let vendored = vendor(&trees.join("api-specs-81ef79d"), &ids, None).unwrap();
    assert!(
        vendored.yaml == checked_in,
        "re-vendoring 81ef79d changed the fragment:\n{}",
        changes::compare(&checked_in, &vendored.yaml)
            .map(|r| r.render("the checked-in fragment", true))
            .unwrap_or_default()
    );
    // The tree from 2026-05 with the 32-digit example vendors too.
    let may = vendor(&trees.join("api-specs-ac8f14f"), &ids, None).unwrap();
    assert!(may.yaml.contains("upstream commit ac8f14f."));
}

/// Rule 6 of `openapi/README.md`: a schema of another version tree whose stem the root tree
/// also holds is qualified with its tree; a stem repeated inside a tree is qualified with its
/// folders; unique names are unchanged. All of it without a clash, whatever is selected.
#[test]
fn colliding_component_names_are_qualified_deterministically() {
    let ids: Vec<String> = ["getThing", "getOldThing", "getSchedules", "patchThing"]
        .into_iter()
        .map(String::from)
        .collect();
    let vendored = vendor(&fixture("versions"), &ids, Some("abcdef1")).expect("vendors");
    assert_eq!(
        vendored.schemas,
        [
            "GetSchedules200Response",
            "JsonPatchOperation",
            "Part",
            "Schedule",
            "ScheduleSchedule",
            "Thing",
            "V2024Thing",
        ]
    );
    let value: Value = serde_yaml_ng::from_str(&vendored.yaml).unwrap();
    let old = &at(
        &value["paths"]["/old-things/{id}"],
        "get/responses/200/content",
    )["application/json"]["schema"]["$ref"];
    assert_eq!(old.as_str(), Some("#/components/schemas/V2024Thing"));
    assert!(at(&value, "components/schemas/V2024Thing/properties/part").is_mapping());

    // The root tree's `Thing` keeps its name whether or not the v2024 one is selected, and the
    // v2024 one keeps its qualified name alone too: names do not depend on the selection.
    let alone = |id: &str| {
        vendor(&fixture("versions"), &[id.to_owned()], Some("abcdef1"))
            .expect("vendors")
            .schemas
    };
    assert_eq!(alone("getThing"), ["Thing"]);
    assert_eq!(alone("getOldThing"), ["Part", "V2024Thing"]);
}

/// An operation that cannot be vendored fails the run, naming the file; with
/// `--skip-unsupported` it is left out and listed with the reason, here and in the header.
#[test]
fn unvendorable_operations_are_named_and_skipped_on_request() {
    let ids: Vec<String> = ["getThing", "getBroken"]
        .into_iter()
        .map(String::from)
        .collect();
    let err = vendor(&fixture("versions"), &ids, Some("abcdef1")).expect_err("dangling ref");
    assert!(err.to_string().contains("v3/schemas/Missing.yaml"), "{err}");

    let vendored =
        vendor_with(&fixture("versions"), &ids, Some("abcdef1"), true).expect("the rest vendors");
    assert_eq!(vendored.skipped.len(), 1);
    assert_eq!(vendored.skipped[0].operation_id, "getBroken");
    assert!(vendored.skipped[0].reason.contains("Missing.yaml"));
    assert_eq!(vendored.schemas, ["Thing"]);
    assert!(
        vendored
            .yaml
            .contains("# Left out (`--skip-unsupported`), with the reason:\n#   getBroken: "),
        "{}",
        vendored.yaml
    );
    assert!(
        !vendored.sources.iter().any(|s| s.contains("broken")),
        "{:?}",
        vendored.sources
    );
    let value: Value = serde_yaml_ng::from_str(&vendored.yaml).unwrap();
    assert_eq!(keys(at(&value, "paths")), ["/things/{id}"]);
}

/// `--all-operations`: every operation of every path item file the root document refers to,
/// in root order (methods as written).
#[test]
fn all_operation_ids_are_read_from_the_root_documents_path_files() {
    let ids = all_operation_ids(&fixture("versions")).expect("reads");
    assert_eq!(
        ids,
        [
            "getThing",
            "patchThing",
            "uploadThing",
            "getOldThing",
            "getSchedules",
            "getBroken"
        ]
    );
}
