//! The filter operators of the query grammar (`field__op=value`), as in flask-peewee.

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `eq`: equal (`null` matches NULL); the operator of a bare `field=value`.
    Eq,
    /// `ne`: not equal (`null` matches non-NULL).
    Ne,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `in`: one of a comma-separated list (`null` in it matches NULL).
    In,
    /// `not_in`: none of a comma-separated list.
    NotIn,
    /// `is_null`: `true` or `false`.
    IsNull,
    /// `between`: two comma-separated bounds, both included.
    Between,
    /// A text match: `contains`, `startswith`, `endswith` and their `i…` forms.
    Text(TextOp),
}

/// A text match: where the text may sit in the value, and whether case counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOp {
    /// Where the text must be found.
    pub at: Anchor,
    /// Whether case is ignored (the `i…` operators).
    pub ignore_case: bool,
}

/// Where a text match looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Anywhere in the value (`contains`).
    Anywhere,
    /// At its start (`startswith`).
    Start,
    /// At its end (`endswith`).
    End,
}

impl Anchor {
    /// Whether the pattern has a wildcard before and after the text.
    pub(crate) fn wildcards(self) -> (bool, bool) {
        match self {
            Anchor::Anywhere => (true, true),
            Anchor::Start => (false, true),
            Anchor::End => (true, false),
        }
    }
}

const fn text(at: Anchor, ignore_case: bool) -> Op {
    Op::Text(TextOp { at, ignore_case })
}

impl Op {
    /// `icontains`, the operator of a search.
    pub const ICONTAINS: Op = text(Anchor::Anywhere, true);

    /// Every operator, in the order the admin's filter widget offers them.
    pub const ALL: [Op; 16] = [
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Lte,
        Op::Gt,
        Op::Gte,
        Op::In,
        Op::NotIn,
        Op::IsNull,
        text(Anchor::Anywhere, false),
        Op::ICONTAINS,
        text(Anchor::Start, false),
        text(Anchor::Start, true),
        text(Anchor::End, false),
        text(Anchor::End, true),
        Op::Between,
    ];

    /// The operator a query string names, if any.
    pub fn parse(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The name in a query string.
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::In => "in",
            Op::NotIn => "not_in",
            Op::IsNull => "is_null",
            Op::Between => "between",
            Op::Text(TextOp { at, ignore_case }) => match (at, ignore_case) {
                (Anchor::Anywhere, false) => "contains",
                (Anchor::Anywhere, true) => "icontains",
                (Anchor::Start, false) => "startswith",
                (Anchor::Start, true) => "istartswith",
                (Anchor::End, false) => "endswith",
                (Anchor::End, true) => "iendswith",
            },
        }
    }

    /// Whether a row must fail every value of a repeated key rather than match any (`ne`,
    /// `not_in`).
    pub(crate) fn excludes(self) -> bool {
        matches!(self, Op::Ne | Op::NotIn)
    }

    /// Whether the value is a comma-separated list.
    pub(crate) fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::NotIn | Op::Between)
    }
}

#[cfg(test)]
mod tests {
    use super::Op;

    #[test]
    fn every_operator_is_parsed_back_from_its_name() {
        for op in Op::ALL {
            assert_eq!(Op::parse(op.name()), Some(op));
        }
        assert_eq!(Op::parse("like"), None);
        assert_eq!(Op::parse("EQ"), None);
    }
}
