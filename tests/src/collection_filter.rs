//! ISC's V3 collection `filters` syntax: parsing, checking against what an operation supports,
//! and evaluating on an item.
//!
//! Grammar (keywords case-insensitive, as ISC accepts them):
//!
//! ```text
//! expr       := and_expr ("or" and_expr)*
//! and_expr   := unary ("and" unary)*
//! unary      := "not" unary | "(" expr ")" | comparison
//! comparison := field ("eq"|"ne"|"sw"|"co"|"gt"|"lt"|"ge"|"le") value
//!             | field "in" "(" value ("," value)* ")"
//!             | field ("isnull"|"pr")
//! value      := "string with \" and \\ escapes" | true | false | null | number
//! field      := letter (letter | digit | "_" | ".")*
//! ```

use std::fmt;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Sw,
    Co,
    Gt,
    Lt,
    Ge,
    Le,
    In,
    IsNull,
    Pr,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Sw => "sw",
            Op::Co => "co",
            Op::Gt => "gt",
            Op::Lt => "lt",
            Op::Ge => "ge",
            Op::Le => "le",
            Op::In => "in",
            Op::IsNull => "isnull",
            Op::Pr => "pr",
        }
    }

    fn binary(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "sw" => Op::Sw,
            "co" => Op::Co,
            "gt" => Op::Gt,
            "lt" => Op::Lt,
            "ge" => Op::Ge,
            "le" => Op::Le,
            _ => return None,
        })
    }
}

/// A literal value in a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Bool(bool),
    Null,
    Number(f64),
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare {
        field: String,
        op: Op,
        values: Vec<Literal>,
    },
}

/// A field's value on an item, as a filter sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    Str(String),
    Bool(bool),
    Null,
}

/// Why a filter was refused (the text of the 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError(pub(crate) String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The deepest nesting accepted, so a hostile filter cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            '"' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(FilterError(format!(
                                "unterminated string starting at character {at}"
                            )));
                        }
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                            _ => {
                                return Err(FilterError(format!(
                                    "bad escape in the string starting at character {at}"
                                )));
                            }
                        },
                        Some((_, c)) => value.push(c),
                    }
                }
                tokens.push(Token::Str(value));
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') => {
                let mut word = String::from(c);
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
            other => {
                return Err(FilterError(format!(
                    "unexpected character {other:?} at character {at}"
                )));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expr(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError(format!(
                "nested deeper than {MAX_DEPTH} levels"
            )));
        }
        let mut left = self.and_expr(depth)?;
        while self.keyword("or") {
            self.at += 1;
            let right = self.and_expr(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.unary(depth)?;
        while self.keyword("and") {
            self.at += 1;
            let right = self.unary(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError(format!(
                "nested deeper than {MAX_DEPTH} levels"
            )));
        }
        if self.keyword("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.expr(depth + 1)?;
            return match self.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err(FilterError("missing `)`".into())),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, FilterError> {
        let field = match self.next() {
            Some(Token::Word(w)) if w.starts_with(|c: char| c.is_ascii_alphabetic()) => w,
            Some(other) => return Err(FilterError(format!("expected a field, found {other:?}"))),
            None => return Err(FilterError("expected a field, found the end".into())),
        };
        let op = match self.next() {
            Some(Token::Word(w)) => w,
            _ => return Err(FilterError(format!("expected an operator after `{field}`"))),
        };
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            "isnull" => Ok(Filter::Compare {
                field,
                op: Op::IsNull,
                values: Vec::new(),
            }),
            "pr" => Ok(Filter::Compare {
                field,
                op: Op::Pr,
                values: Vec::new(),
            }),
            "in" => {
                if self.next() != Some(Token::Open) {
                    return Err(FilterError(format!("expected `(` after `{field} in`")));
                }
                let mut values = vec![self.value()?];
                loop {
                    match self.next() {
                        Some(Token::Comma) => values.push(self.value()?),
                        Some(Token::Close) => break,
                        _ => return Err(FilterError("expected `,` or `)` in a list".into())),
                    }
                }
                Ok(Filter::Compare {
                    field,
                    op: Op::In,
                    values,
                })
            }
            _ => match Op::binary(&op) {
                Some(op) => Ok(Filter::Compare {
                    field,
                    op,
                    values: vec![self.value()?],
                }),
                None => Err(FilterError(format!("unknown operator `{op}`"))),
            },
        }
    }

    fn value(&mut self) -> Result<Literal, FilterError> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Literal::Str(s)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            Some(Token::Word(w)) => w
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Literal::Number)
                .ok_or_else(|| FilterError(format!("`{w}` is not a value (quote strings)"))),
            Some(other) => Err(FilterError(format!("expected a value, found {other:?}"))),
            None => Err(FilterError("expected a value, found the end".into())),
        }
    }
}

/// Parses a filter expression.
pub(crate) fn parse(text: &str) -> Result<Filter, FilterError> {
    if text.trim().is_empty() {
        return Err(FilterError("the filter is empty".into()));
    }
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
    };
    let filter = parser.expr(0)?;
    if parser.at < parser.tokens.len() {
        return Err(FilterError(format!(
            "unexpected {:?} after a complete expression",
            parser.tokens[parser.at]
        )));
    }
    Ok(filter)
}

/// One filterable field of an operation and the operators it supports.
pub(crate) struct FieldSupport {
    pub(crate) name: &'static str,
    pub(crate) ops: &'static [Op],
}

impl Filter {
    /// Refuses a field or operator the operation does not support, as ISC does.
    pub(crate) fn check(&self, supported: &[FieldSupport]) -> Result<(), FilterError> {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.check(supported)?;
                b.check(supported)
            }
            Filter::Not(inner) => inner.check(supported),
            Filter::Compare { field, op, .. } => {
                let Some(support) = supported.iter().find(|s| s.name == field) else {
                    return Err(FilterError(format!(
                        "filtering is not supported for the field `{field}`"
                    )));
                };
                if !support.ops.contains(op) {
                    return Err(FilterError(format!(
                        "the operator `{}` is not supported for the field `{field}`",
                        op.name()
                    )));
                }
                Ok(())
            }
        }
    }

    /// Whether an item matches; `lookup` gives a field's value.
    pub(crate) fn matches(&self, lookup: &dyn Fn(&str) -> FieldValue) -> bool {
        match self {
            Filter::And(a, b) => a.matches(lookup) && b.matches(lookup),
            Filter::Or(a, b) => a.matches(lookup) || b.matches(lookup),
            Filter::Not(inner) => !inner.matches(lookup),
            Filter::Compare { field, op, values } => {
                let value = lookup(field);
                match op {
                    Op::IsNull => value == FieldValue::Null,
                    Op::Pr => value != FieldValue::Null,
                    Op::In => values.iter().any(|v| equal(&value, v)),
                    Op::Eq => values.first().is_some_and(|v| equal(&value, v)),
                    Op::Ne => values.first().is_some_and(|v| !equal(&value, v)),
                    Op::Sw | Op::Co | Op::Gt | Op::Lt | Op::Ge | Op::Le => {
                        match (&value, values.first()) {
                            (FieldValue::Str(have), Some(Literal::Str(want))) => match op {
                                Op::Sw => have.starts_with(want.as_str()),
                                Op::Co => have.contains(want.as_str()),
                                Op::Gt => have > want,
                                Op::Lt => have < want,
                                Op::Ge => have >= want,
                                _ => have <= want,
                            },
                            _ => false,
                        }
                    }
                }
            }
        }
    }
}

fn equal(value: &FieldValue, literal: &Literal) -> bool {
    match (value, literal) {
        (FieldValue::Str(a), Literal::Str(b)) => a == b,
        (FieldValue::Bool(a), Literal::Bool(b)) => a == b,
        (FieldValue::Null, Literal::Null) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn account(field: &str) -> FieldValue {
        match field {
            "id" => FieldValue::Str("a1".into()),
            "name" => FieldValue::Str("svc-backup".into()),
            "sourceId" => FieldValue::Str("src-1".into()),
            "uncorrelated" => FieldValue::Bool(true),
            _ => FieldValue::Null,
        }
    }

    #[test]
    fn documented_examples_parse_and_match() {
        for (text, expected) in [
            (r#"sourceId eq "src-1""#, true),
            (r#"name sw "svc-""#, true),
            (r#"name SW "app-""#, false),
            (r#"id in ("a0","a1")"#, true),
            (r#"id in ("a0")"#, false),
            (r#"sourceId eq "src-1" and name sw "svc-""#, true),
            (r#"sourceId eq "src-2" or name sw "svc""#, true),
            (r#"not (sourceId eq "src-1")"#, false),
            ("uncorrelated eq true", true),
            ("identityId isnull", true),
            (r#"name eq "a \"quoted\" \\ name""#, false),
        ] {
            let filter = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(filter.matches(&account), expected, "{text}");
        }
    }

    #[test]
    fn malformed_filters_are_errors() {
        for text in [
            "",
            "   ",
            "name",
            "name eq",
            r#"name eq "unterminated"#,
            r#"name zz "x""#,
            r#"name eq "x" and"#,
            r#"(name eq "x""#,
            r#"name eq "x")"#,
            "name eq svc",
            r#"id in "a""#,
            r#"id in ("a" "b")"#,
            r#"name eq "x" name eq "y""#,
            "name eq \"a\\q\"",
            "@",
        ] {
            assert!(parse(text).is_err(), "{text:?} parsed");
        }
        let deep = format!("{}id eq \"a\"{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        let nots = format!("{}id eq \"a\"", "not ".repeat(100));
        assert!(parse(&nots).is_err());
    }

    #[test]
    fn unsupported_fields_and_operators_are_refused() {
        const SUPPORTED: &[FieldSupport] = &[FieldSupport {
            name: "name",
            ops: &[Op::Eq, Op::In, Op::Sw],
        }];
        assert!(parse(r#"name sw "a""#).unwrap().check(SUPPORTED).is_ok());
        let err = parse(r#"name co "a""#)
            .unwrap()
            .check(SUPPORTED)
            .unwrap_err();
        assert!(err.0.contains("`co`"), "{err}");
        let err = parse(r#"name eq "a" or owner eq "b""#)
            .unwrap()
            .check(SUPPORTED)
            .unwrap_err();
        assert!(err.0.contains("`owner`"), "{err}");
    }

    /// A generated filter and its expected printed form.
    fn arb_filter() -> impl Strategy<Value = Filter> {
        let value = prop_oneof![
            "[a-zA-Z0-9 _\\-\"\\\\$.]{0,12}".prop_map(Literal::Str),
            any::<bool>().prop_map(Literal::Bool),
            Just(Literal::Null),
        ];
        let leaf = (
            "[a-z][a-zA-Z0-9_.]{0,10}",
            prop_oneof![Just(Op::Eq), Just(Op::Ne), Just(Op::Sw), Just(Op::In)],
            prop::collection::vec(value, 1..4),
        )
            .prop_filter("keywords are not field names", |(field, _, _)| {
                !["and", "or", "not"].contains(&field.to_ascii_lowercase().as_str())
            })
            .prop_map(|(field, op, mut values)| {
                if op != Op::In {
                    values.truncate(1);
                }
                Filter::Compare { field, op, values }
            });
        leaf.prop_recursive(4, 16, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(a.into(), b.into())),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(a.into(), b.into())),
                inner.prop_map(|a| Filter::Not(a.into())),
            ]
        })
    }

    /// Prints a filter fully parenthesised, in the syntax `parse` reads.
    fn print(filter: &Filter) -> String {
        let literal = |v: &Literal| match v {
            Literal::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
            Literal::Bool(b) => b.to_string(),
            Literal::Null => "null".into(),
            Literal::Number(n) => n.to_string(),
        };
        match filter {
            Filter::And(a, b) => format!("({}) and ({})", print(a), print(b)),
            Filter::Or(a, b) => format!("({}) or ({})", print(a), print(b)),
            Filter::Not(a) => format!("not ({})", print(a)),
            Filter::Compare { field, op, values } if *op == Op::In => format!(
                "{field} in ({})",
                values.iter().map(literal).collect::<Vec<_>>().join(", ")
            ),
            Filter::Compare { field, op, values } => {
                format!("{field} {} {}", op.name(), literal(&values[0]))
            }
        }
    }

    proptest! {
        /// Anything at all: an answer (a filter or an error), never a panic.
        #[test]
        fn any_text_parses_or_is_an_error(text in ".{0,200}") {
            let _ = parse(&text);
        }

        /// Text made of the grammar's own pieces: still no panic.
        #[test]
        fn filter_shaped_text_parses_or_is_an_error(
            pieces in prop::collection::vec(
                prop_oneof![
                    Just("name"), Just("eq"), Just("in"), Just("sw"), Just("and"), Just("or"),
                    Just("not"), Just("("), Just(")"), Just(","), Just("\"x\""), Just("\""),
                    Just("\\"), Just("true"), Just("null"), Just("isnull"), Just("1e999"),
                ],
                0..40,
            )
        ) {
            let _ = parse(&pieces.join(" "));
        }

        /// Printing a filter and parsing it back gives the same filter.
        #[test]
        fn printed_filters_parse_back(filter in arb_filter()) {
            let text = print(&filter);
            prop_assert_eq!(parse(&text).map_err(|e| e.0), Ok(filter), "{}", text);
        }
    }
}
