//! Uploaded evidence and report attachments: what a file is, judged by parsing its content
//! (never by its name or the browser's word), and the name it is stored and served under.

use std::io::Cursor;

/// A file that parsed as one of the accepted types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub content_type: &'static str,
    pub extension: &'static str,
}

pub const PDF: Kind = Kind { content_type: "application/pdf", extension: "pdf" };
pub const JPEG: Kind = Kind { content_type: "image/jpeg", extension: "jpg" };
pub const PNG: Kind = Kind { content_type: "image/png", extension: "png" };

/// A PDF read from a form, under the name it is stored as.
#[derive(Clone, Debug)]
pub struct PdfFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// Largest picture decoded (pixels per side): a phone photo is ~4,000; more is a bomb.
const MAX_SIDE: u32 = 12_000;

fn image_decodes(data: &[u8], format: image::ImageFormat) -> bool {
    let mut reader = image::ImageReader::with_format(Cursor::new(data), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().is_ok()
}

/// The file's type: its first bytes name a candidate, and the whole file must then parse as
/// that type (a PDF whose objects load, an image that decodes). None: refuse it.
pub fn detect(data: &[u8]) -> Option<Kind> {
    if data.starts_with(b"%PDF-") {
        let doc = lopdf::Document::load_mem(data).ok()?;
        (!doc.get_pages().is_empty()).then_some(PDF)
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        image_decodes(data, image::ImageFormat::Jpeg).then_some(JPEG)
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        image_decodes(data, image::ImageFormat::Png).then_some(PNG)
    } else {
        None
    }
}

/// The name to store: the uploaded name's stem with the extension of the detected type, so a
/// PDF sent as `report.html` is kept and served as `report.pdf`.
pub fn stored_name(uploaded: &str, kind: Kind) -> String {
    let stem = match uploaded.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => uploaded,
    };
    format!("{}.{}", stem.trim(), kind.extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_take_the_extension_of_the_content() {
        let table = [
            ("report.html", PDF, "report.pdf"),
            ("会場写真.PNG", PNG, "会場写真.png"),
            ("scan", JPEG, "scan.jpg"),
            ("a.b.svg", PNG, "a.b.png"),
            (".htaccess", PDF, ".htaccess.pdf"),
        ];
        for (uploaded, kind, stored) in table {
            assert_eq!(stored_name(uploaded, kind), stored, "{uploaded}");
        }
    }

    #[test]
    fn magic_bytes_alone_are_not_enough() {
        for fake in [
            &b"%PDF-1.4\n<html><script>alert(1)</script></html>"[..],
            b"%PDF-1.7\n%%EOF\n",
            b"\x89PNG\r\n\x1a\n<script>",
            &[0xFF, 0xD8, 0xFF, 0xE0, b'<', b'h'],
            b"<html><script>",
            b"GIF89a",
            b"PK\x03\x04",
            b"",
        ] {
            assert_eq!(detect(fake), None, "{:?}", String::from_utf8_lossy(fake));
        }
    }

    #[test]
    fn real_files_parse() {
        let mut png = Vec::new();
        image::RgbImage::new(2, 2)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(detect(&png), Some(PNG));
        let mut jpeg = Vec::new();
        image::RgbImage::new(8, 8)
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        assert_eq!(detect(&jpeg), Some(JPEG));
        assert_eq!(detect(&sample_pdf()), Some(PDF));
    }

    pub fn sample_pdf() -> Vec<u8> {
        use lopdf::{dictionary, Document, Object};
        let mut doc = Document::with_version("1.4");
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 10.into(), 10.into()],
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }
}
