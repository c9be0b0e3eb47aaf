//! Time as the bindings hand it over (seconds since the epoch, a float in every host language)
//! and as the token rules read it. One rule for every language: a time or a duration must be
//! a finite, non-negative number inside a stated range, else it is a configuration error that
//! names the argument.

use std::time::{Duration, SystemTime};

use crate::error::Error;

/// The latest time accepted from a caller: 9999-12-31T23:59:59Z. Far enough for any real
/// clock, near enough that no arithmetic on it can overflow.
pub const MAX_UNIX_SECONDS: f64 = 253_402_300_799.0;

/// Seconds since the epoch (any finite number from 0 to [`MAX_UNIX_SECONDS`]) as a
/// `SystemTime`. `what` names the argument in the error (`now`).
pub fn from_unix_seconds(what: &str, seconds: f64) -> Result<SystemTime, Error> {
    if !(0.0..=MAX_UNIX_SECONDS).contains(&seconds) {
        return Err(Error::Configuration(format!(
            "{what} must be a number of seconds since the epoch from 0 to {MAX_UNIX_SECONDS} (a finite, non-negative number)"
        )));
    }
    // In range, so neither conversion can fail.
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs_f64(seconds))
}

/// A caller's optional `now`: the given time, or the current time.
pub fn now_or(what: &str, seconds: Option<f64>) -> Result<SystemTime, Error> {
    seconds.map_or_else(|| Ok(SystemTime::now()), |s| from_unix_seconds(what, s))
}

/// A duration in seconds (any finite number from 0 to `max`). `what` names the option.
pub fn duration_from_seconds(what: &str, seconds: f64, max: Duration) -> Result<Duration, Error> {
    if !(0.0..=max.as_secs_f64()).contains(&seconds) {
        return Err(Error::Configuration(format!(
            "{what} must be a number of seconds from 0 to {} (a finite, non-negative number)",
            max.as_secs()
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A count or size given as a number (JavaScript has no integers): a whole number from `min`
/// to `max`. `what` names the option.
pub fn whole_number(what: &str, value: f64, min: usize, max: usize) -> Result<usize, Error> {
    if value.fract() != 0.0 || !(min as f64..=max as f64).contains(&value) {
        return Err(Error::Configuration(format!("{what} must be a whole number from {min} to {max}")));
    }
    Ok(value as usize)
}

/// Whole seconds since the epoch, floored, as the peers count them (0 before the epoch).
pub fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0.0, |d| d.as_secs() as f64)
}

/// Seconds since the epoch with their fraction, for results the bindings show (`fetched_at`).
pub fn to_unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_times() {
        assert_eq!(from_unix_seconds("now", 1.5).unwrap(), SystemTime::UNIX_EPOCH + Duration::from_millis(1500));
        assert!(from_unix_seconds("now", 0.0).is_ok());
        assert!(from_unix_seconds("now", MAX_UNIX_SECONDS).is_ok());
        for bad in [-1.0, -0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, MAX_UNIX_SECONDS + 1.0, 9.2e18, 1e300] {
            let err = from_unix_seconds("now", bad).unwrap_err();
            assert_eq!(err.code(), "configuration_error");
            assert!(err.to_string().contains("now"), "{err}");
        }
    }

    #[test]
    fn one_rule_for_durations_and_counts() {
        let max = Duration::from_secs(10);
        assert_eq!(duration_from_seconds("leeway", 2.5, max).unwrap(), Duration::from_millis(2500));
        for bad in [-1.0, 11.0, f64::NAN, f64::INFINITY] {
            assert!(duration_from_seconds("leeway", bad, max).unwrap_err().to_string().contains("leeway"));
        }
        assert_eq!(whole_number("size", 4096.0, 1, 8192).unwrap(), 4096);
        for bad in [0.0, 1.5, -1.0, 8193.0, f64::NAN, 2f64.powi(40)] {
            assert!(whole_number("size", bad, 1, 8192).unwrap_err().to_string().contains("size"));
        }
    }
}
