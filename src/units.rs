//! Durations and latencies as people write and read them: `10s`, `1m30s`, `500ms`, `250us`.

use std::time::Duration;

crate::error::message_error!(
    /// A duration or latency that does not parse (`10x`, `-1`).
    UnitError
);

/// Parse a duration: a sequence of number+unit (`h`, `m`, `s`, `ms`, `us`/`µs`), or a bare
/// number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let text = text.trim();
    let bad = || {
        UnitError(format!(
            "'{text}' is not a duration (e.g. 10s, 1m30s, 500ms)"
        ))
    };
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs))
            .ok_or_else(bad);
    }
    let mut total = 0.0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..number_end].parse().map_err(|_| bad())?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = unit_seconds(&rest[..unit_end]).ok_or_else(bad)?;
        total += number * scale;
        rest = &rest[unit_end..];
    }
    Ok(Duration::from_secs_f64(total))
}

fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "h" => 3600.0,
        "m" | "min" => 60.0,
        "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        _ => return None,
    })
}

/// A latency given with a unit (`200ms`, `1.5s`, `800us`), in milliseconds. A bare number is
/// refused: a threshold without a unit is too easy to misread.
pub fn parse_latency_ms(text: &str) -> Result<f64, UnitError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("'{text}' needs a unit: us, ms or s"))?;
    let number: f64 = text[..split]
        .parse()
        .map_err(|_| UnitError(format!("'{text}' is not a latency (e.g. 200ms)")))?;
    let scale = match &text[split..] {
        "us" | "µs" => 1e-3,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        other => {
            return Err(UnitError(format!(
                "'{other}' is not a latency unit: us, ms or s"
            )));
        }
    };
    Ok(number * scale)
}

/// A latency in milliseconds, with precision that suits its size: `1 µs`, `1.23 ms`, `57.3 ms`,
/// `250 ms`, `12.5 s`; `–` for no value. The one latency format of every report.
pub fn fmt_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        "–".into()
    } else if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 10.0 {
        format!("{ms:.1} ms")
    } else if ms >= 0.1 {
        format!("{ms:.2} ms")
    } else {
        format!("{:.0} µs", ms * 1000.0)
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration the way `--duration` takes it.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 && secs.fract() == 0.0 {
        format!("{}s", d.as_secs())
    } else if secs >= 1.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        for bad in ["", "ten", "10x", "-1"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_latency_ms("200ms").unwrap(), 200.0);
        assert_eq!(parse_latency_ms("1.5s").unwrap(), 1500.0);
        assert_eq!(parse_latency_ms("800us").unwrap(), 0.8);
        assert!(parse_latency_ms("200").is_err());
        assert_eq!(fmt_ms(1.234), "1.23 ms");
        assert_eq!(fmt_ms(0.001), "1 µs");
        assert_eq!(fmt_duration(Duration::from_secs(10)), "10s");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(100), "100");
    }
}
