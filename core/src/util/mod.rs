//! Leaves every other module builds on: strict base64, the SDKs' JSON, time conversions, URL
//! redaction, the HTTP client setup, and single-flight. Nothing here knows about cookies, keys
//! or tokens.

pub mod b64;
pub mod flight;
pub mod http;
pub mod json;
pub mod redact;
pub mod time;
