//! The demo's other API shapes (the fitness shape lives at the crate root).

pub(crate) mod billing;
mod billing_data;
pub(crate) mod content;
mod content_data;
