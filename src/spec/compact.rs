//! Documents held at their exact size. A parsed spec is mostly small objects (GitHub's 13 MB
//! description has ~80,000, half of them with one or two keys), and a map or list grown one
//! entry at a time keeps up to twice the room it needs: for that spec the slack was ~15 MB of
//! the peak. Both parsers build their values through here, so every object and array holds
//! exactly its entries.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `entries` as an object with no spare room; a repeated key keeps its last value, in the
/// place of its first (as `Map::insert` does).
pub(crate) fn object(
    entries: impl ExactSizeIterator<Item = (String, Value)>,
) -> Map<String, Value> {
    let mut object = Map::with_capacity(entries.len());
    for (key, value) in entries {
        object.insert(key, value);
    }
    object
}

/// `object` rebuilt without spare room.
pub(crate) fn shrink_object(object: Map<String, Value>) -> Map<String, Value> {
    let entries: Vec<(String, Value)> = object.into_iter().collect();
    self::object(entries.into_iter())
}

/// `items` without spare room.
pub(crate) fn shrink_items(mut items: Vec<Value>) -> Vec<Value> {
    items.shrink_to_fit();
    items
}

/// Parses JSON text into a [`Value`] whose objects and arrays hold exactly their entries.
/// Same values, errors and nesting limit as `serde_json::from_str::<Value>`.
pub(crate) fn from_str(text: &str) -> serde_json::Result<Value> {
    parse(serde_json::Deserializer::from_str(text))
}

/// [`from_str`] reading from `reader`, so the text need not be held beside the document.
pub(crate) fn from_reader(reader: impl std::io::Read) -> serde_json::Result<Value> {
    parse(serde_json::Deserializer::from_reader(reader))
}

fn parse<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> serde_json::Result<Value> {
    let mut scratch = Scratch::default();
    let value = Exact {
        scratch: &mut scratch,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Entries of the objects and arrays still open, shared down the recursion so that building
/// a small object allocates only the object itself.
#[derive(Default)]
struct Scratch {
    entries: Vec<(String, Value)>,
    items: Vec<Value>,
}

struct Exact<'s> {
    scratch: &'s mut Scratch,
}

impl<'de> DeserializeSeed<'de> for Exact<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Exact<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // As serde_json: a float JSON can't hold (never produced by its parser) is null.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let start = self.scratch.items.len();
        while let Some(item) = seq.next_element_seed(Exact {
            scratch: &mut *self.scratch,
        })? {
            self.scratch.items.push(item);
        }
        Ok(Value::Array(self.scratch.items.drain(start..).collect()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let start = self.scratch.entries.len();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Exact {
                scratch: &mut *self.scratch,
            })?;
            self.scratch.entries.push((key, value));
        }
        Ok(Value::Object(object(self.scratch.entries.drain(start..))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_values_as_serde_json() {
        let text = r#"{"b": [1, -2, 3.5, 1e300, true, null, "s\u00e9", {}, []],
                      "a": {"z": {"y": [[{"x": 18446744073709551615}]]}, "k": "v"},
                      "dup": 1, "dup": 2, "": ""}"#;
        let ours = from_str(text).expect("parses");
        let theirs: Value = serde_json::from_str(text).expect("parses");
        assert_eq!(from_reader(text.as_bytes()).expect("parses"), ours);
        assert_eq!(ours, theirs);
        // Same key order too (`preserve_order`): the equality above ignores it.
        assert_eq!(ours.to_string(), theirs.to_string());
    }

    #[test]
    fn same_errors_as_serde_json() {
        for text in ["{\"a\": }", "[1, 2", "{} x", "", &"[".repeat(200)] {
            let ours = from_str(text).expect_err("fails").to_string();
            let theirs = serde_json::from_str::<Value>(text)
                .expect_err("fails")
                .to_string();
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    #[test]
    fn arrays_hold_exactly_their_items() {
        fn exact(value: &Value) {
            match value {
                Value::Array(items) => {
                    assert_eq!(items.capacity(), items.len(), "{value}");
                    items.iter().for_each(exact);
                }
                Value::Object(object) => object.values().for_each(exact),
                _ => {}
            }
        }
        let text = r#"{"a": [1, 2, 3, 4, 5], "b": [[1, 2, 3], [{"c": [true, false, null]}]]}"#;
        exact(&from_str(text).expect("parses"));
        exact(&from_reader(text.as_bytes()).expect("parses"));
    }

    #[test]
    fn shrink_object_keeps_entries_and_order() {
        let mut object = Map::new();
        for key in ["c", "a", "b"] {
            object.insert(key.to_owned(), Value::from(key));
        }
        let before = Value::Object(object.clone()).to_string();
        assert_eq!(Value::Object(shrink_object(object)).to_string(), before);
    }
}
