//! Address labels (宛名ラベル) as a PDF on A4 label sheets of 12 or 24 labels: on each label the
//! postal code, the full address from the prefecture on, and 「氏名 様」.
//!
//! The sheets are the common Japanese stationery layouts (*assumed*; the clerk picks the one in
//! the printer): 12 labels of 86.4 × 42.3 mm in 2 × 6 without gaps (e.g. A-one 72312), and 24
//! labels of 66.0 × 33.9 mm in 3 × 8 with 2.5 mm between columns (e.g. A-one 72324).

use anyhow::anyhow;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::Font;
use krilla::Document;

use super::pdf::{draw, font, mm, shape, shape_name, solid, wrap};

/// A4 portrait, in points.
pub const A4_W: f32 = 595.28;
pub const A4_H: f32 = 841.89;

/// A label sheet's geometry, in mm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sheet {
    pub columns: u32,
    pub rows: u32,
    pub width: f32,
    pub height: f32,
    pub left: f32,
    pub top: f32,
    pub gap_x: f32,
    pub gap_y: f32,
}

impl Sheet {
    pub const TWELVE: Sheet = Sheet {
        columns: 2,
        rows: 6,
        width: 86.4,
        height: 42.3,
        left: 18.6,
        top: 21.6,
        gap_x: 0.0,
        gap_y: 0.0,
    };
    pub const TWENTY_FOUR: Sheet = Sheet {
        columns: 3,
        rows: 8,
        width: 66.0,
        height: 33.9,
        left: 3.5,
        top: 12.9,
        gap_x: 2.5,
        gap_y: 0.0,
    };

    /// The sheet with this many labels (12 or 24).
    pub fn with(per_sheet: u32) -> Option<Sheet> {
        match per_sheet {
            12 => Some(Sheet::TWELVE),
            24 => Some(Sheet::TWENTY_FOUR),
            _ => None,
        }
    }

    pub fn per_sheet(&self) -> u32 {
        self.columns * self.rows
    }

    /// The top-left corner (mm) of the `i`-th label of a sheet, left to right, then down.
    pub fn origin(&self, i: u32) -> (f32, f32) {
        let (col, row) = (i % self.columns, i / self.columns);
        (
            self.left + col as f32 * (self.width + self.gap_x),
            self.top + row as f32 * (self.height + self.gap_y),
        )
    }

    /// Sheets needed for `n` labels (at least one page, even for none).
    pub fn pages(&self, n: usize) -> usize {
        n.div_ceil(self.per_sheet() as usize).max(1)
    }
}

/// What one label says.
pub struct Label {
    pub postal_code: String,
    /// The full address, from the prefecture on.
    pub address: String,
    pub name: String,
}

pub fn render(labels: &[Label], sheet: Sheet) -> anyhow::Result<Vec<u8>> {
    let font = font()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("宛名ラベル（{}面）", sheet.per_sheet()))
            .language("ja".into())
            .creator("MAMIS".into()),
    );
    let per_sheet = sheet.per_sheet() as usize;
    let empty: [Label; 0] = [];
    let pages: Vec<&[Label]> =
        if labels.is_empty() { vec![&empty[..]] } else { labels.chunks(per_sheet).collect() };
    for page_labels in pages {
        let settings = PageSettings::from_wh(A4_W, A4_H).ok_or_else(|| anyhow!("bad page size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(solid(0x1a, 0x1a, 0x1a)));
        for (i, label) in page_labels.iter().enumerate() {
            draw_label(&mut surface, &font, label, sheet, sheet.origin(i as u32))?;
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| anyhow!("writing the label PDF: {e:?}"))
}

fn draw_label(
    surface: &mut Surface,
    font: &Font,
    label: &Label,
    sheet: Sheet,
    (x, y): (f32, f32),
) -> anyhow::Result<()> {
    let small = sheet.height < 40.0;
    let (pad, text_size, name_size) = if small { (3.0, 8.0, 10.5) } else { (5.0, 9.5, 13.0) };
    let left = mm(x + pad);
    let width = mm(sheet.width - 2.0 * pad);
    let mut baseline = mm(y + pad) + text_size;
    if !label.postal_code.trim().is_empty() {
        draw(
            surface,
            font,
            &shape(&format!("〒{}", label.postal_code.trim()))?,
            left,
            baseline,
            text_size,
        );
        baseline += text_size * 1.35;
    }
    let lines = wrap(&label.address, text_size, width, shape_name)?;
    // At most three address lines; the name always fits under them.
    for line in lines.iter().take(3) {
        draw(surface, font, line, left, baseline, text_size);
        baseline += text_size * 1.3;
    }
    baseline += name_size * 0.55;
    let name = shape_name(&label.name)?;
    let honorific = shape("様")?;
    let name_x = left + mm(if small { 3.0 } else { 5.0 });
    let room = left + width - name_x - honorific.width(name_size) - mm(2.0);
    // A long name is printed smaller rather than cut.
    let size = if name.width(name_size) > room {
        name_size * room / name.width(name_size)
    } else {
        name_size
    };
    draw(surface, font, &name, name_x, baseline, size);
    draw(surface, font, &honorific, name_x + name.width(size) + mm(2.0), baseline, name_size);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sheets_fit_a4_and_give_their_label_count() {
        for (sheet, n) in [(Sheet::TWELVE, 12), (Sheet::TWENTY_FOUR, 24)] {
            assert_eq!(sheet.per_sheet(), n);
            let (x, y) = sheet.origin(n - 1);
            assert!(x + sheet.width <= 210.0 + 0.01 && y + sheet.height <= 297.0 + 0.01, "{n}");
            assert_eq!(sheet.origin(0), (sheet.left, sheet.top));
            assert_eq!(Sheet::with(n), Some(sheet));
        }
        assert_eq!(Sheet::with(10), None);
        let table = [(0, 1), (1, 1), (12, 1), (13, 2), (24, 2), (25, 3)];
        for (labels, pages) in table {
            assert_eq!(Sheet::TWELVE.pages(labels), pages, "{labels}");
        }
        assert_eq!(Sheet::TWENTY_FOUR.pages(25), 2);
    }

    #[test]
    fn labels_render_one_a4_page_per_sheet() {
        let labels: Vec<Label> = (0..13)
            .map(|i| Label {
                postal_code: "100-0001".into(),
                address: format!("東京都千代田区千代田1-{i} 千代田ビルディング南館 12階"),
                name: if i == 1 { "髙﨑 𠮷太郎".into() } else { format!("山田 太郎{i}") },
            })
            .collect();
        for (sheet, pages, name) in
            [(Sheet::TWELVE, 2, "labels12.pdf"), (Sheet::TWENTY_FOUR, 1, "labels24.pdf")]
        {
            let pdf = render(&labels, sheet).unwrap();
            crate::export::pdf::keep_sample(name, &pdf);
            let sizes = crate::export::pdf::page_sizes(&pdf).unwrap();
            assert_eq!(sizes.len(), pages);
            for (w, h) in sizes {
                assert!((w - A4_W).abs() < 0.05 && (h - A4_H).abs() < 0.05, "{w}×{h}");
            }
            let text = crate::export::pdf::page_text(&pdf, 1).unwrap();
            assert!(text.contains("〒100-0001") && text.contains("様"), "{text}");
        }
    }
}
