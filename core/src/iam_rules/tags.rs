//! IAM's tag rules: key 1–128 characters, value 0–256, both `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, and
//! the key prefixes reserved regardless of case.

use super::{check_length, shown};

/// Tag key prefixes refused regardless of case, with why: IAM compares tag keys regardless of
/// case, so `ECS-IAM-Roles:owner` would be the owner tag itself.
const RESERVED_TAG_PREFIXES: [(&str, &str); 2] = [
    ("aws:", "reserved for AWS"),
    (
        crate::plan::TAG_PREFIX,
        "reserved for this resource's own bookkeeping",
    ),
];

/// A tag key: 1–128 of IAM's tag characters, not starting with a reserved prefix (`aws:`,
/// `ecs-iam-roles:`) in any case.
pub fn check_tag_key(value: &str) -> Result<(), String> {
    check_length(value, 1, 128)?;
    let lower = value.to_lowercase();
    for (prefix, why) in RESERVED_TAG_PREFIXES {
        if lower.starts_with(prefix) {
            return Err(format!(
                "{}: keys beginning with {prefix} (in any case) are {why}",
                shown(value)
            ));
        }
    }
    check_tag_chars(value)
}

/// A tag value: 0–256 of IAM's tag characters.
pub fn check_tag_value(value: &str) -> Result<(), String> {
    check_length(value, 0, 256)?;
    check_tag_chars(value)
}

fn check_tag_chars(value: &str) -> Result<(), String> {
    match value.chars().find(|ch| !is_tag_char(*ch)) {
        Some(bad) => Err(format!(
            "{} contains {bad:?} (U+{:04X}); IAM tags allow only letters, numbers, space separators and _.:/=+-@",
            shown(value),
            u32::from(bad)
        )),
        None => Ok(()),
    }
}

/// IAM's `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. `\p{Z}` is exactly the White_Space characters that are
/// not controls (tab, line feed, … are `Cc`, which IAM refuses); `\p{N}` is `is_numeric`.
fn is_tag_char(ch: char) -> bool {
    is_letter(ch)
        || ch.is_numeric()
        || (ch.is_whitespace() && !ch.is_control())
        || "_.:/=+-@".contains(ch)
}

/// `\p{L}` (and `Nl`, which is `\p{N}` anyway): `is_alphabetic` is L, Nl and Other_Alphabetic,
/// which takes in combining vowel signs (Devanagari "ि", Arabic harakat: `Mn`/`Mc`) and circled
/// letters ("Ⓐ": `So`) that IAM refuses.
fn is_letter(ch: char) -> bool {
    if !ch.is_alphabetic() {
        return false;
    }
    let c = u32::from(ch);
    let i = NOT_LETTERS.partition_point(|&(_, end)| end < c);
    NOT_LETTERS.get(i).is_none_or(|&(start, _)| start > c)
}

/// The alphabetic code points (by Rust's `char::is_alphabetic`, Unicode 17) that are not `L` or
/// `Nl` in Unicode 16's General_Category (the ucd-generate tables of regex-syntax 0.8), runs
/// merged across code points that are not alphabetic. Checked once against that table over
/// every code point: `is_letter` is exactly L and Nl. Letters new in Unicode 17 fall in here
/// too: IAM's (Java's) Unicode is older, so they are refused rather than risked.
#[rustfmt::skip]
const NOT_LETTERS: &[(u32, u32)] = &[
    (0x345, 0x36F), (0x5B0, 0x5C7), (0x610, 0x61A), (0x64B, 0x65F), (0x670, 0x670),
    (0x6D6, 0x6E4), (0x6E7, 0x6ED), (0x711, 0x711), (0x730, 0x73F), (0x7A6, 0x7B0),
    (0x816, 0x817), (0x81B, 0x823), (0x825, 0x827), (0x829, 0x82C), (0x88F, 0x897),
    (0x8D4, 0x903), (0x93A, 0x93B), (0x93E, 0x94F), (0x955, 0x957), (0x962, 0x963),
    (0x981, 0x983), (0x9BE, 0x9CC), (0x9D7, 0x9D7), (0x9E2, 0x9E3), (0xA01, 0xA03),
    (0xA3E, 0xA51), (0xA70, 0xA71), (0xA75, 0xA83), (0xABE, 0xACC), (0xAE2, 0xAE3),
    (0xAFA, 0xB03), (0xB3E, 0xB57), (0xB62, 0xB63), (0xB82, 0xB82), (0xBBE, 0xBCC),
    (0xBD7, 0xC04), (0xC3E, 0xC56), (0xC5C, 0xC5C), (0xC62, 0xC63), (0xC81, 0xC83),
    (0xCBE, 0xCDC), (0xCE2, 0xCE3), (0xCF3, 0xD03), (0xD3E, 0xD4C), (0xD57, 0xD57),
    (0xD62, 0xD63), (0xD81, 0xD83), (0xDCF, 0xDF3), (0xE31, 0xE31), (0xE34, 0xE3A),
    (0xE4D, 0xE4D), (0xEB1, 0xEB1), (0xEB4, 0xEBC), (0xECD, 0xECD), (0xF71, 0xF83),
    (0xF8D, 0xFBC), (0x102B, 0x103E), (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064),
    (0x1067, 0x106D), (0x1071, 0x1074), (0x1082, 0x108D), (0x108F, 0x109D), (0x1712, 0x1713),
    (0x1732, 0x1733), (0x1752, 0x1753), (0x1772, 0x1773), (0x17B6, 0x17C8), (0x1885, 0x1886),
    (0x18A9, 0x18A9), (0x1920, 0x1938), (0x1A17, 0x1A1B), (0x1A55, 0x1A74), (0x1ABF, 0x1B04),
    (0x1B35, 0x1B43), (0x1B80, 0x1B82), (0x1BA1, 0x1BAD), (0x1BE7, 0x1BF1), (0x1C24, 0x1C36),
    (0x1DD3, 0x1DF4), (0x24B6, 0x24E9), (0x2DE0, 0x2DFF), (0xA674, 0xA67B), (0xA69E, 0xA69F),
    (0xA7CE, 0xA7CF), (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4), (0xA7F1, 0xA7F1), (0xA802, 0xA802),
    (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C5), (0xA8FF, 0xA8FF),
    (0xA926, 0xA92A), (0xA947, 0xA952), (0xA980, 0xA983), (0xA9B4, 0xA9BF), (0xA9E5, 0xA9E5),
    (0xAA29, 0xAA36), (0xAA43, 0xAA43), (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0),
    (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8), (0xAABE, 0xAABE), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF5),
    (0xABE3, 0xABEA), (0xFB1E, 0xFB1E), (0x10376, 0x1037A), (0x10940, 0x10959),
    (0x10A01, 0x10A0F), (0x10D24, 0x10D27), (0x10D69, 0x10D69), (0x10EAB, 0x10EAC),
    (0x10EC5, 0x10EFC), (0x11000, 0x11002), (0x11038, 0x11045), (0x11073, 0x11074),
    (0x11080, 0x11082), (0x110B0, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11132),
    (0x11145, 0x11146), (0x11180, 0x11182), (0x111B3, 0x111BF), (0x111CE, 0x111CF),
    (0x1122C, 0x1123E), (0x11241, 0x11241), (0x112DF, 0x11303), (0x1133E, 0x1134C),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x113B8, 0x113CD), (0x11435, 0x11445),
    (0x114B0, 0x114C1), (0x115AF, 0x115BE), (0x115DC, 0x115DD), (0x11630, 0x11640),
    (0x116AB, 0x116B5), (0x1171D, 0x1172A), (0x1182C, 0x11838), (0x11930, 0x1193C),
    (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119DF), (0x119E4, 0x119E4),
    (0x11A01, 0x11A0A), (0x11A35, 0x11A39), (0x11A3B, 0x11A3E), (0x11A51, 0x11A5B),
    (0x11A8A, 0x11A97), (0x11B60, 0x11B67), (0x11C2F, 0x11C3E), (0x11C92, 0x11CB6),
    (0x11D31, 0x11D43), (0x11D47, 0x11D47), (0x11D8A, 0x11D96), (0x11DB0, 0x11DDB),
    (0x11EF3, 0x11F01), (0x11F03, 0x11F03), (0x11F34, 0x11F40), (0x1611E, 0x1612E),
    (0x16EA0, 0x16ED3), (0x16F4F, 0x16F4F), (0x16F51, 0x16F92), (0x16FF0, 0x16FF6),
    (0x187F8, 0x187FF), (0x18D09, 0x18DF2), (0x1BC9E, 0x1BC9E), (0x1E000, 0x1E02A),
    (0x1E08F, 0x1E08F), (0x1E6C0, 0x1E6FF), (0x1E947, 0x1E947), (0x1F130, 0x1F189),
    (0x2B73A, 0x2B73F), (0x2CEA2, 0x2CEAD), (0x323B0, 0x33479),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_characters_are_iams_pattern() {
        // \p{L}: every kind of letter, including modifier letters and title case.
        for ok in [
            "Team",
            "équipe",
            "Straße",
            "ǅ",
            "ʰ",
            "中文",
            "ﾁｰﾑ",
            "한국어",
            "עברית",
            "𝐀",
        ] {
            assert!(check_tag_value(ok).is_ok(), "{ok}");
        }
        // \p{N}: decimal, letter and other numbers.
        for ok in ["42", "٤٢", "Ⅻ", "²", "½"] {
            assert!(check_tag_value(ok).is_ok(), "{ok}");
        }
        // \p{Z}: space separators, and line/paragraph separators (Zl, Zp) too.
        for ok in [
            " ", "a\u{a0}b", "\u{3000}", "\u{2009}", "\u{2028}", "\u{2029}",
        ] {
            assert!(check_tag_value(ok).is_ok(), "{ok:?}");
        }
        assert!(check_tag_value("_.:/=+-@").is_ok());
        // Controls (tab, line feed, NEL, …), marks, symbols, other punctuation: refused.
        for (bad, ch) in [
            ("a\tb", '\t'),
            ("a\nb", '\n'),
            ("a\rb", '\r'),
            ("a\u{b}b", '\u{b}'),
            ("a\u{85}b", '\u{85}'),
            ("a\u{0}b", '\u{0}'),
            ("हिंदी", 'ि'),
            ("ك\u{64e}", '\u{64e}'),
            ("e\u{301}", '\u{301}'),
            ("Ⓐ", 'Ⓐ'),
            ("🙂", '🙂'),
            ("a,b", ','),
            ("a*", '*'),
            ("\"", '"'),
            ("a\u{200b}b", '\u{200b}'),
        ] {
            let err = check_tag_value(bad).unwrap_err();
            assert!(
                err.contains(&format!("contains {ch:?} (U+{:04X})", u32::from(ch))),
                "{err}"
            );
        }
    }

    #[test]
    fn the_not_letters_table_is_sorted_and_disjoint() {
        for (start, end) in NOT_LETTERS {
            assert!(start <= end, "{start:X}");
        }
        for pair in NOT_LETTERS.windows(2) {
            assert!(pair[0].1 < pair[1].0, "{:X}", pair[1].0);
        }
        // Greek ypogegrammeni is Other_Alphabetic (a combining mark), the next code points not.
        assert!(!is_letter('\u{345}') && !is_letter('\u{346}') && is_letter('Ͱ'));
        assert!(is_letter('a') && !is_letter('1') && !is_letter('_'));
    }
}
