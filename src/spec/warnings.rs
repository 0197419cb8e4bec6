//! The warnings collected while normalising a spec: everything we skip is named here, so a
//! partial load is never silent.

use std::collections::HashSet;

/// Ordered, de-duplicated warning messages.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    messages: Vec<String>,
    /// Keys already warned about (a message, or e.g. a `$ref` that is broken in many places).
    seen: HashSet<String>,
}

impl Warnings {
    /// Records `message` unless the same message was already recorded.
    pub(crate) fn push(&mut self, message: String) {
        if self.seen.insert(message.clone()) {
            tracing::debug!(warning = %message, "spec warning");
            self.messages.push(message);
        }
    }

    /// Records `message` only the first time `key` is seen: one warning per broken `$ref` or
    /// undeclared scheme, naming the first place it occurs, instead of one per use.
    pub(crate) fn push_once(&mut self, key: &str, message: impl FnOnce() -> String) {
        if self.seen.insert(format!("\u{0}{key}")) {
            self.push(message());
        }
    }

    pub(crate) fn into_vec(self) -> Vec<String> {
        self.messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_dropped_and_order_kept() {
        let mut w = Warnings::default();
        w.push("b".into());
        w.push("a".into());
        w.push("b".into());
        w.push_once("ref", || "first use".into());
        w.push_once("ref", || "second use".into());
        assert_eq!(w.into_vec(), ["b", "a", "first use"]);
    }
}
