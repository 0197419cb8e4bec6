//! The word lists and patterns the scanner judges by, as data, each documented once.

mod secrets;

pub(crate) use secrets::*;
