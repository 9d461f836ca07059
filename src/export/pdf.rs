//! The PDF machinery the printed papers share (certificate, postcards, address labels, the
//! request letter): the embedded Japanese font with its fallback for names, text shaped and
//! measured with rustybuzz, drawn with krilla, and a few drawing helpers.
//!
//! The Japanese font (IPAex Gothic; IPA Font License v1.0, text in `assets/fonts/`) is compiled
//! into the binary, so no font has to be installed on the server or the reader's machine; only
//! the glyphs a document uses are embedded, which keeps each PDF small.

use std::sync::LazyLock;

use anyhow::anyhow;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

/// Millimetres to PDF points.
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// The document font (IPAex Gothic), or an error if the embedded file is unreadable.
pub fn font() -> anyhow::Result<Font> {
    FONT.clone().ok_or_else(|| anyhow!("the embedded PDF font is unreadable"))
}

const FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");

static FONT: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(FONT_DATA.into(), 0));

/// Where the fallback font for names is looked for: IPAmj明朝 (Debian's fonts-ipamj-mincho),
/// made for the characters of Japan's family registers, so 𠮷 (U+20BB7) and the like print.
/// `MAMIS_NAME_FONT` names another file.
const FALLBACK_PATHS: &[&str] = &["/usr/share/fonts/truetype/ipamj/ipamjm.ttf"];

/// The fallback font's bytes (kept for the life of the process) and the font.
static FALLBACK: LazyLock<Option<(&'static [u8], Font)>> = LazyLock::new(|| {
    let path = std::env::var("MAMIS_NAME_FONT")
        .ok()
        .into_iter()
        .chain(FALLBACK_PATHS.iter().map(|p| p.to_string()))
        .find(|p| std::path::Path::new(p).is_file())?;
    let data: &'static [u8] = Box::leak(std::fs::read(&path).ok()?.into_boxed_slice());
    let font = Font::new(data.into(), 0)?;
    Some((data, font))
});

/// Whether a fallback font for names is installed.
pub fn has_name_fallback() -> bool {
    FALLBACK.is_some()
}

/// A name with a character that neither the certificate font nor the fallback can print: the
/// certificate is not made (a substitute would change the name on an official document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnprintableName {
    pub character: char,
}

impl std::fmt::Display for UnprintableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no certificate font has a glyph for U+{:04X}", u32::from(self.character))
    }
}

impl std::error::Error for UnprintableName {}

pub fn solid(r: u8, g: u8, b: u8) -> Fill {
    Fill { paint: rgb::Color::new(r, g, b).into(), ..Fill::default() }
}

/// A shaped line of text: glyphs with advances in em, and the text they stand for (which
/// becomes the PDF's ToUnicode map, so the text can be searched and copied).
pub struct Line {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    width_em: f32,
    /// Each glyph's first byte in `text` and its advance (em), for breaking lines.
    advances: Vec<(usize, f32)>,
    /// Shaped with the fallback font (a name the certificate font cannot print).
    fallback: bool,
}

impl Line {
    pub fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }
}

pub fn shape(text: &str) -> anyhow::Result<Line> {
    shape_with(FONT_DATA, text)
        .map_err(|missing| anyhow!("the PDF font has no glyph for U+{:04X}", u32::from(missing)))
}

/// The name in the certificate font, else wholly in the fallback font (one typeface per
/// line), else `UnprintableName`.
pub fn shape_name(name: &str) -> anyhow::Result<Line> {
    match shape_with(FONT_DATA, name) {
        Ok(line) => Ok(line),
        Err(missing) => match FALLBACK.as_ref() {
            Some((data, _)) => shape_with(data, name)
                .map(|line| Line { fallback: true, ..line })
                .map_err(|character| UnprintableName { character }.into()),
            None => Err(UnprintableName { character: missing }.into()),
        },
    }
}

/// Shapes `text` with the font in `data`; Err(the first character it has no glyph for).
fn shape_with(data: &[u8], text: &str) -> Result<Line, char> {
    let Some(face) = rustybuzz::Face::from_slice(data, 0) else { return Err('?') };
    let upem = face.units_per_em() as f32;
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    buffer.guess_segment_properties();
    let output = rustybuzz::shape(&face, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut advances = Vec::with_capacity(infos.len());
    let mut width_em = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        if info.glyph_id == 0 {
            // Printing a substitute would change the name on an official document.
            return Err(text.get(start..).and_then(|s| s.chars().next()).unwrap_or('?'));
        }
        let end = infos[i + 1..]
            .iter()
            .find(|next| next.cluster != info.cluster)
            .map_or(text.len(), |next| next.cluster as usize);
        let advance = pos.x_advance as f32 / upem;
        width_em += advance;
        advances.push((start, advance));
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            advance,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end,
            None,
        ));
    }
    Ok(Line { text: text.to_string(), glyphs, width_em, advances, fallback: false })
}

/// Draws a line with its baseline at `baseline` (y grows downwards).
pub fn draw(surface: &mut Surface, font: &Font, line: &Line, x: f32, baseline: f32, size: f32) {
    let font = match (&*FALLBACK, line.fallback) {
        (Some((_, fallback)), true) => fallback,
        _ => font,
    };
    surface.draw_glyphs(
        Point::from_xy(x, baseline),
        &line.glyphs,
        font.clone(),
        &line.text,
        size,
        false,
    );
}

/// A stroked rectangle outline (y grows downwards).
pub fn stroke_rect(
    surface: &mut Surface,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    stroke: Stroke,
) -> anyhow::Result<()> {
    let rect = Rect::from_xywh(x, y, w, h).ok_or_else(|| anyhow!("bad rectangle"))?;
    let mut path = PathBuilder::new();
    path.push_rect(rect);
    let path = path.finish().ok_or_else(|| anyhow!("empty rectangle"))?;
    surface.set_fill(None);
    surface.set_stroke(Some(stroke));
    surface.draw_path(&path);
    surface.set_stroke(None);
    Ok(())
}

/// A straight line.
pub fn stroke_line(
    surface: &mut Surface,
    from: (f32, f32),
    to: (f32, f32),
    stroke: Stroke,
) -> anyhow::Result<()> {
    let mut path = PathBuilder::new();
    path.move_to(from.0, from.1);
    path.line_to(to.0, to.1);
    let path = path.finish().ok_or_else(|| anyhow!("empty line"))?;
    surface.set_fill(None);
    surface.set_stroke(Some(stroke));
    surface.draw_path(&path);
    surface.set_stroke(None);
    Ok(())
}

/// A stroke of `width` points in one colour.
pub fn pen(r: u8, g: u8, b: u8, width: f32) -> Stroke {
    Stroke { paint: rgb::Color::new(r, g, b).into(), width, ..Stroke::default() }
}

/// Text that does not fit `max_width` at `size`, broken into lines between characters
/// (Japanese has no spaces to break at); each line shaped with `shaper` (`shape`, or
/// `shape_name` for names and addresses, which may need the fallback font).
pub fn wrap(
    text: &str,
    size: f32,
    max_width: f32,
    shaper: fn(&str) -> anyhow::Result<Line>,
) -> anyhow::Result<Vec<Line>> {
    let whole = shaper(text)?;
    let mut starts = vec![0usize];
    let mut width = 0.0;
    for (i, &(start, advance)) in whole.advances.iter().enumerate() {
        let line_start = *starts.last().unwrap_or(&0);
        if start != line_start && width + advance * size > max_width {
            // Prefer the last space of the line (an address's building name stays whole).
            let space = text[line_start..start]
                .char_indices()
                .filter(|(_, c)| *c == ' ' || *c == '\u{3000}')
                .map(|(at, c)| line_start + at + c.len_utf8())
                .next_back()
                .filter(|&at| at > line_start && at < start);
            let at = space.unwrap_or(start);
            starts.push(at);
            width = whole.advances[..=i]
                .iter()
                .filter(|(s, _)| *s >= at)
                .map(|(_, a)| a * size)
                .sum::<f32>()
                - advance * size;
        }
        width += advance * size;
    }
    starts.push(text.len());
    starts.windows(2).filter(|w| w[0] < w[1]).map(|w| shaper(&text[w[0]..w[1]])).collect()
}

/// The size (width, height in points) of each page of a PDF, read back with lopdf: how tests
/// check that paper prints at its size.
pub fn page_sizes(pdf: &[u8]) -> anyhow::Result<Vec<(f32, f32)>> {
    let doc = lopdf::Document::load_mem(pdf)?;
    let mut sizes = Vec::new();
    for id in doc.get_pages().into_values() {
        let page = doc.get_dictionary(id)?;
        let b = page.get(b"MediaBox")?.as_array()?;
        let n = |i: usize| -> anyhow::Result<f32> {
            let o = b.get(i).ok_or_else(|| anyhow!("short MediaBox"))?;
            Ok(o.as_float().or_else(|_| o.as_i64().map(|v| v as f32))?)
        };
        sizes.push((n(2)? - n(0)?, n(3)? - n(1)?));
    }
    Ok(sizes)
}

/// The text of one page (1-based), as a reader copies it (via the ToUnicode maps): how tests
/// read what a paper says.
pub fn page_text(pdf: &[u8], page: u32) -> anyhow::Result<String> {
    let doc = lopdf::Document::load_mem(pdf)?;
    Ok(doc.extract_text(&[page])?)
}

/// Tests write the PDFs they make to `$MAMIS_SAMPLE_DIR/<name>` when it is set, so that a
/// person can render them (`pdftoppm -png`) and look.
#[cfg(test)]
pub fn keep_sample(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("MAMIS_SAMPLE_DIR") {
        std::fs::write(std::path::Path::new(&dir).join(name), pdf).expect("sample written");
    }
}
