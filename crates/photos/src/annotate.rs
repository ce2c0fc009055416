//! Arrows, circles and words drawn on a copy of a photo's working copy, to show the customer
//! what the technician saw ("this pad", "leak here"). Marks are kept as data (positions as
//! fractions of the picture, so they don't depend on its size) and drawn again on every edit;
//! the original and the working copy never change.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{DynamicImage, Rgb, RgbImage};
use serde::{Deserialize, Serialize};

/// The most marks on one photo: more hides what they point at.
pub const MAX_MARKS: usize = 20;
/// The longest label.
pub const MAX_TEXT: usize = 60;

const RED: Rgb<u8> = Rgb([220, 20, 30]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

/// A place on the picture: 0.0 is the left (top) edge, 1.0 the right (bottom) edge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// One mark drawn on a photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Mark {
    /// An arrow whose head is at `to`.
    Arrow { from: Point, to: Point },
    /// A ring around something; `radius` is a fraction of the picture's longer side.
    Circle { center: Point, radius: f32 },
    /// A label whose top-left corner is at `at`.
    Text { at: Point, text: String },
}

/// Checks `marks`; the error says which one is wrong and how.
pub fn check(marks: &[Mark]) -> Result<(), String> {
    if marks.len() > MAX_MARKS {
        return Err(format!(
            "A photo takes at most {MAX_MARKS} marks ({} given); more would hide the part.",
            marks.len()
        ));
    }
    let inside = |p: &Point| (0.0..=1.0).contains(&p.x) && (0.0..=1.0).contains(&p.y);
    for (n, mark) in marks.iter().enumerate() {
        let n = n + 1;
        let ok = match mark {
            Mark::Arrow { from, to } => inside(from) && inside(to) && from != to,
            Mark::Circle { center, radius } => inside(center) && *radius > 0.0 && *radius <= 0.5,
            Mark::Text { at, text } => {
                let length = text.trim().chars().count();
                if length == 0 || length > MAX_TEXT {
                    return Err(format!("Mark {n}: a label needs 1 to {MAX_TEXT} characters."));
                }
                inside(at)
            }
        };
        if !ok {
            return Err(format!(
                "Mark {n} is off the photo or has no size: positions go from 0 to 1 across and down, a circle's radius up to 0.5, an arrow must go somewhere."
            ));
        }
    }
    Ok(())
}

/// `picture` (the working copy) with `marks` drawn on it.
pub fn draw(picture: &DynamicImage, marks: &[Mark]) -> Result<DynamicImage, String> {
    check(marks)?;
    let mut canvas = picture.to_rgb8();
    let (width, height) = (canvas.width() as f32, canvas.height() as f32);
    let long = width.max(height);
    // lines thick enough to see on a phone, whatever the picture's size
    let stroke = (long / 220.0).max(2.0);
    let at = |p: &Point| (p.x * (width - 1.0), p.y * (height - 1.0));
    for mark in marks {
        match mark {
            Mark::Arrow { from, to } => {
                let (a, b) = (at(from), at(to));
                line(&mut canvas, a, b, stroke, RED);
                // the head: two strokes back from the tip at ±28°
                let angle = (a.1 - b.1).atan2(a.0 - b.0);
                let head = (long / 30.0).max(stroke * 4.0);
                for turn in [-0.5_f32, 0.5] {
                    let side = (b.0 + head * (angle + turn).cos(), b.1 + head * (angle + turn).sin());
                    line(&mut canvas, b, side, stroke, RED);
                }
            }
            Mark::Circle { center, radius } => ring(&mut canvas, at(center), radius * long, stroke, RED),
            Mark::Text { at: corner, text } => label(&mut canvas, at(corner), text.trim(), long / 28.0),
        }
    }
    Ok(DynamicImage::ImageRgb8(canvas))
}

/// A straight stroke `width` wide from `a` to `b`, with round ends.
fn line(canvas: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, colour: Rgb<u8>) {
    let half = width / 2.0;
    let (min_x, max_x) = (a.0.min(b.0) - half, a.0.max(b.0) + half);
    let (min_y, max_y) = (a.1.min(b.1) - half, a.1.max(b.1) + half);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = (dx * dx + dy * dy).max(f32::EPSILON);
    fill(canvas, (min_x, min_y, max_x, max_y), colour, |x, y| {
        // distance from the pixel to the segment
        let t = (((x - a.0) * dx + (y - a.1) * dy) / length2).clamp(0.0, 1.0);
        let (px, py) = (a.0 + t * dx - x, a.1 + t * dy - y);
        px * px + py * py <= half * half
    });
}

fn ring(canvas: &mut RgbImage, center: (f32, f32), radius: f32, width: f32, colour: Rgb<u8>) {
    let outer = radius + width / 2.0;
    let inner = (radius - width / 2.0).max(0.0);
    let bounds = (center.0 - outer, center.1 - outer, center.0 + outer, center.1 + outer);
    fill(canvas, bounds, colour, |x, y| {
        let d2 = (x - center.0).powi(2) + (y - center.1).powi(2);
        d2 <= outer * outer && d2 >= inner * inner
    });
}

/// Paints every pixel inside `bounds` (clipped to the picture) for which `inside` holds.
fn fill(canvas: &mut RgbImage, bounds: (f32, f32, f32, f32), colour: Rgb<u8>, inside: impl Fn(f32, f32) -> bool) {
    let (w, h) = (canvas.width() as i64, canvas.height() as i64);
    let x0 = (bounds.0.floor() as i64).clamp(0, w);
    let x1 = (bounds.2.ceil() as i64 + 1).clamp(0, w);
    let y0 = (bounds.1.floor() as i64).clamp(0, h);
    let y1 = (bounds.3.ceil() as i64 + 1).clamp(0, h);
    for y in y0..y1 {
        for x in x0..x1 {
            if inside(x as f32, y as f32) {
                canvas.put_pixel(x as u32, y as u32, colour);
            }
        }
    }
}

/// White words on a red box, readable on any photo; kept inside the picture.
fn label(canvas: &mut RgbImage, corner: (f32, f32), text: &str, size: f32) {
    let Ok(font) = FontRef::try_from_slice(FONT) else { return };
    let scaled = font.as_scaled(PxScale::from(size.max(12.0)));
    let padding = scaled.height() * 0.25;
    let text_width: f32 = text.chars().map(|c| scaled.h_advance(scaled.glyph_id(c))).sum();
    let box_w = text_width + 2.0 * padding;
    let box_h = scaled.height() + 2.0 * padding;
    let x = corner.0.min(canvas.width() as f32 - box_w).max(0.0);
    let y = corner.1.min(canvas.height() as f32 - box_h).max(0.0);
    fill(canvas, (x, y, x + box_w - 1.0, y + box_h - 1.0), RED, |_, _| true);
    let mut pen = x + padding;
    let baseline = y + padding + scaled.ascent();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(scaled.scale(), ab_glyph::point(pen, baseline));
        pen += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (bounds.min.x as i64 + gx as i64, bounds.min.y as i64 + gy as i64);
            if px < 0 || py < 0 || px >= canvas.width() as i64 || py >= canvas.height() as i64 {
                return;
            }
            let pixel = canvas.get_pixel_mut(px as u32, py as u32);
            for (channel, white) in pixel.0.iter_mut().zip(WHITE.0) {
                *channel = (*channel as f32 * (1.0 - coverage) + white as f32 * coverage) as u8;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, Rgb([128, 128, 128])))
    }

    fn decoded(picture: DynamicImage) -> RgbImage {
        picture.to_rgb8()
    }

    fn is_red(p: &Rgb<u8>) -> bool {
        p.0[0] > 180 && p.0[1] < 90 && p.0[2] < 90
    }

    #[test]
    fn an_arrow_a_circle_and_a_label_land_where_they_were_put() {
        let marks = vec![
            Mark::Arrow { from: Point { x: 0.1, y: 0.1 }, to: Point { x: 0.5, y: 0.5 } },
            Mark::Circle { center: Point { x: 0.75, y: 0.5 }, radius: 0.1 },
            Mark::Text { at: Point { x: 0.05, y: 0.8 }, text: "Pad 2 mm".into() },
        ];
        let out = decoded(draw(&grey(800, 600), &marks).unwrap());
        assert_eq!((out.width(), out.height()), (800, 600), "same size as the working copy");
        assert!(is_red(out.get_pixel(240, 180)), "on the arrow's shaft (0.3, 0.3)");
        assert!(is_red(out.get_pixel(600 + 80, 300)), "on the ring, 0.1 × 800 right of its centre");
        assert!(!is_red(out.get_pixel(600, 300)), "the ring's middle is left clear");
        assert!(!is_red(out.get_pixel(700, 100)), "untouched elsewhere");
        let label_row: Vec<_> = (40..200).map(|x| out.get_pixel(x, 490)).collect();
        assert!(label_row.iter().any(|p| is_red(p)), "the label's red box");
        let near_white = |p: &&Rgb<u8>| p.0.iter().all(|c| *c > 200);
        assert!((480..520).flat_map(|y| (40..300).map(move |x| (x, y))).any(|(x, y)| near_white(&out.get_pixel(x, y))));
    }

    #[test]
    fn a_label_near_the_edge_stays_inside() {
        let marks = vec![Mark::Text { at: Point { x: 1.0, y: 1.0 }, text: "Leak here".into() }];
        let out = decoded(draw(&grey(400, 300), &marks).unwrap());
        assert!(is_red(out.get_pixel(398, 298)), "pushed back into the corner");
    }

    #[test]
    fn bad_marks_are_refused_with_which_one() {
        let off = vec![Mark::Circle { center: Point { x: 1.5, y: 0.5 }, radius: 0.1 }];
        assert!(check(&off).unwrap_err().starts_with("Mark 1 is off the photo"));
        let empty = vec![
            Mark::Arrow { from: Point { x: 0.1, y: 0.1 }, to: Point { x: 0.2, y: 0.2 } },
            Mark::Text { at: Point { x: 0.1, y: 0.1 }, text: "  ".into() },
        ];
        assert!(check(&empty).unwrap_err().starts_with("Mark 2: a label needs"));
        let nowhere = vec![Mark::Arrow { from: Point { x: 0.1, y: 0.1 }, to: Point { x: 0.1, y: 0.1 } }];
        assert!(check(&nowhere).is_err());
        let many = vec![Mark::Circle { center: Point { x: 0.5, y: 0.5 }, radius: 0.1 }; MAX_MARKS + 1];
        assert!(check(&many).unwrap_err().contains("at most 20"));
        let nan = vec![Mark::Circle { center: Point { x: f32::NAN, y: 0.5 }, radius: 0.1 }];
        assert!(check(&nan).is_err(), "NaN is not on the photo");
    }
}
