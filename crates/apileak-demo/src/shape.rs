//! Which API the demo serves: the fitness API (the default) or one of the other shapes that
//! test how the scanner copes with APIs built differently.

use std::fmt;
use std::str::FromStr;

/// One API shape of the demo, each with its own spec, ground truth, routes and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// "Cadence": bearer JWTs, `GET /me` with an `id`, integer IDs in path parameters.
    #[default]
    Fitness,
    /// "Ledgerly": API keys, envelopes, prefixed string IDs in paths, queries and bodies,
    /// cursor-paginated lists.
    Billing,
    /// "Quill": `Authorization: Token`, slugs and usernames as keys, public-by-design content
    /// with one private leak hidden among it.
    Content,
}

/// A name that is not one of [`Shape::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown demo shape `{0}`: use fitness, billing or content")]
pub struct UnknownShape(String);

impl Shape {
    /// Every shape, the default first.
    pub const ALL: [Shape; 3] = [Shape::Fitness, Shape::Billing, Shape::Content];

    /// The name on the command line (`--shape billing`).
    pub fn name(self) -> &'static str {
        match self {
            Shape::Fitness => "fitness",
            Shape::Billing => "billing",
            Shape::Content => "content",
        }
    }

    /// The shape's OpenAPI description (the same for both variants).
    pub fn spec_yaml(self) -> &'static str {
        match self {
            Shape::Fitness => include_str!("../../../fixtures/demo/openapi.yaml"),
            Shape::Billing => include_str!("../../../fixtures/demo/billing/openapi.yaml"),
            Shape::Content => include_str!("../../../fixtures/demo/content/openapi.yaml"),
        }
    }

    /// Where [`Shape::spec_yaml`] lives, relative to the repository root.
    pub fn spec_path(self) -> &'static str {
        match self {
            Shape::Fitness => "fixtures/demo/openapi.yaml",
            Shape::Billing => "fixtures/demo/billing/openapi.yaml",
            Shape::Content => "fixtures/demo/content/openapi.yaml",
        }
    }

    /// The flaws planted in the vulnerable variant, relative to the repository root.
    pub fn ground_truth_path(self) -> &'static str {
        match self {
            Shape::Fitness => "fixtures/demo/ground-truth.yaml",
            Shape::Billing => "fixtures/demo/billing/ground-truth.yaml",
            Shape::Content => "fixtures/demo/content/ground-truth.yaml",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Shape {
    type Err = UnknownShape;

    fn from_str(s: &str) -> Result<Shape, UnknownShape> {
        Shape::ALL
            .into_iter()
            .find(|shape| shape.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownShape(s.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for shape in Shape::ALL {
            assert_eq!(shape.name().parse::<Shape>(), Ok(shape));
        }
        assert_eq!("Billing".parse::<Shape>(), Ok(Shape::Billing));
        let err = "ledger".parse::<Shape>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown demo shape `ledger`: use fitness, billing or content"
        );
        assert_eq!(Shape::default(), Shape::Fitness);
    }
}
