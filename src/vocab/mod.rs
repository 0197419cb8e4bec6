//! The word lists and patterns the scanner judges names and text by, kept as data and
//! documented once each.

mod admin;
mod data;
mod identity;
mod login;
mod paging;
mod secrets;
mod unsafe_ops;
mod words;

pub(crate) use admin::*;
pub(crate) use data::*;
pub(crate) use identity::*;
pub(crate) use login::*;
pub(crate) use paging::*;
pub(crate) use secrets::*;
pub(crate) use unsafe_ops::{
    COMMAND_PARAMS, COMPOUND_OBJECTS, LEADING_ONLY_VERBS, NAMESPACE_SEPARATORS, STRONG_VERBS,
};
pub(crate) use words::words;
