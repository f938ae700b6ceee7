//! The generated part of a file that is otherwise hand-written: the lines from a begin marker
//! (a comment the generator writes) up to an end marker (a comment it leaves as it is).

/// A region found in a file's text.
pub struct Region<'a> {
    text: &'a str,
    /// Where the begin marker's line starts.
    start: usize,
    /// Where the end marker's line starts.
    end: usize,
    /// The begin marker's indentation.
    pub indent: &'a str,
    /// The lines between the markers, without their line ends.
    pub inner: Vec<&'a str>,
}

/// The region of `text` (the file `file`) whose begin marker line starts with `begin` (after
/// indentation) and whose end marker line is `end` (indentation aside).
pub fn find<'a>(text: &'a str, file: &str, begin: &str, end: &str) -> Result<Region<'a>, String> {
    let mut offset = 0;
    let mut found: Option<(usize, &str)> = None;
    let mut inner = vec![];
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        match found {
            None if bare.trim_start().starts_with(begin) => {
                let indent = &bare[..bare.len() - bare.trim_start().len()];
                found = Some((offset, indent));
            }
            Some((start, indent)) if bare.trim() == end => {
                if text[offset..].matches(begin).count() > 0 {
                    return Err(format!("{file}: the marker {begin:?} appears twice"));
                }
                return Ok(Region {
                    text,
                    start,
                    end: offset,
                    indent,
                    inner,
                });
            }
            Some(_) => inner.push(bare),
            None => {}
        }
        offset += line.len();
    }
    Err(match found {
        None => format!("{file}: no line starts with the marker {begin:?}"),
        Some(_) => format!("{file}: no line {end:?} after {begin:?}"),
    })
}

impl Region<'_> {
    /// The file's text with the begin marker and the region's lines replaced by `lines` (the
    /// first of which is the begin marker).
    pub fn splice(&self, lines: &[String]) -> String {
        let mut out = String::with_capacity(self.text.len());
        out.push_str(&self.text[..self.start]);
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&self.text[self.end..]);
        out
    }
}

/// The cells of a Markdown table's row, as `tests/it/registry.rs` reads them.
pub fn cells(row: &str) -> Vec<String> {
    row.trim()
        .trim_matches('|')
        .split(" | ")
        .map(|c| c.trim().to_string())
        .collect()
}

/// A Markdown table's row.
pub fn row(cells: &[String]) -> String {
    format!("| {} |", cells.join(" | "))
}

/// The rows of the Markdown table in `lines` (header and separator skipped), as cells.
pub fn table_rows(lines: &[&str]) -> Vec<Vec<String>> {
    lines
        .iter()
        .filter(|l| l.trim_start().starts_with('|'))
        .skip(2)
        .map(|l| cells(l))
        .collect()
}

/// The `code` spans of a Markdown cell.
pub fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a\n  # begin: x\n  old\n  # end\nb\n";

    #[test]
    fn splices_between_the_markers() {
        let region = find(TEXT, "f", "# begin", "# end").unwrap();
        assert_eq!(region.indent, "  ");
        assert_eq!(region.inner, ["  old"]);
        let lines = ["  # begin: y".to_string(), "  new".to_string()];
        assert_eq!(
            region.splice(&lines),
            "a\n  # begin: y\n  new\n  # end\nb\n"
        );
    }

    #[test]
    fn a_missing_marker_is_an_error() {
        assert!(find(TEXT, "f", "# nothing", "# end").is_err());
        assert!(find(TEXT, "f", "# begin", "# nothing").is_err());
    }
}
