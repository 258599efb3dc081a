//! Reading a student's answer the way students write them: "12.5 us", "12500ns",
//! "12.5µs" for a time; "T2" or "thread T2" for a thread; "IRP3, IRP1" or "[3, 1]" for an
//! order. A text that cannot be read as the form asked for is not wrong but unreadable,
//! and the checker says how to write it.

use super::query::{Form, Value};

/// `text` read as an answer of `form`, or why it cannot be.
pub fn read(form: Form, text: &str) -> Result<Value, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the answer is empty".into());
    }
    match form {
        Form::Time => time(text).map(Value::Time),
        Form::Thread => {
            let name = strip_word(text, "thread");
            if name.is_empty() || name.contains(char::is_whitespace) {
                Err("not a thread's name: write it as the trace does, e.g. T2".into())
            } else {
                Ok(Value::Thread(name.to_owned()))
            }
        }
        Form::Number => {
            let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
            let rest = text[digits.len()..].trim();
            match digits.parse::<u64>() {
                Ok(n) if rest.is_empty() || rest.starts_with(char::is_alphabetic) => {
                    Ok(Value::Number(n))
                }
                _ => Err("not a whole number".into()),
            }
        }
        Form::Word => Ok(Value::Word(
            text.split_whitespace().collect::<Vec<_>>().join(" "),
        )),
        Form::List => {
            let mut numbers = Vec::new();
            for item in text
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split([',', ' ', ';'])
                .filter(|s| !s.is_empty())
            {
                let item = strip_word(item, "irp");
                numbers.push(
                    item.parse::<u64>()
                        .map_err(|_| format!("`{item}` is not an IRP number"))?,
                );
            }
            Ok(Value::List(numbers))
        }
    }
}

/// Whether a student's `given` value is the `truth`. Names compare without regard to
/// case: "t2" is T2, "false" is FALSE.
pub fn matches(given: &Value, truth: &Value) -> bool {
    match (given, truth) {
        (Value::Thread(a), Value::Thread(b)) | (Value::Word(a), Value::Word(b)) => {
            a.eq_ignore_ascii_case(b)
        }
        (a, b) => a == b,
    }
}

/// `text` without a leading `word` (any case) and the space after it.
fn strip_word<'t>(text: &'t str, word: &str) -> &'t str {
    let text = text.trim();
    match text.get(..word.len()) {
        Some(head) if head.eq_ignore_ascii_case(word) => text[word.len()..].trim_start(),
        _ => text,
    }
}

/// A time with its unit, exactly, in nanoseconds: "12.5 us" is 12500. A time finer than
/// a nanosecond cannot be any time the simulator shows, and is refused.
fn time(text: &str) -> Result<u64, String> {
    let lower = text.to_lowercase().replace(['µ', 'μ'], "u");
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or("a time needs its unit: write e.g. 12.5 us or 12500 ns")?;
    let (number, unit) = lower.split_at(split);
    let scale: u64 = match unit.trim() {
        "ns" => 1,
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        other => return Err(format!("`{other}` is not a unit: write ns, us, ms or s")),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(format!("`{number}` is not a number"));
    }
    let digits = scale.ilog10() as usize;
    if fraction.len() > digits && fraction[digits..].chars().any(|c| c != '0') {
        return Err("finer than a nanosecond: the simulator counts whole nanoseconds".into());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "too large a time".to_owned())?
    };
    let mut part = fraction.chars().take(digits).collect::<String>();
    while part.len() < digits {
        part.push('0');
    }
    let part: u64 = if part.is_empty() {
        0
    } else {
        part.parse().expect("digits")
    };
    whole
        .checked_mul(scale)
        .and_then(|ns| ns.checked_add(part))
        .ok_or_else(|| "too large a time".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_the_forms_students_write() {
        for text in [
            "12.5 us",
            "12500ns",
            "12.5us",
            "12.5 µs",
            "12.5 μs",
            "0.0125 ms",
            "12500 NS",
        ] {
            assert_eq!(read(Form::Time, text), Ok(Value::Time(12_500)), "{text}");
        }
        assert_eq!(read(Form::Time, "2 s"), Ok(Value::Time(2_000_000_000)));
        assert_eq!(read(Form::Time, ".5us"), Ok(Value::Time(500)));
        assert!(
            read(Form::Time, "12500").is_err(),
            "a bare number has no unit"
        );
        assert!(read(Form::Time, "12.5 minutes").is_err());
        assert!(
            read(Form::Time, "1.0005 us").is_err(),
            "finer than a nanosecond"
        );
        assert_eq!(read(Form::Time, "1.0050 us"), Ok(Value::Time(1_005)));
    }

    #[test]
    fn threads_are_read_with_or_without_the_word_thread() {
        for text in ["T2", "thread T2", "Thread T2", " t2 "] {
            let given = read(Form::Thread, text).unwrap();
            assert!(matches(&given, &Value::Thread("T2".into())), "{text}");
        }
        assert!(read(Form::Thread, "T2 and T3").is_err());
    }

    #[test]
    fn orders_and_numbers_are_read_loosely_but_exactly() {
        for text in ["IRP3, IRP1, IRP2", "[3,1,2]", "3 1 2", "irp3;irp1;irp2"] {
            assert_eq!(
                read(Form::List, text),
                Ok(Value::List(vec![3, 1, 2])),
                "{text}"
            );
        }
        assert!(read(Form::List, "3, one").is_err());
        assert_eq!(read(Form::Number, "7"), Ok(Value::Number(7)));
        assert_eq!(read(Form::Number, "7 descriptors"), Ok(Value::Number(7)));
        assert!(read(Form::Number, "7.5").is_err());
        assert!(matches(
            &read(Form::Word, " false ").unwrap(),
            &Value::Word("FALSE".into())
        ));
        assert!(!matches(
            &read(Form::Word, "TRUE").unwrap(),
            &Value::Word("FALSE".into())
        ));
    }
}
