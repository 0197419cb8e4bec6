//! Loading and normalising OpenAPI descriptions (3.0, 3.1, Swagger 2.0; YAML or JSON) into
//! `model::Api`, with local `$ref`s resolved and each operation's source line.
//! Feeds the planner; nothing outside `spec/` sees the raw document.

mod body;
mod compact;
mod error;
mod lines;
mod load;
mod normalize;
mod params;
mod parse;
mod refs;
mod schema;
mod security;
mod warnings;
mod yaml;

pub use error::SpecError;
pub use load::{LoadedSpec, load_file, load_str};
