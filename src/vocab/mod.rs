//! Word lists apileak judges names and text by, kept as data and documented once each.

mod unsafe_ops;

pub(crate) use unsafe_ops::{
    COMMAND_PARAMS, COMPOUND_OBJECTS, LEADING_ONLY_VERBS, NAMESPACE_SEPARATORS, STRONG_VERBS,
};
