//! Inputs and what they parse to; errors with PostgREST's exact texts. Cases marked "doctest"
//! are PostgREST's own examples (`QueryParams.hs`).

use super::parsec::{Src, describe};
use super::*;
use crate::plan::request::{
    Aggregate, AggregateFunction, Direction, Embed, Filter, IsValue, JoinType, JsonKey, JsonStep,
    Nulls, Operator, OrderTarget, Quantifier, ReadRequest, SelectField, TextSearch,
};

// ---- builders ------------------------------------------------------------------------------

fn key(k: &str) -> JsonKey {
    JsonKey::Key(k.into())
}

/// `data->a->>0` as `path("data", &[(false, key("a")), (true, JsonKey::Index(0))])`.
fn path(column: &str, steps: &[(bool, JsonKey)]) -> FieldPath {
    FieldPath {
        column: column.into(),
        json_path: steps
            .iter()
            .map(|(as_text, key)| JsonStep {
                as_text: *as_text,
                key: key.clone(),
            })
            .collect(),
    }
}

fn col(name: &str) -> SelectField {
    SelectField {
        field: FieldPath::column(name),
        alias: None,
        cast: None,
        aggregate: None,
    }
}

fn item(field: SelectField) -> SelectItem {
    SelectItem::Field(field)
}

fn aliased(alias: &str, mut field: SelectField) -> SelectField {
    field.alias = Some(alias.into());
    field
}

fn cast(cast: &str, mut field: SelectField) -> SelectField {
    field.cast = Some(cast.into());
    field
}

fn agg(
    function: AggregateFunction,
    input_cast: Option<&str>,
    mut field: SelectField,
) -> SelectField {
    field.aggregate = Some(Aggregate {
        function,
        input_cast: input_cast.map(Into::into),
    });
    field
}

fn embed(name: &str, select: Vec<SelectItem>) -> Embed {
    Embed {
        name: name.into(),
        alias: None,
        hint: None,
        join: None,
        spread: false,
        request: ReadRequest {
            select,
            ..ReadRequest::default()
        },
    }
}

fn cmp(op: Operator, value: &str) -> (bool, Condition) {
    (false, Condition::Compare(op, value.into()))
}

fn term(field: FieldPath, direction: Option<Direction>, nulls: Option<Nulls>) -> OrderTerm {
    OrderTerm {
        target: OrderTarget::Field(field),
        direction,
        nulls,
    }
}

fn leaf(column: &str, condition: Condition) -> LogicTree {
    LogicTree::Filter(Filter {
        field: FieldPath::column(column),
        negated: false,
        condition,
    })
}

/// The error as `column: details` (line 1), or the full error when it is not a parse error.
fn error<T: std::fmt::Debug>(result: Result<T, RequestError>) -> String {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(RequestError::Parse {
            line: 1,
            column,
            details,
            ..
        }) => format!("{column}: {details}"),
        Err(other) => format!("{other:?}"),
    }
}

// ---- select ----------------------------------------------------------------------------------

#[test]
fn select_columns_aliases_casts_and_json_paths() {
    use SelectItem::Star;
    let cases: Vec<(&str, Vec<SelectItem>)> = vec![
        ("", vec![]),
        ("*", vec![Star]),
        ("id", vec![item(col("id"))]),
        ("a,b", vec![item(col("a")), item(col("b"))]),
        (" a , b ", vec![item(col("a")), item(col("b"))]),
        ("\ta,\tb", vec![item(col("a")), item(col("b"))]),
        ("*,n:name", vec![Star, item(aliased("n", col("name")))]),
        ("salary::text", vec![item(cast("text", col("salary")))]),
        (
            "x::double precision",
            vec![item(cast("double precision", col("x")))],
        ),
        ("a:b::int", vec![item(aliased("a", cast("int", col("b"))))]),
        // PostgREST applies the first cast only when there is no aggregate.
        ("a::int::text", vec![item(cast("int", col("a")))]),
        ("first name", vec![item(col("first name"))]),
        ("first-name", vec![item(col("first-name"))]),
        ("$x_1", vec![item(col("$x_1"))]),
        ("123", vec![item(col("123"))]),
        ("naïve,名前", vec![item(col("naïve")), item(col("名前"))]),
        ("\"a.b,c:d(e)\"", vec![item(col("a.b,c:d(e)"))]),
        ("\"say \\\"hi\\\"\"", vec![item(col("say \"hi\""))]),
        ("\"a\\\\b\"", vec![item(col("a\\b"))]),
        ("\" padded \"", vec![item(col(" padded "))]),
        ("\"x y\":\"a.b\"", vec![item(aliased("x y", col("a.b")))]),
        (
            "data->a",
            vec![item(SelectField {
                field: path("data", &[(false, key("a"))]),
                ..col("")
            })],
        ),
        (
            "data->a->>b",
            vec![item(SelectField {
                field: path("data", &[(false, key("a")), (true, key("b"))]),
                ..col("")
            })],
        ),
        (
            "data->0,d->-1,d->>2",
            vec![
                item(SelectField {
                    field: path("data", &[(false, JsonKey::Index(0))]),
                    ..col("")
                }),
                item(SelectField {
                    field: path("d", &[(false, JsonKey::Index(-1))]),
                    ..col("")
                }),
                item(SelectField {
                    field: path("d", &[(true, JsonKey::Index(2))]),
                    ..col("")
                }),
            ],
        ),
        (
            "k:data->\"a.b\"->x y::text",
            vec![item(SelectField {
                field: path("data", &[(false, key("a.b")), (false, key("x y"))]),
                alias: Some("k".into()),
                cast: Some("text".into()),
                aggregate: None,
            })],
        ),
        (
            "data->!@#$%^&*_a",
            vec![item(SelectField {
                field: path("data", &[(false, key("!@#$%^&*_a"))]),
                ..col("")
            })],
        ),
        (
            "data->a-b->c",
            vec![item(SelectField {
                field: path("data", &[(false, key("a-b")), (false, key("c"))]),
                ..col("")
            })],
        ),
        // An index too large for i64 reads as a key.
        (
            "d->99999999999999999999",
            vec![item(SelectField {
                field: path("d", &[(false, key("99999999999999999999"))]),
                ..col("")
            })],
        ),
        // Like PostgREST, what follows a complete list is ignored.
        ("a)", vec![item(col("a"))]),
        ("a,b)c", vec![item(col("a")), item(col("b"))]),
        // ... and a list whose first item does not parse is empty.
        ("*!hint", vec![]),
    ];
    for (input, expected) in cases {
        assert_eq!(select(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn select_aggregates() {
    use AggregateFunction::*;
    let cases: Vec<(&str, Vec<SelectItem>)> = vec![
        (
            "count()",
            vec![SelectItem::Count {
                alias: None,
                cast: None,
            }],
        ),
        (
            "n:count()::int",
            vec![SelectItem::Count {
                alias: Some("n".into()),
                cast: Some("int".into()),
            }],
        ),
        ("x.sum()", vec![item(agg(Sum, None, col("x")))]),
        (
            "x.avg(),x.min(),x.max(),x.count()",
            vec![
                item(agg(Avg, None, col("x"))),
                item(agg(Min, None, col("x"))),
                item(agg(Max, None, col("x"))),
                item(agg(Count, None, col("x"))),
            ],
        ),
        (
            "x::numeric.sum()",
            vec![item(agg(Sum, Some("numeric"), col("x")))],
        ),
        (
            "x.avg()::int",
            vec![item(cast("int", agg(Avg, None, col("x"))))],
        ),
        (
            "t:x::numeric.avg()::int",
            vec![item(aliased(
                "t",
                cast("int", agg(Avg, Some("numeric"), col("x"))),
            ))],
        ),
        (
            "d->>n.sum()",
            vec![item(agg(
                Sum,
                None,
                SelectField {
                    field: path("d", &[(true, key("n"))]),
                    ..col("")
                },
            ))],
        ),
        (
            "rel(count())",
            vec![SelectItem::Embed(embed(
                "rel",
                vec![SelectItem::Count {
                    alias: None,
                    cast: None,
                }],
            ))],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(select(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn select_embeds() {
    let with = |f: &dyn Fn(&mut Embed), mut e: Embed| {
        f(&mut e);
        SelectItem::Embed(e)
    };
    let star = || vec![SelectItem::Star];
    let cases: Vec<(&str, Vec<SelectItem>)> = vec![
        ("rel(*)", vec![SelectItem::Embed(embed("rel", star()))]),
        ("rel()", vec![SelectItem::Embed(embed("rel", vec![]))]),
        (
            "a:rel(*)",
            vec![with(&|e| e.alias = Some("a".into()), embed("rel", star()))],
        ),
        (
            "rel!fk(*)",
            vec![with(&|e| e.hint = Some("fk".into()), embed("rel", star()))],
        ),
        (
            "rel!inner(*)",
            vec![with(
                &|e| e.join = Some(JoinType::Inner),
                embed("rel", star()),
            )],
        ),
        (
            "rel!left(*)",
            vec![with(
                &|e| e.join = Some(JoinType::Left),
                embed("rel", star()),
            )],
        ),
        (
            "a:rel!fk!inner(*)",
            vec![with(
                &|e| {
                    e.alias = Some("a".into());
                    e.hint = Some("fk".into());
                    e.join = Some(JoinType::Inner);
                },
                embed("rel", star()),
            )],
        ),
        (
            "rel!inner!fk(*)",
            vec![with(
                &|e| {
                    e.hint = Some("fk".into());
                    e.join = Some(JoinType::Inner);
                },
                embed("rel", star()),
            )],
        ),
        // The first hint and the first join count.
        (
            "rel!a!b(*)",
            vec![with(&|e| e.hint = Some("a".into()), embed("rel", star()))],
        ),
        (
            "...rel(a)",
            vec![with(
                &|e| e.spread = true,
                embed("rel", vec![item(col("a"))]),
            )],
        ),
        (
            "...rel!fk!left(a,b:c)",
            vec![with(
                &|e| {
                    e.spread = true;
                    e.hint = Some("fk".into());
                    e.join = Some(JoinType::Left);
                },
                embed("rel", vec![item(col("a")), item(aliased("b", col("c")))]),
            )],
        ),
        (
            "*,client(*,nested(*))",
            vec![
                SelectItem::Star,
                SelectItem::Embed(embed(
                    "client",
                    vec![SelectItem::Star, SelectItem::Embed(embed("nested", star()))],
                )),
            ],
        ),
        (
            "a(b(c(d(e(f(g(*)))))))",
            vec![SelectItem::Embed(embed(
                "a",
                vec![SelectItem::Embed(embed(
                    "b",
                    vec![SelectItem::Embed(embed(
                        "c",
                        vec![SelectItem::Embed(embed(
                            "d",
                            vec![SelectItem::Embed(embed(
                                "e",
                                vec![SelectItem::Embed(embed(
                                    "f",
                                    vec![SelectItem::Embed(embed("g", star()))],
                                ))],
                            ))],
                        ))],
                    ))],
                ))],
            ))],
        ),
        (
            " rel ( a , b ) , c ",
            vec![
                SelectItem::Embed(embed("rel", vec![item(col("a")), item(col("b"))])),
                item(col("c")),
            ],
        ),
        (
            "\"my rel.x\"(*)",
            vec![SelectItem::Embed(embed("my rel.x", star()))],
        ),
        (
            "rel(data->0)",
            vec![SelectItem::Embed(embed(
                "rel",
                // PostgREST's index needs `->`, `::`, `.`, `,` or the end after it; `)` makes a key.
                vec![item(SelectField {
                    field: path("data", &[(false, key("0"))]),
                    ..col("")
                })],
            ))],
        ),
        // The old brace syntax.
        ("rel{*}", vec![SelectItem::Embed(embed("rel", star()))]),
        (
            "a:rel!inner{b,c(d)},...s{e}",
            vec![
                with(
                    &|e| {
                        e.alias = Some("a".into());
                        e.join = Some(JoinType::Inner);
                    },
                    embed(
                        "rel",
                        vec![
                            item(col("b")),
                            SelectItem::Embed(embed("c", vec![item(col("d"))])),
                        ],
                    ),
                ),
                with(&|e| e.spread = true, embed("s", vec![item(col("e"))])),
            ],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(select(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn select_errors() {
    let cases = [
        // doctests
        (
            "id,clients(name[])",
            r#"16: unexpected '[' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input"#,
        ),
        (
            "data->>-78xy",
            r#"11: unexpected 'x' expecting digit, "->", "::", ".", "," or end of input"#,
        ),
        (
            "name!hint",
            r#"5: unexpected '!' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input"#,
        ),
        (
            "name::",
            "7: unexpected end of input expecting letter or digit",
        ),
        // more
        (
            "a,,b",
            r#"3: unexpected "," expecting "...", field name (* or [a..z0..9_$]), "*" or "count()""#,
        ),
        (
            "id,",
            r#"4: unexpected end of input expecting "...", field name (* or [a..z0..9_$]), "*" or "count()""#,
        ),
        (
            "a:",
            r#"3: unexpected end of input expecting ":" or field name (* or [a..z0..9_$])"#,
        ),
        (
            "rel(a",
            r#"6: unexpected end of input expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input"#,
        ),
        (
            "rel(*",
            r#"6: unexpected end of input expecting ")", "," or end of input"#,
        ),
        (
            "rel{a)",
            r#"6: unexpected ')' expecting letter, digit, "-", "->>", "->", "::", ".", "}", "," or end of input"#,
        ),
        (
            "count(*)",
            r#"6: unexpected '(' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input"#,
        ),
        (
            "x.total()",
            r#"3: unexpected "t" expecting "sum", "avg", "count", "max" or "min""#,
        ),
        (
            "\"open",
            r#"6: unexpected end of input expecting "\\" or "\"""#,
        ),
        (
            "é!",
            r#"2: unexpected '!' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input"#,
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(error(select(input)), expected, "{input}");
    }
    // Parsec counts lines and columns (a tab moves to the next multiple of 8, plus one).
    assert_eq!(
        select("\"x\ny\"!").unwrap_err(),
        RequestError::Parse {
            what: "select parameter",
            input: "\"x\ny\"!".into(),
            line: 2,
            column: 3,
            details: r#"unexpected '!' expecting "->>", "->", "::", ".", ")", "," or end of input"#
                .into(),
        }
    );
    assert_eq!(
        select("\"x\ny\"!").unwrap_err().to_string(),
        "\"failed to parse select parameter (\"x\ny\"!)\" (line 2, column 3)"
    );
    assert_eq!(
        error(select("a,\t!")),
        r#"9: unexpected "!" expecting "...", field name (* or [a..z0..9_$]), "*" or "count()""#
    );
}

#[test]
fn relation_heads_like_postgrest_doctests() {
    let run = |input: &str, spread: bool| {
        let src = Src::new(input);
        let reply = if spread {
            select::tests_spread_head(&src)
        } else {
            select::tests_head(&src)
        };
        match reply {
            Ok(head) => head.value,
            Err(fail) => {
                format!(
                    "{}: {}",
                    src.line_column(fail.err.at).1,
                    describe(&fail.err)
                )
            }
        }
    };
    assert_eq!(run("rel->jsonpath(*)", false), "6: unexpected '>'");
    assert_eq!(run("rel->jsonpath!hint(*)", false), "6: unexpected '>'");
    assert_eq!(
        run("alias:rel!inner!hint(*)", false),
        "rel alias hint Inner"
    );
    assert_eq!(run("rel(*)", true), r#"1: unexpected "r" expecting "...""#);
    assert_eq!(
        run("alias:...rel(*)", true),
        r#"1: unexpected "a" expecting "...""#
    );
    assert_eq!(run("...rel->jsonpath(*)", true), "9: unexpected '>'");
    assert_eq!(run("...rel!hint!inner(*)", true), "rel - hint Inner");
}

#[test]
fn json_paths_like_postgrest_doctests() {
    let run = |input: &str| {
        let src = Src::new(input);
        match lexer::json_path(&src, 0) {
            Ok(ok) => format!("{:?}", ok.value),
            Err(fail) => format!(
                "{}: {}",
                src.line_column(fail.err.at).1,
                describe(&fail.err)
            ),
        }
    };
    assert_eq!(run("->>--34"), r#"5: unexpected "-" expecting digit"#);
    assert_eq!(run("->>-xy-4"), r#"5: unexpected "x" expecting digit"#);
    assert_eq!(
        run("->>-78xy"),
        r#"7: unexpected 'x' expecting digit, "->", "::", ".", "," or end of input"#
    );
    assert_eq!(
        run("->0,other"),
        "[JsonStep { as_text: false, key: Index(0) }]"
    );
    assert_eq!(
        run("->0.desc"),
        "[JsonStep { as_text: false, key: Index(0) }]"
    );
    assert_eq!(run("->1"), "[JsonStep { as_text: false, key: Index(1) }]");
}

// ---- filters ---------------------------------------------------------------------------------

#[test]
fn filter_operators() {
    use Operator::*;
    let cases: Vec<(&str, (bool, Condition))> = vec![
        ("eq.1", cmp(Eq, "1")),
        ("eq.", cmp(Eq, "")),
        ("neq.a.b", cmp(Neq, "a.b")),
        ("gt.1", cmp(Gt, "1")),
        ("gte.18", cmp(Gte, "18")),
        ("lt.1", cmp(Lt, "1")),
        ("lte.1", cmp(Lte, "1")),
        ("like.*Al*", cmp(Like, "*Al*")),
        ("ilike.*al*", cmp(ILike, "*al*")),
        ("match.^A", cmp(Match, "^A")),
        ("imatch.^a", cmp(IMatch, "^a")),
        ("isdistinct.3", cmp(IsDistinct, "3")),
        ("cs.{1,2}", cmp(Contains, "{1,2}")),
        ("cd.{1,2}", cmp(ContainedIn, "{1,2}")),
        (
            "ov.[2017-01-01,2017-06-30]",
            cmp(Overlaps, "[2017-01-01,2017-06-30]"),
        ),
        ("sl.(1,10)", cmp(StrictlyLeft, "(1,10)")),
        ("sr.(1,10)", cmp(StrictlyRight, "(1,10)")),
        ("nxr.(1,10)", cmp(NotExtendsRight, "(1,10)")),
        ("nxl.(1,10)", cmp(NotExtendsLeft, "(1,10)")),
        ("adj.(1,10)", cmp(Adjacent, "(1,10)")),
        ("eq.1; drop table people", cmp(Eq, "1; drop table people")),
        ("eq.\"quoted\"", cmp(Eq, "\"quoted\"")),
        ("eq.naïve ✓", cmp(Eq, "naïve ✓")),
        ("not.eq.a", (true, Condition::Compare(Eq, "a".into()))),
        (
            "eq(any).{1,2}",
            (
                false,
                Condition::Quantified(Eq, Quantifier::Any, "{1,2}".into()),
            ),
        ),
        (
            "like(all).{a*,*b}",
            (
                false,
                Condition::Quantified(Like, Quantifier::All, "{a*,*b}".into()),
            ),
        ),
        (
            "not.imatch(any).{a,b}",
            (
                true,
                Condition::Quantified(IMatch, Quantifier::Any, "{a,b}".into()),
            ),
        ),
        (
            "fts.cat",
            (
                false,
                Condition::TextSearch(TextSearch::Fts, None, "cat".into()),
            ),
        ),
        (
            "plfts.a b",
            (
                false,
                Condition::TextSearch(TextSearch::Plain, None, "a b".into()),
            ),
        ),
        (
            "phfts(english).a b",
            (
                false,
                Condition::TextSearch(TextSearch::Phrase, Some("english".into()), "a b".into()),
            ),
        ),
        (
            "not.wfts(simple).x",
            (
                true,
                Condition::TextSearch(TextSearch::Websearch, Some("simple".into()), "x".into()),
            ),
        ),
        ("is.null", (false, Condition::Is(IsValue::Null))),
        ("is.NULL", (false, Condition::Is(IsValue::Null))),
        ("is.Not_Null", (false, Condition::Is(IsValue::NotNull))),
        ("is.TRUE", (false, Condition::Is(IsValue::True))),
        ("is.false", (false, Condition::Is(IsValue::False))),
        ("is.unknown", (false, Condition::Is(IsValue::Unknown))),
        ("not.is.null", (true, Condition::Is(IsValue::Null))),
        // PostgREST ignores what follows a complete `is` value or list.
        ("is.nullx", (false, Condition::Is(IsValue::Null))),
        (
            "in.(1,2)x",
            (false, Condition::In(vec!["1".into(), "2".into()])),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(filter(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn filter_in_lists() {
    let list = |items: &[&str]| {
        (
            false,
            Condition::In(items.iter().map(|s| s.to_string()).collect()),
        )
    };
    let cases = [
        ("in.(1,2,3)", list(&["1", "2", "3"])),
        ("in.()", list(&[])),
        // One empty element is the empty list in PostgREST.
        ("in.(\"\")", list(&[])),
        ("in.(,)", list(&["", ""])),
        (r#"in.("a,b",c,"d\"e",ü)"#, list(&["a,b", "c", "d\"e", "ü"])),
        (r#"in.("a\\b","(x)")"#, list(&["a\\b", "(x)"])),
        ("in.( a , b )", list(&["a ", " b "])),
        ("in.(a b,{1,2})", list(&["a b", "{1", "2}"])),
        // A quoted element must end at `,` or `)`, else it is read unquoted.
        (r#"in.("a"b)"#, list(&["\"a\"b"])),
        (r#"in.("a)"#, list(&["\"a"])),
        ("not.in.(1)", (true, Condition::In(vec!["1".into()]))),
    ];
    for (input, expected) in cases {
        assert_eq!(filter(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn filter_errors() {
    let cases = [
        (
            "0",
            r#"1: unexpected "0" expecting "not" or operator (eq, gt, ...)"#,
        ),
        (
            "val",
            r#"1: unexpected "v" expecting "not" or operator (eq, gt, ...)"#,
        ),
        (
            "noop.0",
            r#"1: unexpected "o" expecting "not" or operator (eq, gt, ...)"#,
        ),
        (
            "",
            r#"1: unexpected end of input expecting "not" or operator (eq, gt, ...)"#,
        ),
        (
            "eq",
            "3: unexpected end of input expecting operator (eq, gt, ...)",
        ),
        (
            "eq1",
            r#"3: unexpected "1" expecting operator (eq, gt, ...)"#,
        ),
        (
            "not.",
            "5: unexpected end of input expecting operator (eq, gt, ...)",
        ),
        (
            "not.foo.1",
            r#"5: unexpected "f" expecting operator (eq, gt, ...)"#,
        ),
        (
            "not.not.eq.1",
            r#"5: unexpected "n" expecting operator (eq, gt, ...)"#,
        ),
        (
            "fts().value",
            r#"5: unexpected ")" expecting operator (eq, gt, ...)"#,
        ),
        (
            "eq().value",
            r#"4: unexpected ")" expecting operator (eq, gt, ...)"#,
        ),
        (
            "is().value",
            r#"3: unexpected "(" expecting operator (eq, gt, ...)"#,
        ),
        (
            "in().value",
            r#"3: unexpected "(" expecting operator (eq, gt, ...)"#,
        ),
        // `(any)` and `(all)` only on the operators that take them.
        (
            "neq(any).{1}",
            r#"4: unexpected "(" expecting operator (eq, gt, ...)"#,
        ),
        (
            "cs(all).{1}",
            r#"3: unexpected "(" expecting operator (eq, gt, ...)"#,
        ),
        (
            "eq(some).{1}",
            r#"4: unexpected "s" expecting operator (eq, gt, ...)"#,
        ),
        (
            "is.maybe",
            r#"4: unexpected "m" expecting isVal: (null, not_null, true, false, unknown)"#,
        ),
        (
            "is.nul",
            "7: unexpected end of input expecting isVal: (null, not_null, true, false, unknown)",
        ),
        (
            "is.",
            "4: unexpected end of input expecting isVal: (null, not_null, true, false, unknown)",
        ),
        ("in.1,2", r#"4: unexpected "1" expecting "(""#),
        (
            "in.(1,2",
            r#"8: unexpected end of input expecting "," or ")""#,
        ),
        (
            "fts(english.x",
            r#"12: unexpected "." expecting operator (eq, gt, ...)"#,
        ),
        (
            "é.1",
            r#"1: unexpected "\233" expecting "not" or operator (eq, gt, ...)"#,
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(error(filter(input)), expected, "{input}");
    }
    assert_eq!(
        filter("0").unwrap_err().to_string(),
        r#""failed to parse filter (0)" (line 1, column 1)"#
    );
}

#[test]
fn tree_paths() {
    let cases: Vec<(&str, (Vec<&str>, FieldPath))> = vec![
        ("id", (vec![], FieldPath::column("id"))),
        ("a.b", (vec!["a"], FieldPath::column("b"))),
        ("a.b.c", (vec!["a", "b"], FieldPath::column("c"))),
        ("data->>a", (vec![], path("data", &[(true, key("a"))]))),
        (
            "r.data->a->0",
            (
                vec!["r"],
                path("data", &[(false, key("a")), (false, JsonKey::Index(0))]),
            ),
        ),
        // Dots split the embed path before the field only; after a JSON key the rest is ignored.
        ("data->>a.b", (vec![], path("data", &[(true, key("a"))]))),
        (
            "data->>\"a.b\"",
            (vec![], path("data", &[(true, key("a.b"))])),
        ),
        ("\"a.b\".c", (vec!["a.b"], FieldPath::column("c"))),
        ("na\u{ef}ve", (vec![], FieldPath::column("naïve"))),
        ("a b", (vec![], FieldPath::column("a b"))),
        ("a(b)", (vec![], FieldPath::column("a"))),
    ];
    for (input, (embeds, field)) in cases {
        let embeds: Vec<String> = embeds.into_iter().map(Into::into).collect();
        assert_eq!(tree_path(input).unwrap(), (embeds, field), "{input}");
    }
    assert_eq!(
        error(tree_path("")),
        "1: unexpected end of input expecting field name (* or [a..z0..9_$])"
    );
    assert_eq!(
        error(tree_path(".a")),
        r#"1: unexpected "." expecting field name (* or [a..z0..9_$])"#
    );
    assert_eq!(
        error(tree_path("a.")),
        "3: unexpected end of input expecting field name (* or [a..z0..9_$])"
    );
}

// ---- logic trees ------------------------------------------------------------------------------

#[test]
fn logic_trees() {
    use Operator::*;
    let eq = |c: &str, v: &str| leaf(c, Condition::Compare(Eq, v.into()));
    let cases: Vec<(&str, &str, LogicTree)> = vec![
        (
            "or",
            "(a.eq.1,b.eq.2)",
            LogicTree::Or(vec![eq("a", "1"), eq("b", "2")]),
        ),
        ("and", "(a.eq.1)", LogicTree::And(vec![eq("a", "1")])),
        (
            "not.or",
            "(a.eq.1,b.eq.2)",
            LogicTree::Not(Box::new(LogicTree::Or(vec![eq("a", "1"), eq("b", "2")]))),
        ),
        (
            "or",
            "(a.eq.1,and(b.gt.2,not.or(c.is.null,c.eq.0)))",
            LogicTree::Or(vec![
                eq("a", "1"),
                LogicTree::And(vec![
                    leaf("b", Condition::Compare(Gt, "2".into())),
                    LogicTree::Not(Box::new(LogicTree::Or(vec![
                        leaf("c", Condition::Is(IsValue::Null)),
                        eq("c", "0"),
                    ]))),
                ]),
            ]),
        ),
        (
            "or",
            "( a.eq.1 , b.eq.2 )",
            LogicTree::Or(vec![eq("a", "1 "), eq("b", "2 ")]),
        ),
        (
            "or",
            "(a.eq.\"x,y)\",b.eq.\"\\\"q\\\"\")",
            LogicTree::Or(vec![eq("a", "x,y)"), eq("b", "\"q\"")]),
        ),
        (
            "or",
            "(age_range.adj.\"[18,21)\",age_range.cs.\"[30,35]\")",
            LogicTree::Or(vec![
                leaf("age_range", Condition::Compare(Adjacent, "[18,21)".into())),
                leaf("age_range", Condition::Compare(Contains, "[30,35]".into())),
            ]),
        ),
        (
            "or",
            "(tags.cs.{a,b},x.eq(any).{1,2})",
            LogicTree::Or(vec![
                leaf("tags", Condition::Compare(Contains, "{a,b}".into())),
                leaf(
                    "x",
                    Condition::Quantified(Eq, Quantifier::Any, "{1,2}".into()),
                ),
            ]),
        ),
        (
            "and",
            "(name.in.(Bob,\"E,rin\"),age.not.is.null,d->>k.eq.v)",
            LogicTree::And(vec![
                leaf("name", Condition::In(vec!["Bob".into(), "E,rin".into()])),
                LogicTree::Filter(Filter {
                    field: FieldPath::column("age"),
                    negated: true,
                    condition: Condition::Is(IsValue::Null),
                }),
                LogicTree::Filter(Filter {
                    field: path("d", &[(true, key("k"))]),
                    negated: false,
                    condition: Condition::Compare(Eq, "v".into()),
                }),
            ]),
        ),
        (
            "or",
            "(a.fts(english).cat,not.and(b.eq.1,c.eq.2))",
            LogicTree::Or(vec![
                leaf(
                    "a",
                    Condition::TextSearch(TextSearch::Fts, Some("english".into()), "cat".into()),
                ),
                LogicTree::Not(Box::new(LogicTree::And(vec![eq("b", "1"), eq("c", "2")]))),
            ]),
        ),
        // As in PostgREST, `or=x.eq.1` reads as a filter on the column `orx`.
        ("or", "x.eq.1", eq("orx", "1")),
    ];
    for (op, input, expected) in cases {
        assert_eq!(logic_tree(op, input).unwrap(), expected, "{op}={input}");
    }
}

#[test]
fn logic_tree_errors() {
    let cases = [
        // doctests
        (
            "or",
            "()",
            "4: unexpected \")\" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)",
        ),
        (
            "or",
            "(id.in.1,2,id.eq.3)",
            r#"10: unexpected "1" expecting "(""#,
        ),
        ("or", ")(", r#"3: unexpected ")" expecting "(""#),
        (
            "and",
            "(ord(id.eq.1,id.eq.1),id.eq.2)",
            r#"7: unexpected "d" expecting "(""#,
        ),
        (
            "or",
            "(id.eq.1,not.xor(id.eq.2,id.eq.3))",
            r#"16: unexpected "x" expecting logic operator (and, or)"#,
        ),
        // more
        // Columns count from the start of the operator, as in PostgREST.
        (
            "or",
            "(a.eq.1",
            r#"10: unexpected end of input expecting "," or ")""#,
        ),
        (
            "or",
            "(a.eq.1,",
            "11: unexpected end of input expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)",
        ),
        (
            "or",
            "(a.xx.1)",
            r#"6: unexpected "x" expecting "not" or operator (eq, gt, ...)"#,
        ),
        (
            "or",
            "(a.eq(some).1)",
            r#"9: unexpected "s" expecting operator (eq, gt, ...)"#,
        ),
        ("or", "", r#"3: unexpected end of input expecting "(""#),
    ];
    for (op, input, expected) in cases {
        assert_eq!(error(logic_tree(op, input)), expected, "{op}={input}");
    }
    assert_eq!(
        logic_tree("or", "()").unwrap_err().to_string(),
        r#""failed to parse logic tree (())" (line 1, column 4)"#
    );
}

#[test]
fn logic_paths() {
    let cases = [
        ("or", (vec![], "or")),
        ("and", (vec![], "and")),
        ("not.or", (vec![], "not.or")),
        ("a.b.not.and", (vec!["a", "b"], "not.and")),
        ("not.a.or", (vec!["a"], "not.or")),
        ("\"x.y\".or", (vec!["x.y"], "or")),
    ];
    for (input, (embeds, op)) in cases {
        let embeds: Vec<String> = embeds.into_iter().map(Into::into).collect();
        assert_eq!(
            logic_path(input).unwrap(),
            (embeds, op.to_owned()),
            "{input}"
        );
    }
}

// ---- order -----------------------------------------------------------------------------------

#[test]
fn order_terms() {
    use Direction::*;
    use Nulls::*;
    let cases: Vec<(&str, Vec<OrderTerm>)> = vec![
        ("a", vec![term(FieldPath::column("a"), None, None)]),
        (
            "name.desc.nullsfirst",
            vec![term(FieldPath::column("name"), Some(Desc), Some(First))],
        ),
        (
            "age.desc.nullslast,name",
            vec![
                term(FieldPath::column("age"), Some(Desc), Some(Last)),
                term(FieldPath::column("name"), None, None),
            ],
        ),
        (
            "age.nullsfirst",
            vec![term(FieldPath::column("age"), None, Some(First))],
        ),
        (
            "age.asc",
            vec![term(FieldPath::column("age"), Some(Asc), None)],
        ),
        (
            "json_col->key.asc.nullslast",
            vec![term(
                path("json_col", &[(false, key("key"))]),
                Some(Asc),
                Some(Last),
            )],
        ),
        (
            "c->>d.asc",
            vec![term(path("c", &[(true, key("d"))]), Some(Asc), None)],
        ),
        (
            "arr->0.desc",
            vec![term(
                path("arr", &[(false, JsonKey::Index(0))]),
                Some(Desc),
                None,
            )],
        ),
        (
            "json_col->!@#$%^&*_a.asc.nullslast",
            vec![term(
                path("json_col", &[(false, key("!@#$%^&*_a"))]),
                Some(Asc),
                Some(Last),
            )],
        ),
        (
            "clients(json_col->key).desc.nullsfirst",
            vec![OrderTerm {
                target: OrderTarget::Related {
                    embed: "clients".into(),
                    field: path("json_col", &[(false, key("key"))]),
                },
                direction: Some(Desc),
                nulls: Some(First),
            }],
        ),
        (
            "name,clients(name),id",
            vec![
                term(FieldPath::column("name"), None, None),
                OrderTerm {
                    target: OrderTarget::Related {
                        embed: "clients".into(),
                        field: FieldPath::column("name"),
                    },
                    direction: None,
                    nulls: None,
                },
                term(FieldPath::column("id"), None, None),
            ],
        ),
        (
            " a , b.desc",
            vec![
                term(FieldPath::column("a"), None, None),
                term(FieldPath::column("b"), Some(Desc), None),
            ],
        ),
        (
            "\"a.desc\".asc",
            vec![term(FieldPath::column("a.desc"), Some(Asc), None)],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(order(input).unwrap(), expected, "{input}");
    }
}

#[test]
fn order_errors() {
    let cases = [
        // doctests
        (
            "clients(name,id)",
            r#"8: unexpected '(' expecting letter, digit, "-", "->>", "->", delimiter (.), "," or end of input"#,
        ),
        (
            "id.ac",
            r#"4: unexpected "c" expecting "asc", "desc", "nullsfirst" or "nullslast""#,
        ),
        (
            "id.descc",
            r#"8: unexpected 'c' expecting delimiter (.), "," or end of input"#,
        ),
        (
            "id.nulsfist",
            r#"4: unexpected "n" expecting "asc", "desc", "nullsfirst" or "nullslast""#,
        ),
        (
            "id.nullslasttt",
            r#"13: unexpected 't' expecting "," or end of input"#,
        ),
        (
            "id.smth34",
            r#"4: unexpected "s" expecting "asc", "desc", "nullsfirst" or "nullslast""#,
        ),
        (
            "id.asc.nlsfst",
            r#"8: unexpected "l" expecting "nullsfirst" or "nullslast""#,
        ),
        (
            "id.asc.nullslasttt",
            r#"17: unexpected 't' expecting "," or end of input"#,
        ),
        (
            "id.asc.smth34",
            r#"8: unexpected "s" expecting "nullsfirst" or "nullslast""#,
        ),
        // more
        (
            "age.dsc",
            r#"5: unexpected "d" expecting "asc", "desc", "nullsfirst" or "nullslast""#,
        ),
        (
            "",
            "1: unexpected end of input expecting field name (* or [a..z0..9_$])",
        ),
        (
            "a,",
            "3: unexpected end of input expecting field name (* or [a..z0..9_$])",
        ),
        (
            "a.",
            r#"3: unexpected end of input expecting "asc", "desc", "nullsfirst" or "nullslast""#,
        ),
        (
            "a.nullsfirst.desc",
            r#"13: unexpected '.' expecting "," or end of input"#,
        ),
        // Blanks are allowed around a field, not after a direction.
        (
            "a.desc ,b",
            r#"7: unexpected ' ' expecting delimiter (.), "," or end of input"#,
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(error(order(input)), expected, "{input}");
    }
    assert_eq!(
        order("id.ac").unwrap_err().to_string(),
        r#""failed to parse order (id.ac)" (line 1, column 4)"#
    );
}

// ---- columns ---------------------------------------------------------------------------------

#[test]
fn column_lists() {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        columns("columns parameter", "a,b").unwrap(),
        names(&["a", "b"])
    );
    assert_eq!(
        columns("columns parameter", " a , \"b,c\"").unwrap(),
        names(&["a", "b,c"])
    );
    // Blanks after a quoted name are not allowed (PostgREST's `pColumns`).
    assert_eq!(
        error(columns("columns parameter", "\"a\" ")),
        r#"5: unexpected end of input expecting ",""#
    );
    assert_eq!(
        columns("columns parameter", "").unwrap_err().to_string(),
        r#""failed to parse columns parameter ()" (line 1, column 1)"#
    );
    assert_eq!(
        error(columns("on_conflict parameter", "a,,b")),
        r#"3: unexpected "," expecting field name (* or [a..z0..9_$])"#
    );
}

#[test]
fn nesting_is_bounded() {
    let nested = |depth: usize| format!("{}*{}", "a(".repeat(depth), ")".repeat(depth));
    assert!(select(&nested(64)).is_ok());
    assert_eq!(
        error(select(&nested(65))),
        "131: nesting deeper than 64 levels"
    );
    assert_eq!(
        error(select(&nested(100_000))),
        "131: nesting deeper than 64 levels"
    );
    let tree = |depth: usize| {
        format!(
            "({}a.eq.1{})",
            "or(".repeat(depth - 1),
            ")".repeat(depth - 1)
        )
    };
    assert!(logic_tree("or", &tree(64)).is_ok());
    assert_eq!(
        error(logic_tree("or", &tree(65))),
        "196: nesting deeper than 64 levels"
    );
}
