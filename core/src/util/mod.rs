//! Leaves every other module builds on: strict base64, the SDKs' JSON, time conversions, and
//! URL redaction. Nothing here knows about cookies, keys or tokens.

pub mod b64;
pub mod json;
pub mod redact;
pub mod time;
