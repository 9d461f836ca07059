//! The certificate (認定証) as an A4 landscape PDF: programme, the physician's name exactly as
//! stored, certificate number, validity, issuer, and a QR code to the public verification page.
//!
//! The Japanese font (IPAex Gothic; IPA Font License v1.0, text in `assets/fonts/`) is compiled
//! into the binary, so no font has to be installed on the server or the reader's machine; only
//! the glyphs a certificate uses are embedded, which keeps each PDF small.

use anyhow::{anyhow, Context};
use chrono::NaiveDate;
use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::Font;
use krilla::{Document, SerializeSettings};
use qrcode::{EcLevel, QrCode};

use super::pdf::{draw, font, shape, shape_name, solid, Line};
use crate::clock::format_jp_date;
use crate::domain::category::Programme;

pub use super::pdf::{has_name_fallback, UnprintableName};

/// A4 landscape, in points.
const PAGE_W: f32 = 841.89;
const PAGE_H: f32 = 595.28;
const QR_SIZE: f32 = 96.0;

pub const ISSUER: &str = "公益社団法人 日本医師会";

pub struct CertificateData {
    pub programme: Programme,
    /// As stored: 髙, 﨑 and the like are printed as they are, never normalised.
    pub physician_name: String,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// 発行日 (`domain::certificate::issue_date`).
    pub issued_on: NaiveDate,
    /// The JMA president's name, printed under the issuer (none set: the issuer alone).
    pub signatory: Option<String>,
    /// The public verification page the QR code points to.
    pub verify_url: String,
}

/// The path of the public verification page the QR code opens (the portal's base URL goes in
/// front). Served by `web::mypage::certificates`.
pub fn verify_path(programme: &str, certificate_number: &str, code: &str) -> String {
    format!("/verify/{programme}/{certificate_number}/{code}")
}

/// 「認定産業医 認定証」
pub fn title(programme: Programme) -> String {
    format!("{} 認定証", programme.label())
}

/// 「2021年8月1日 ～ 2026年7月31日」
pub fn validity_text(from: NaiveDate, until: NaiveDate) -> String {
    format!("{} ～ {}", format_jp_date(from), format_jp_date(until))
}

pub fn render(cert: &CertificateData) -> anyhow::Result<Vec<u8>> {
    render_with(cert, SerializeSettings::default())
}

fn render_with(cert: &CertificateData, settings: SerializeSettings) -> anyhow::Result<Vec<u8>> {
    let font = font()?;
    let title = title(cert.programme);
    // Shape everything first: a name the font cannot print fails here, before any drawing.
    let lines = Lines {
        title: shape(&title)?,
        name: shape_name(&cert.physician_name)?,
        honorific: shape("殿")?,
        body: shape(&format!(
            "あなたを日本医師会{}として認定したことを証します。",
            cert.programme.label()
        ))?,
        number_label: shape("認定証番号")?,
        number: shape(&cert.certificate_number)?,
        validity_label: shape("有効期間")?,
        validity: shape(&validity_text(cert.valid_from, cert.valid_until))?,
        issued_label: shape("発行日")?,
        issued: shape(&format_jp_date(cert.issued_on))?,
        issuer: shape(ISSUER)?,
        signatory: match cert.signatory.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => Some(shape_name(&format!("会長\u{3000}{name}"))?),
            None => None,
        },
        qr_caption: shape("認定の確認")?,
    };

    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(format!("{title} {}", cert.certificate_number))
            .language("ja".into())
            .creator("MAMIS".into()),
    );
    let page_settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("bad page size"))?;
    let mut page = document.start_page_with(page_settings);
    let qr_area = {
        let mut surface = page.surface();
        draw_frame(&mut surface)?;
        surface.set_stroke(None);
        surface.set_fill(Some(solid(0x1a, 0x1a, 0x1a)));
        draw_page_text(&mut surface, &font, &lines)?;
        let qr_x = PAGE_W - 70.0 - QR_SIZE;
        let qr_y = PAGE_H - 86.0 - QR_SIZE;
        let area = draw_qr(&mut surface, &cert.verify_url, qr_x, qr_y, QR_SIZE)?;
        surface.set_fill(Some(solid(0x1a, 0x1a, 0x1a)));
        let caption = &lines.qr_caption;
        let size = 9.0;
        draw(
            &mut surface,
            &font,
            caption,
            qr_x + (QR_SIZE - caption.width(size)) / 2.0,
            qr_y + QR_SIZE + 14.0,
            size,
        );
        surface.finish();
        area
    };
    // In a PDF viewer the QR code is also a link.
    page.add_annotation(Annotation::new_link(
        LinkAnnotation::new(
            qr_area,
            Target::Action(Action::Link(LinkAction::new(cert.verify_url.clone()))),
        ),
        Some("認定の確認ページ".into()),
    ));
    page.finish();
    document.finish().map_err(|e| anyhow!("writing the certificate PDF: {e:?}"))
}

struct Lines {
    title: Line,
    name: Line,
    honorific: Line,
    body: Line,
    number_label: Line,
    number: Line,
    validity_label: Line,
    validity: Line,
    issued_label: Line,
    issued: Line,
    issuer: Line,
    signatory: Option<Line>,
    qr_caption: Line,
}

fn draw_page_text(surface: &mut Surface, font: &Font, l: &Lines) -> anyhow::Result<()> {
    let centre = |line: &Line, size: f32| (PAGE_W - line.width(size)) / 2.0;

    draw(surface, font, &l.title, centre(&l.title, 36.0), 150.0, 36.0);

    // The name with 「殿」 after it, centred together and underlined.
    let (name_size, honorific_size, gap) = (30.0, 20.0, 14.0);
    let name_w = l.name.width(name_size);
    let total = name_w + gap + l.honorific.width(honorific_size);
    let name_x = (PAGE_W - total) / 2.0;
    draw(surface, font, &l.name, name_x, 245.0, name_size);
    draw(surface, font, &l.honorific, name_x + name_w + gap, 245.0, honorific_size);
    let mut underline = PathBuilder::new();
    underline.move_to(name_x - 24.0, 256.0);
    underline.line_to(name_x + total + 24.0, 256.0);
    let underline = underline.finish().ok_or_else(|| anyhow!("empty underline"))?;
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke { width: 0.8, ..Stroke::default() }));
    surface.draw_path(&underline);
    surface.set_stroke(None);
    surface.set_fill(Some(solid(0x1a, 0x1a, 0x1a)));

    draw(surface, font, &l.body, centre(&l.body, 16.0), 310.0, 16.0);

    let (label_x, value_x, size) = (260.0, 380.0, 16.0);
    draw(surface, font, &l.number_label, label_x, 370.0, size);
    draw(surface, font, &l.number, value_x, 370.0, size);
    draw(surface, font, &l.validity_label, label_x, 402.0, size);
    draw(surface, font, &l.validity, value_x, 402.0, size);
    draw(surface, font, &l.issued_label, label_x, 434.0, size);
    draw(surface, font, &l.issued, value_x, 434.0, size);

    let issuer_size = 22.0;
    match &l.signatory {
        Some(signatory) => {
            draw(surface, font, &l.issuer, centre(&l.issuer, issuer_size), 482.0, issuer_size);
            let size = 20.0;
            draw(surface, font, signatory, centre(signatory, size), 516.0, size);
        }
        None => draw(surface, font, &l.issuer, centre(&l.issuer, issuer_size), 490.0, issuer_size),
    }
    Ok(())
}

/// A double border in dark blue.
fn draw_frame(surface: &mut Surface) -> anyhow::Result<()> {
    let blue = rgb::Color::new(0x1f, 0x3a, 0x5f);
    surface.set_fill(None);
    for (inset, width) in [(26.0, 2.4), (34.0, 0.7)] {
        let rect = Rect::from_xywh(inset, inset, PAGE_W - 2.0 * inset, PAGE_H - 2.0 * inset)
            .ok_or_else(|| anyhow!("bad frame"))?;
        let mut path = PathBuilder::new();
        path.push_rect(rect);
        let path = path.finish().ok_or_else(|| anyhow!("empty frame"))?;
        surface.set_stroke(Some(Stroke { paint: blue.into(), width, ..Stroke::default() }));
        surface.draw_path(&path);
    }
    Ok(())
}

/// The QR code as filled squares (one rectangle per run of dark modules); returns its area.
fn draw_qr(surface: &mut Surface, url: &str, x: f32, y: f32, size: f32) -> anyhow::Result<Rect> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .context("the verification URL does not fit a QR code")?;
    let n = code.width();
    let dark: Vec<bool> = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    let module = size / n as f32;
    let mut path = PathBuilder::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if !dark[row * n + col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && dark[row * n + col] {
                col += 1;
            }
            let run = Rect::from_xywh(
                x + start as f32 * module,
                y + row as f32 * module,
                (col - start) as f32 * module,
                module,
            )
            .ok_or_else(|| anyhow!("bad QR module"))?;
            path.push_rect(run);
        }
    }
    let path = path.finish().ok_or_else(|| anyhow!("empty QR code"))?;
    surface.set_stroke(None);
    surface.set_fill(Some(solid(0, 0, 0)));
    surface.draw_path(&path);
    Rect::from_xywh(x, y, size, size).ok_or_else(|| anyhow!("bad QR area"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn certificate(name: &str) -> CertificateData {
        CertificateData {
            programme: Programme::Occupational,
            physician_name: name.into(),
            certificate_number: "0123456".into(),
            valid_from: date(2021, 8, 1),
            valid_until: date(2026, 7, 31),
            issued_on: date(2021, 7, 20),
            signatory: Some("医師 一郎".into()),
            verify_url: "https://mamis.example.jp/verify/occupational/0123456/0123456789abcdef0123456789abcdef".into(),
        }
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    /// The ToUnicode map as written by krilla: `<glyph> <UTF-16BE>` pairs, upper-case hex.
    fn mapped(pdf: &[u8], c: char) -> bool {
        let mut units = [0u16; 2];
        let hex: String = c.encode_utf16(&mut units).iter().map(|u| format!("{u:04X}")).collect();
        contains(pdf, &format!("> <{hex}>")) || contains(pdf, &format!("><{hex}>"))
    }

    #[test]
    fn renders_a_small_pdf_with_a_subset_of_the_embedded_font() {
        let pdf = render(&certificate("山田 太郎")).unwrap();
        crate::export::pdf::keep_sample("certificate.pdf", &pdf);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(contains(&pdf, "IPAexGothic"), "the font is embedded by name");
        assert!(contains(&pdf, "/FontFile2"), "the font program itself is embedded");
        // The whole font is 6 MB; a certificate carries only its own glyphs.
        assert!((5_000..150_000).contains(&pdf.len()), "PDF is {} bytes", pdf.len());
    }

    #[test]
    fn every_character_on_the_certificate_can_be_extracted_as_text() {
        let settings = SerializeSettings { compress_content_streams: false, ..Default::default() };
        let pdf = render_with(&certificate("髙橋\u{3000}﨑子"), settings).unwrap();
        let printed = [
            "髙橋\u{3000}﨑子",
            "認定産業医 認定証",
            "0123456",
            "2021年8月1日 ～ 2026年7月31日",
            ISSUER,
            "発行日",
            "2021年7月20日",
            "会長\u{3000}医師 一郎",
        ];
        for text in printed {
            for c in text.chars().filter(|c| !c.is_whitespace()) {
                assert!(mapped(&pdf, c), "{c} ({text}) is not in the ToUnicode map");
            }
        }
    }

    #[test]
    fn the_qr_code_area_links_to_the_verification_page() {
        let cert = certificate("山田 太郎");
        let pdf = render(&cert).unwrap();
        assert!(contains(&pdf, &format!("({})", cert.verify_url)));
    }

    #[test]
    fn titles_and_validity_read_as_on_paper() {
        assert_eq!(title(Programme::Occupational), "認定産業医 認定証");
        assert_eq!(title(Programme::Sports), "認定健康スポーツ医 認定証");
        assert_eq!(
            validity_text(date(2021, 8, 1), date(2026, 7, 31)),
            "2021年8月1日 ～ 2026年7月31日"
        );
        let mut sports = certificate("山田 太郎");
        sports.programme = Programme::Sports;
        assert!(render(&sports).unwrap().starts_with(b"%PDF-"));
    }

    #[test]
    fn a_name_the_font_cannot_print_is_refused_rather_than_altered() {
        let error = render(&certificate("山田 🩺")).unwrap_err();
        let unprintable = error.downcast_ref::<UnprintableName>().expect("a typed refusal");
        assert_eq!(unprintable.character, '🩺');
        assert!(error.to_string().contains("U+1FA7A"), "{error}");
    }

    /// 𠮷 (U+20BB7), the best-known variant in surnames, is not in IPAex Gothic; the fallback
    /// (IPAmj明朝, installed by .ci/run and the Dockerfile) prints it, and only the name line
    /// uses it.
    #[test]
    fn a_family_register_variant_prints_with_the_fallback_font() {
        assert!(has_name_fallback(), "install fonts-ipamj-mincho (see .ci/run)");
        let settings = SerializeSettings { compress_content_streams: false, ..Default::default() };
        let pdf = render_with(&certificate("髙﨑 𠮷太郎"), settings).unwrap();
        assert!(contains(&pdf, "IPAmj"), "the fallback font is embedded");
        assert!(contains(&pdf, "IPAexGothic"), "the rest stays in the certificate font");
        for c in "髙﨑𠮷太郎".chars() {
            assert!(mapped(&pdf, c), "{c} is not in the ToUnicode map");
        }
    }
}
