//! The small layout layer printpdf leaves to us: measured text, right alignment, word wrap,
//! rules and boxes, on pages addressed from the top-left in millimetres.
//!
//! printpdf's own coordinates start bottom-left in points; everything here is converted once,
//! in [`Canvas`], so the document code reads like the paper it describes.

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfFontHandle, Point, Pt, Rect, Rgb, TextItem,
    WindingOrder, XObjectId, XObjectTransform,
};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// A font face: its id in the document and its metrics for measuring.
pub struct Face {
    pub id: FontId,
    pub font: ParsedFont,
}

impl Face {
    /// The width of `text` at `size` points, in millimetres (glyph advances, no kerning).
    pub fn width_mm(&self, text: &str, size: f32) -> f32 {
        let units_per_em = self.font.font_metrics.units_per_em.max(1) as f32;
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = self.font.lookup_glyph_index(c as u32).unwrap_or(0);
                self.font.get_horizontal_advance(glyph) as u32
            })
            .sum();
        units as f32 / units_per_em * size / PT_PER_MM
    }

    /// Splits `text` into lines no wider than `width` millimetres, breaking at spaces (and
    /// inside words only when one word alone is too wide).
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.width_mm(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // a word wider than the column is cut where it must be
                let mut rest = word.to_string();
                while self.width_mm(&rest, size) > width {
                    let mut cut = rest.len();
                    while cut > 1 && self.width_mm(&rest[..cut], size) > width {
                        cut = rest[..cut].char_indices().last().map_or(0, |(i, _)| i);
                    }
                    let cut = cut.max(rest.chars().next().map_or(1, char::len_utf8));
                    lines.push(rest[..cut].to_string());
                    rest = rest[cut..].to_string();
                }
                line = rest;
            }
            lines.push(line);
        }
        lines
    }
}

/// One page being drawn.
pub struct Canvas {
    height: f32,
    pub ops: Vec<Op>,
}

/// Horizontal alignment of a text run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);
pub const GREY: (f32, f32, f32) = (0.4, 0.4, 0.4);
pub const RULE: (f32, f32, f32) = (0.75, 0.75, 0.75);
pub const BAND: (f32, f32, f32) = (0.93, 0.93, 0.93);

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

impl Canvas {
    pub fn new(height: f32) -> Canvas {
        Canvas { height, ops: Vec::new() }
    }

    fn point(&self, x: f32, y_from_top: f32) -> Point {
        Point::new(Mm(x), Mm(self.height - y_from_top))
    }

    /// Text with its baseline at `y` millimetres from the top; `x` is its left or right end.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, face: &Face, size: f32, color: (f32, f32, f32), x: f32, y: f32, align: Align, text: &str) {
        if text.is_empty() {
            return;
        }
        let left = match align {
            Align::Left => x,
            Align::Right => x - face.width_mm(text, size),
        };
        let pos = self.point(left, y);
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: rgb(color) },
            Op::SetFont { font: PdfFontHandle::External(face.id.clone()), size: Pt(size) },
            Op::SetTextCursor { pos },
            Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
            Op::EndTextSection,
        ]);
    }

    /// A horizontal rule from `x1` to `x2` at `y`.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness_pt: f32, color: (f32, f32, f32)) {
        let line = Line {
            points: vec![
                LinePoint { p: self.point(x1, y), bezier: false },
                LinePoint { p: self.point(x2, y), bezier: false },
            ],
            is_closed: false,
        };
        self.ops.extend([
            Op::SetOutlineColor { col: rgb(color) },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine { line },
        ]);
    }

    /// A filled box whose top-left corner is at (`x`, `y`).
    pub fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, color: (f32, f32, f32)) {
        let bottom_left = self.point(x, y + height);
        self.ops.extend([
            Op::SetFillColor { col: rgb(color) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: bottom_left.x,
                    y: bottom_left.y,
                    width: Mm(width).into(),
                    height: Mm(height).into(),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
        ]);
    }

    /// An image of `pixels` (width, height) scaled to `height` millimetres, top-left at (`x`, `y`).
    pub fn image(&mut self, id: &XObjectId, pixels: (usize, usize), x: f32, y: f32, height: f32) -> f32 {
        let (w, h) = (pixels.0.max(1) as f32, pixels.1.max(1) as f32);
        let width = height * w / h;
        // printpdf places an image at 1 px = 1/dpi inch; pick the dpi that makes it `height` tall.
        let dpi = h / (height / 25.4);
        let bottom_left = self.point(x, y + height);
        self.ops.push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                translate_x: Some(bottom_left.x),
                translate_y: Some(bottom_left.y),
                dpi: Some(dpi),
                ..XObjectTransform::default()
            },
        });
        width
    }
}
