//! Go's `text/tabwriter` as kubectl configures it (min width 6, padding 3,
//! spaces; liggitt/tabwriter's `RememberWidths` so a watch keeps its
//! columns): tab-terminated cells are aligned per column block, the last
//! cell of a line is never padded.

/// An elastic-tabstop writer that buffers lines until [`TabWriter::flush`].
#[derive(Debug, Default)]
pub struct TabWriter {
    lines: Vec<Vec<String>>,
    partial: String,
    remembered: Vec<usize>,
}

const MIN_WIDTH: usize = 6;
const PADDING: usize = 3;

impl TabWriter {
    /// An empty writer.
    pub fn new() -> TabWriter {
        TabWriter::default()
    }

    /// Buffers text; `\t` ends a cell, `\n` a line.
    pub fn write_str(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => {
                    let mut line = split_cells(&std::mem::take(&mut self.partial));
                    if line.is_empty() {
                        line.push(String::new());
                    }
                    self.lines.push(line);
                }
                c => self.partial.push(c),
            }
        }
    }

    /// Formats everything buffered (a trailing partial line too) and
    /// returns the text; column widths are remembered for the next flush.
    pub fn flush(&mut self) -> String {
        if !self.partial.is_empty() {
            let line = split_cells(&std::mem::take(&mut self.partial));
            self.lines.push(line);
        }
        let lines = std::mem::take(&mut self.lines);
        let mut out = String::new();
        let mut widths = Vec::new();
        self.format(&lines, 0, lines.len(), &mut widths, &mut out);
        out
    }

    /// Go's `Writer.format`: a column block is a run of consecutive lines
    /// that have a terminated cell in this column.
    fn format(
        &mut self,
        lines: &[Vec<String>],
        mut line0: usize,
        line1: usize,
        widths: &mut Vec<usize>,
        out: &mut String,
    ) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= lines[this].len() {
                this += 1;
                continue;
            }
            write_lines(lines, line0, this, widths, out);
            line0 = this;
            let mut width = MIN_WIDTH;
            while this < line1 && column + 1 < lines[this].len() {
                width = width.max(display_width(&lines[this][column]) + PADDING);
                this += 1;
            }
            if let Some(&w) = self.remembered.get(column) {
                width = width.max(w);
            }
            if self.remembered.len() <= column {
                self.remembered.resize(column + 1, 0);
            }
            self.remembered[column] = width;
            widths.push(width);
            self.format(lines, line0, this, widths, out);
            widths.pop();
            line0 = this;
        }
        write_lines(lines, line0, line1, widths, out);
    }
}

fn split_cells(line: &str) -> Vec<String> {
    line.split('\t').map(str::to_string).collect()
}

/// Go's tabwriter counts runes (UTF-8 decoded), not bytes.
fn display_width(cell: &str) -> usize {
    cell.chars().count()
}

fn write_lines(lines: &[Vec<String>], from: usize, to: usize, widths: &[usize], out: &mut String) {
    for line in &lines[from..to] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() && j < widths.len() {
                let pad = widths[j].saturating_sub(display_width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_like_kubectl() {
        let mut w = TabWriter::new();
        w.write_str("NAME\tREADY\tAGE\nweb-1\t1/1\t5s\na\tb\tc\n");
        assert_eq!(
            w.flush(),
            "NAME    READY   AGE\nweb-1   1/1     5s\na       b       c\n"
        );
    }

    #[test]
    fn blocks_share_remembered_widths_until_reset() {
        let mut w = TabWriter::new();
        w.write_str("A\tB\nlonger-name\tx\n\nC\tD\n");
        assert_eq!(
            w.flush(),
            "A             B\nlonger-name   x\n\nC             D\n"
        );
    }

    #[test]
    fn widths_are_remembered_across_flushes() {
        let mut w = TabWriter::new();
        w.write_str("NAME\tAGE\nlong-name-here\t1s\n");
        w.flush();
        w.write_str("x\t2s\n");
        assert_eq!(w.flush(), "x                2s\n");
    }
}
