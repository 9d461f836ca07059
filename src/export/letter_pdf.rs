//! The request letter (依頼状) from a prefectural association's president to the JMA
//! president, as an A4 PDF: document number, date in the Japanese era, both presidents' names,
//! the request, and the lists of the applications and the seminars the prefecture forwards to
//! a committee (運営委員会). Long lists run on to further pages.

use anyhow::anyhow;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use super::labels_pdf::{A4_H, A4_W};
use super::pdf::{draw, font, mm, pen, shape, shape_name, solid, stroke_line, wrap, Line};

/// What the letter says.
pub struct LetterData {
    /// 文書番号, as the clerk typed it (may be empty: a blank is left to write it by hand).
    pub number: String,
    /// The date, in the Japanese era (「令和7年4月10日」).
    pub date: String,
    pub jma_president: Option<String>,
    pub prefecture_association: String,
    pub prefecture_president: Option<String>,
    /// 「2025年度 第1回」
    pub cycle_label: String,
    /// The committee's date, in the Japanese era.
    pub committee_date: String,
    /// 「合計 3件（認定産業医・新規 2件）…」
    pub counts: String,
    /// No, 氏名, 認定の種類, 申請区分, 認定証番号.
    pub applications: Vec<[String; 5]>,
    /// No, 研修会名, 認定の種類, 開催日, 主催.
    pub seminars: Vec<[String; 5]>,
}

pub const TITLE: &str = "日本医師会認定産業医・認定健康スポーツ医の認定申請について（依頼）";

/// What is drawn on a page: shaped text at (x, baseline, size), or a rule.
enum Op {
    Text(Line, f32, f32, f32),
    Rule(f32, f32, f32),
}

const LEFT: f32 = 25.0;
const RIGHT: f32 = 185.0;
const BOTTOM: f32 = 275.0;

struct Pages {
    pages: Vec<Vec<Op>>,
    /// The next baseline, in mm from the top.
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages { pages: vec![Vec::new()], y: 30.0 }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("at least one page")
    }

    /// Starts a new page when `height` mm do not fit any more.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = 25.0;
        }
    }

    fn text(&mut self, line: Line, x: f32, size: f32) {
        let y = mm(self.y);
        self.ops().push(Op::Text(line, mm(x), y, size));
    }

    fn right(&mut self, line: Line, size: f32) {
        let x = mm(RIGHT) - line.width(size);
        let y = mm(self.y);
        self.ops().push(Op::Text(line, x, y, size));
    }

    fn centre(&mut self, line: Line, size: f32) {
        let x = (A4_W - line.width(size)) / 2.0;
        let y = mm(self.y);
        self.ops().push(Op::Text(line, x, y, size));
    }

    fn paragraph(&mut self, text: &str, size: f32) -> anyhow::Result<()> {
        for line in wrap(text, size, mm(RIGHT - LEFT), shape_name)? {
            self.room(size * 0.5);
            self.text(line, LEFT, size);
            self.y += size * 0.62;
        }
        Ok(())
    }

    /// A table: a header row, then rows, each cell cut to its column (names whole, smaller).
    fn table(
        &mut self,
        widths: &[f32],
        header: &[&str],
        rows: &[[String; 5]],
    ) -> anyhow::Result<()> {
        let size = 9.5;
        let row_h = 6.5;
        let draw_header = |pages: &mut Pages| -> anyhow::Result<()> {
            pages.room(row_h * 2.0);
            let mut x = LEFT;
            for (w, h) in widths.iter().zip(header) {
                pages.text(shape(h)?, x + 1.0, size);
                x += w;
            }
            let y = pages.y + 2.0;
            pages.ops().push(Op::Rule(mm(LEFT), mm(RIGHT), mm(y)));
            pages.y += row_h;
            Ok(())
        };
        draw_header(self)?;
        for row in rows {
            if self.y + row_h > BOTTOM {
                self.pages.push(Vec::new());
                self.y = 25.0;
                draw_header(self)?;
            }
            let mut x = LEFT;
            for (w, cell) in widths.iter().zip(row) {
                let line = shape_name(cell)?;
                let room = mm(w - 2.0);
                let fitted =
                    if line.width(size) > room { size * room / line.width(size) } else { size };
                self.text(line, x + 1.0, fitted);
                x += w;
            }
            let y = self.y + 2.0;
            self.ops().push(Op::Rule(mm(LEFT), mm(RIGHT), mm(y)));
            self.y += row_h;
        }
        Ok(())
    }
}

fn president(name: &Option<String>) -> String {
    match name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("会長\u{3000}{name}"),
        None => "会長\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}".to_string(),
    }
}

fn layout(letter: &LetterData) -> anyhow::Result<Vec<Vec<Op>>> {
    let mut p = Pages::new();
    let body = 10.5;
    let number = if letter.number.trim().is_empty() {
        "第\u{3000}\u{3000}\u{3000}\u{3000}号".to_string()
    } else {
        letter.number.trim().to_string()
    };
    p.right(shape_name(&number)?, body);
    p.y += 6.5;
    p.right(shape(&letter.date)?, body);
    p.y += 14.0;
    p.text(shape("公益社団法人 日本医師会")?, LEFT, 12.0);
    p.y += 7.0;
    p.text(shape_name(&format!("{}\u{3000}殿", president(&letter.jma_president)))?, LEFT, 12.0);
    p.y += 14.0;
    p.right(shape_name(&letter.prefecture_association)?, 12.0);
    p.y += 7.0;
    p.right(shape_name(&president(&letter.prefecture_president))?, 12.0);
    p.y += 16.0;
    for line in wrap(TITLE, 13.0, mm(RIGHT - LEFT), shape)? {
        p.centre(line, 13.0);
        p.y += 7.0;
    }
    p.y += 5.0;
    p.paragraph(
        &format!(
            "\u{3000}標記について、当会において審査のうえ、下記のとおり{}（運営委員会 {}）の審査に進達いたしますので、よろしくお取り計らいくださいますようお願い申し上げます。",
            letter.cycle_label, letter.committee_date
        ),
        body,
    )?;
    p.y += 5.0;
    p.centre(shape("記")?, body);
    p.y += 10.0;

    p.room(14.0);
    p.text(shape_name(&format!("1. 認定申請　{}", letter.counts))?, LEFT, body);
    p.y += 7.5;
    if letter.applications.is_empty() {
        p.text(shape("この審査回に進達する申請はありません。")?, LEFT + 5.0, body);
        p.y += 7.0;
    } else {
        p.table(
            &[12.0, 48.0, 40.0, 25.0, 35.0],
            &["No", "氏名", "認定の種類", "申請区分", "認定証番号"],
            &letter.applications,
        )?;
    }
    p.y += 6.0;
    p.room(14.0);
    p.text(shape(&format!("2. 研修会　合計 {}件", letter.seminars.len()))?, LEFT, body);
    p.y += 7.5;
    if letter.seminars.is_empty() {
        p.text(shape("この審査回に進達する研修会はありません。")?, LEFT + 5.0, body);
        p.y += 7.0;
    } else {
        p.table(
            &[12.0, 62.0, 28.0, 26.0, 32.0],
            &["No", "研修会名", "認定の種類", "開催日", "主催"],
            &letter.seminars,
        )?;
    }
    p.y += 6.0;
    p.room(8.0);
    p.right(shape("以上")?, body);
    Ok(p.pages)
}

pub fn render(letter: &LetterData) -> anyhow::Result<Vec<u8>> {
    let font = font()?;
    let pages = layout(letter)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("依頼状 {}", letter.cycle_label))
            .language("ja".into())
            .creator("MAMIS".into()),
    );
    for ops in pages {
        let settings = PageSettings::from_wh(A4_W, A4_H).ok_or_else(|| anyhow!("bad page size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text(line, x, y, size) => {
                    surface.set_fill(Some(solid(0x1a, 0x1a, 0x1a)));
                    draw(&mut surface, &font, &line, x, y, size);
                }
                Op::Rule(x0, x1, y) => {
                    stroke_line(&mut surface, (x0, y), (x1, y), pen(0x80, 0x80, 0x80, 0.4))?;
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| anyhow!("writing the request letter PDF: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(applications: usize) -> LetterData {
        LetterData {
            number: "東医発第123号".into(),
            date: "令和7年4月10日".into(),
            jma_president: Some("医師 一郎".into()),
            prefecture_association: "東京都医師会".into(),
            prefecture_president: None,
            cycle_label: "2025年度 第1回".into(),
            committee_date: "令和7年5月30日".into(),
            counts: format!("合計 {applications}件"),
            applications: (1..=applications)
                .map(|i| {
                    [
                        i.to_string(),
                        format!("山田 太郎{i}"),
                        "認定産業医".into(),
                        "更新".into(),
                        "0123456".into(),
                    ]
                })
                .collect(),
            seminars: vec![[
                "1".into(),
                "産業医研修会（メンタルヘルス対策）".into(),
                "認定産業医".into(),
                "2025-04-20".into(),
                "千代田区医師会".into(),
            ]],
        }
    }

    #[test]
    fn the_letter_names_both_presidents_and_runs_on_to_more_pages() {
        let pdf = render(&letter(3)).unwrap();
        crate::export::pdf::keep_sample("request_letter.pdf", &pdf);
        let sizes = crate::export::pdf::page_sizes(&pdf).unwrap();
        assert_eq!(sizes.len(), 1);
        assert!((sizes[0].0 - A4_W).abs() < 0.05 && (sizes[0].1 - A4_H).abs() < 0.05);
        let text = crate::export::pdf::page_text(&pdf, 1).unwrap();
        for printed in
            ["東医発第123号", "令和7年4月10日", "医師 一郎", "運営委員会", "山田 太郎3", "以上"]
        {
            assert!(text.contains(printed), "{printed} not in {text}");
        }
        assert!(!text.contains("認定委員会"));
        let long = render(&letter(80)).unwrap();
        assert!(crate::export::pdf::page_sizes(&long).unwrap().len() >= 3);
    }
}
