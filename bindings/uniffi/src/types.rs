//! The two custom types of the surface: JSON of open type, and RFC 3339 date-times.

use std::time::SystemTime;

/// A JSON value whose type the spec leaves open, as JSON text (`"{\"a\":1}"`, `"null"`).
/// Kotlin and Swift see a `String` (`typealias JsonValue = String`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonValue(pub String);

uniffi::custom_type!(JsonValue, String, {
    lower: |v| v.0,
    try_lift: |s| Ok(JsonValue(s)),
});

impl serde::Serialize for JsonValue {
    /// Invalid JSON text fails here, which the call reports as `InvalidInput` (nothing sent).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value: serde_json::Value = serde_json::from_str(&self.0)
            .map_err(|e| serde::ser::Error::custom(format!("not JSON text ({e}): {:?}", preview(&self.0))))?;
        value.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for JsonValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(JsonValue(value.to_string()))
    }
}

fn preview(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An instant: `java.time.Instant` in Kotlin, `Date` in Swift; RFC 3339 on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(pub SystemTime);

uniffi::custom_type!(DateTime, SystemTime, {
    lower: |v| v.0,
    try_lift: |t| Ok(DateTime(t)),
});

impl serde::Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t: chrono::DateTime<chrono::Utc> = self.0.into();
        s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl<'de> serde::Deserialize<'de> for DateTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| DateTime(t.into()))
            .map_err(|e| serde::de::Error::custom(format!("invalid date-time {text:?}: {e}")))
    }
}
