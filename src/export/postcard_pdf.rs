//! Members' postcards (はがき) as a PDF at 100 × 148 mm, one postcard per page: the postal
//! code in the seven boxes at Japan Post's position, the full address, 「氏名 様」, and the
//! login instructions with the login ID, the initial password and until when it works.
//!
//! The postal code boxes follow Japan Post's specification for postcards (郵便番号記入枠):
//! each box 5.7 × 8.0 mm, the top edge 12 mm from the top of the card, the right edge 8 mm from
//! the right; 1.3 mm between the first three boxes, 1.9 mm (with the hyphen) before the fourth,
//! 1.1 mm between the last four; vermilion lines, 0.5 mm for the first three and the hyphen,
//! 0.3 mm for the last four.

use anyhow::anyhow;
use chrono::NaiveDate;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::Font;
use krilla::Document;

use super::pdf::{draw, font, mm, pen, shape, shape_name, solid, stroke_line, stroke_rect, wrap};
use crate::clock::format_jp_date;

/// 100 × 148 mm in points.
pub const PAGE_W: f32 = 283.46;
pub const PAGE_H: f32 = 419.53;

/// The boxes' top edge and size, in mm.
pub const BOX_TOP: f32 = 12.0;
pub const BOX_W: f32 = 5.7;
pub const BOX_H: f32 = 8.0;

/// The left edge of each of the seven boxes, in mm from the card's left edge: the right edge
/// of the last is 8 mm from the right (100 − 8 = 92), the row is 47.7 mm wide.
pub fn box_lefts() -> [f32; 7] {
    let gaps = [0.0, 1.3, 1.3, 1.9, 1.1, 1.1, 1.1];
    let mut lefts = [0.0; 7];
    let mut x = 92.0 - 47.7;
    for (i, gap) in gaps.iter().enumerate() {
        x += gap;
        lefts[i] = x;
        x += BOX_W;
    }
    lefts
}

/// What one postcard says.
pub struct PostcardData {
    pub postal_code: String,
    /// The full address, from the prefecture on.
    pub address: String,
    pub name: String,
    pub login_id: String,
    pub initial_password: String,
    /// The last day the password works.
    pub valid_until: NaiveDate,
}

/// The sender and where to sign in: the same on every postcard of a printing.
pub struct Sender {
    pub association: String,
    pub login_url: String,
    pub contact: String,
}

/// The seven digits of a postal code (「100-0001」, 「1000001」), if it has exactly seven.
pub fn postal_digits(code: &str) -> Option<[char; 7]> {
    let digits: Vec<char> = code
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
            _ => None,
        })
        .collect();
    digits.try_into().ok()
}

pub fn render(cards: &[PostcardData], sender: &Sender) -> anyhow::Result<Vec<u8>> {
    let font = font()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title("ログインのご案内（はがき）".to_string())
            .language("ja".into())
            .creator("MAMIS".into()),
    );
    for card in cards {
        let settings =
            PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("bad page size"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        draw_card(&mut surface, &font, card, sender)?;
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| anyhow!("writing the postcard PDF: {e:?}"))
}

const INK: (u8, u8, u8) = (0x1a, 0x1a, 0x1a);
/// 朱色 (vermilion), as Japan Post asks for the boxes.
const VERMILION: (u8, u8, u8) = (0xe8, 0x50, 0x2a);

fn ink(surface: &mut Surface) {
    surface.set_fill(Some(solid(INK.0, INK.1, INK.2)));
}

fn draw_postal_boxes(surface: &mut Surface, font: &Font, code: &str) -> anyhow::Result<()> {
    let (r, g, b) = VERMILION;
    let lefts = box_lefts();
    for (i, left) in lefts.iter().enumerate() {
        let width = if i < 3 { 0.5 } else { 0.3 };
        stroke_rect(
            surface,
            mm(*left),
            mm(BOX_TOP),
            mm(BOX_W),
            mm(BOX_H),
            pen(r, g, b, mm(width)),
        )?;
    }
    let hyphen_y = mm(BOX_TOP + 4.0);
    stroke_line(
        surface,
        (mm(lefts[2] + BOX_W + 0.3), hyphen_y),
        (mm(lefts[3] - 0.3), hyphen_y),
        pen(r, g, b, mm(0.5)),
    )?;
    ink(surface);
    match postal_digits(code) {
        Some(digits) => {
            let size = 12.0;
            for (digit, left) in digits.iter().zip(lefts) {
                let line = shape(&digit.to_string())?;
                let x = mm(left) + (mm(BOX_W) - line.width(size)) / 2.0;
                draw(surface, font, &line, x, mm(BOX_TOP + BOX_H - 2.4), size);
            }
        }
        // Not seven digits (a typing error at import): printed as written, under the boxes.
        None if !code.trim().is_empty() => {
            let line = shape(&format!("〒{code}"))?;
            draw(surface, font, &line, mm(lefts[0]), mm(BOX_TOP + BOX_H + 5.0), 10.0);
        }
        None => {}
    }
    Ok(())
}

fn draw_card(
    surface: &mut Surface,
    font: &Font,
    card: &PostcardData,
    sender: &Sender,
) -> anyhow::Result<()> {
    draw_postal_boxes(surface, font, &card.postal_code)?;
    ink(surface);

    // The address, under the boxes, then the name with 様, larger.
    let left = mm(12.0);
    let width = PAGE_W - left - mm(8.0);
    let mut y = mm(32.0);
    let address_size = 11.0;
    for line in wrap(&card.address, address_size, width, shape_name)? {
        draw(surface, font, &line, left, y, address_size);
        y += address_size * 1.45;
    }
    y += mm(4.0);
    let name_size = 17.0;
    let name = shape_name(&card.name)?;
    let honorific = shape("様")?;
    let name_x = left + mm(6.0);
    draw(surface, font, &name, name_x, y, name_size);
    draw(surface, font, &honorific, name_x + name.width(name_size) + mm(4.0), y, name_size);

    // The instructions, in a box on the lower half.
    let top = mm(70.0);
    let (r, g, b) = INK;
    stroke_rect(surface, mm(6.0), top, PAGE_W - mm(12.0), mm(66.0), pen(r, g, b, 0.6))?;
    ink(surface);
    let inner = mm(9.0);
    let inner_w = PAGE_W - 2.0 * inner;
    let mut y = top + mm(6.0);
    let title = shape("認定医ポータル（MAMIS）ログインのご案内")?;
    draw(surface, font, &title, inner, y, 10.5);
    y += mm(5.5);
    let body_size = 7.6;
    let body = "先生の単位や認定の情報を、インターネットでご覧いただけます。次のページを開き、下のログインIDと初期パスワードでログインしてください。";
    for line in wrap(body, body_size, inner_w, shape)? {
        draw(surface, font, &line, inner, y, body_size);
        y += body_size * 1.5;
    }
    y += mm(2.0);
    let rows = [
        ("ログインページ", sender.login_url.as_str(), 8.5),
        ("ログインID", card.login_id.as_str(), 14.0),
        ("初期パスワード", card.initial_password.as_str(), 14.0),
    ];
    for (label, value, size) in rows {
        let label = shape(label)?;
        let value = shape(value)?;
        draw(surface, font, &label, inner, y + mm(0.5), 8.0);
        draw(surface, font, &value, inner + mm(22.0), y + mm(0.5), size);
        y += mm(if size > 10.0 { 7.5 } else { 6.0 });
    }
    let until = format!("このパスワードの有効期限：{}まで", format_jp_date(card.valid_until));
    draw(surface, font, &shape(&until)?, inner, y, 8.0);
    y += mm(5.0);
    let note = "初めてログインしたときに、ご自身のパスワードに変えていただきます。このはがきは他の人に見せないでください。期限が過ぎたときは、医師会にご連絡ください。";
    for line in wrap(note, 7.0, inner_w, shape)? {
        draw(surface, font, &line, inner, y, 7.0);
        y += 7.0 * 1.5;
    }

    // The sender, at the foot.
    let from = format!("差出人：{}", sender.association);
    draw(surface, font, &shape_name(&from)?, mm(8.0), PAGE_H - mm(7.5), 7.5);
    let contact = shape(&sender.contact)?;
    draw(surface, font, &contact, mm(8.0), PAGE_H - mm(3.8), 7.0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boxes_sit_where_japan_post_puts_them() {
        let lefts = box_lefts();
        let close = |a: f32, b: f32| (a - b).abs() < 0.001;
        assert!(close(lefts[6] + BOX_W, 92.0), "right edge 8 mm from the right");
        assert!(close(lefts[6] + BOX_W - lefts[0], 47.7), "the row is 47.7 mm wide");
        assert!(close(lefts[1] - lefts[0] - BOX_W, 1.3));
        assert!(close(lefts[3] - lefts[2] - BOX_W, 1.9));
        assert!(close(lefts[4] - lefts[3] - BOX_W, 1.1));
        assert!((mm(100.0) - PAGE_W).abs() < 0.01 && (mm(148.0) - PAGE_H).abs() < 0.01);
    }

    #[test]
    fn postal_codes_give_seven_digits_or_none() {
        let table = [
            ("100-0001", Some("1000001")),
            ("1000001", Some("1000001")),
            ("１００－０００１", Some("1000001")),
            ("100-001", None),
            ("", None),
        ];
        for (code, expected) in table {
            let got = postal_digits(code).map(|d| d.iter().collect::<String>());
            assert_eq!(got.as_deref(), expected, "{code}");
        }
    }

    #[test]
    fn one_page_per_postcard_at_postcard_size() {
        let card = |name: &str| PostcardData {
            postal_code: "100-0001".into(),
            address: "東京都千代田区千代田1-1 千代田ビルディング南館 12階 1203号室".into(),
            name: name.into(),
            login_id: "m12345678".into(),
            initial_password: "abcdEFGH2345".into(),
            valid_until: NaiveDate::from_ymd_opt(2025, 7, 6).unwrap(),
        };
        let sender = Sender {
            association: "東京都医師会".into(),
            login_url: "https://mamis.example.jp/login".into(),
            contact: "お問い合わせ：東京都医師会".into(),
        };
        let pdf =
            render(&[card("髙木 一子"), card("山田 太郎"), card("髙﨑 𠮷太郎")], &sender).unwrap();
        crate::export::pdf::keep_sample("postcards.pdf", &pdf);
        let sizes = crate::export::pdf::page_sizes(&pdf).unwrap();
        assert_eq!(sizes.len(), 3);
        for (w, h) in sizes {
            assert!((w - 283.46).abs() < 0.05 && (h - 419.53).abs() < 0.05, "{w}×{h}");
        }
        let text = crate::export::pdf::page_text(&pdf, 1).unwrap();
        for printed in ["abcdEFGH2345", "m12345678", "髙木", "様", "東京都千代田区"] {
            assert!(text.contains(printed), "{printed} not in {text}");
        }
    }
}
