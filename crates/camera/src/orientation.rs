//! Finding which way a 1D barcode runs, so one held at an angle can still be read.
//!
//! Common decoders scan rows (and, trying harder, columns): a Code 39 VIN label tilted by 15° or
//! 135° defeats them. The bars of a 1D code are many parallel edges, so the image's gradients
//! pile up at one direction — across the bars. A magnitude-weighted histogram of gradient
//! directions (modulo 180°) finds it; turning the image by that angle lays the bars upright.

use image::{GrayImage, Luma};

/// About how many columns of pixels the gradients are sampled at: every pixel's own neighbours
/// are used (a VIN label's bars can be 2 pixels wide, which scaling down would erase), but only
/// every n-th pixel is looked at, to stay fast.
const SAMPLED_COLUMNS: u32 = 640;

/// Which way a 1D code's bars run, and where it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Orientation {
    /// The direction across the bars (degrees, 0–180, counter-clockwise from the x axis).
    pub degrees: f32,
    /// The box holding the edges that run that way, in the image's pixels: x, y, width, height.
    pub region: (u32, u32, u32, u32),
}

/// The direction across the strongest set of parallel edges, or `None` when no direction stands
/// out (no 1D code, or only noise).
pub fn dominant_direction(image: &GrayImage) -> Option<f32> {
    find_orientation(image).map(|o| o.degrees)
}

/// [`dominant_direction`] with the region of the edges that run that way.
pub fn find_orientation(image: &GrayImage) -> Option<Orientation> {
    let (w, h) = image.dimensions();
    if w < 3 || h < 3 {
        return None;
    }
    let step = (w / SAMPLED_COLUMNS).max(1) as usize;
    let mut bins = [0f32; 180];
    let mut total = 0f32;
    let mut edges: Vec<(u32, u32, usize)> = Vec::new();
    let px = |x: u32, y: u32| image.get_pixel(x, y).0[0] as f32;
    for y in (1..h - 1).step_by(step) {
        for x in (1..w - 1).step_by(step) {
            // Sobel
            let gx = (px(x + 1, y - 1) + 2.0 * px(x + 1, y) + px(x + 1, y + 1))
                - (px(x - 1, y - 1) + 2.0 * px(x - 1, y) + px(x - 1, y + 1));
            let gy = (px(x - 1, y + 1) + 2.0 * px(x, y + 1) + px(x + 1, y + 1))
                - (px(x - 1, y - 1) + 2.0 * px(x, y - 1) + px(x + 1, y - 1));
            let magnitude = (gx * gx + gy * gy).sqrt();
            if magnitude < 80.0 {
                continue;
            }
            // image y grows downwards: flip it for counter-clockwise degrees
            let bin = ((-gy).atan2(gx).to_degrees().rem_euclid(180.0) as usize).min(179);
            bins[bin] += magnitude;
            total += magnitude;
            edges.push((x, y, bin));
        }
    }
    if total <= 0.0 {
        return None;
    }
    // smooth over ±3° (wrapping), then take the peak
    let smoothed: Vec<f32> = (0..180).map(|i| (0..7).map(|k| bins[(i + 180 + k - 3) % 180]).sum()).collect();
    let (peak, weight) = smoothed.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, w)| (i, *w))?;
    // a barcode puts a large share of all edge strength into one direction
    if weight / total <= 0.25 {
        return None;
    }
    // where those edges are: the 2nd to 98th percentile of their positions, plus a margin
    let near = |bin: usize| {
        let d = (bin as i32 - peak as i32).rem_euclid(180);
        d.min(180 - d) <= 6
    };
    let mut xs: Vec<u32> = edges.iter().filter(|e| near(e.2)).map(|e| e.0).collect();
    let mut ys: Vec<u32> = edges.iter().filter(|e| near(e.2)).map(|e| e.1).collect();
    xs.sort_unstable();
    ys.sort_unstable();
    let pick = |v: &[u32], q: f32| v[((v.len() - 1) as f32 * q) as usize] as f32;
    let margin = 12.0 * step as f32;
    let x0 = (pick(&xs, 0.02) - margin).max(0.0) as u32;
    let y0 = (pick(&ys, 0.02) - margin).max(0.0) as u32;
    let x1 = ((pick(&xs, 0.98) + margin) as u32).min(w);
    let y1 = ((pick(&ys, 0.98) + margin) as u32).min(h);
    // the strength-weighted mean direction around the peak: finer than a 1° bin
    let (mut sum, mut weight_sum) = (0f32, 0f32);
    for k in -6i32..=6 {
        let bin = (peak as i32 + k).rem_euclid(180) as usize;
        sum += (peak as f32 + k as f32) * bins[bin];
        weight_sum += bins[bin];
    }
    let degrees = if weight_sum > 0.0 { (sum / weight_sum).rem_euclid(180.0) } else { peak as f32 };
    Some(Orientation { degrees, region: (x0, y0, x1.saturating_sub(x0).max(1), y1.saturating_sub(y0).max(1)) })
}

/// `image` turned counter-clockwise by `degrees` about its centre, on a canvas large enough to
/// keep every corner, the new area white (a label's background).
pub fn rotate(image: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    // (less a hair: cos 90° is not quite 0 in floating point)
    let out_w = (w * cos.abs() + h * sin.abs() - 1e-3).ceil() as u32;
    let out_h = (w * sin.abs() + h * cos.abs() - 1e-3).ceil() as u32;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ox, oy) = (out_w as f32 / 2.0, out_h as f32 / 2.0);
    let mut out = GrayImage::from_pixel(out_w.max(1), out_h.max(1), Luma([255]));
    for y in 0..out_h {
        for x in 0..out_w {
            // inverse mapping: where in the source does this output pixel come from
            let (dx, dy) = (x as f32 + 0.5 - ox, y as f32 + 0.5 - oy);
            let sx = cos * dx - sin * dy + cx - 0.5;
            let sy = sin * dx + cos * dy + cy - 0.5;
            if sx < 0.0 || sy < 0.0 || sx > w - 1.0 || sy > h - 1.0 {
                continue;
            }
            let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
            let (x1, y1) = ((x0 + 1).min(image.width() - 1), (y0 + 1).min(image.height() - 1));
            let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
            let p = |x, y| image.get_pixel(x, y).0[0] as f32;
            let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
            let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
            out.put_pixel(x, y, Luma([(top * (1.0 - fy) + bottom * fy).round() as u8]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripes(period: u32) -> GrayImage {
        GrayImage::from_fn(300, 200, |x, _| Luma([if (x / period) % 2 == 0 { 0 } else { 255 }]))
    }

    #[test]
    fn vertical_bars_run_across_at_zero_degrees_and_turned_ones_are_found() {
        let bars = stripes(4);
        let found = dominant_direction(&bars).unwrap();
        assert!(found < 3.0 || found > 177.0, "{found}");
        for angle in [15.0f32, 45.0, 90.0, 135.0] {
            let turned = rotate(&bars, angle);
            let found = dominant_direction(&turned).unwrap();
            let off = ((found - angle).rem_euclid(180.0)).min((angle - found).rem_euclid(180.0));
            assert!(off <= 4.0, "turned {angle}°, found {found}°");
        }
    }

    #[test]
    fn a_blank_or_noisy_image_has_no_direction() {
        assert_eq!(dominant_direction(&GrayImage::from_pixel(100, 100, Luma([200]))), None);
        let mut state = 12345u32;
        let noise = GrayImage::from_fn(200, 200, |_, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            Luma([(state >> 16) as u8])
        });
        assert_eq!(dominant_direction(&noise), None);
    }

    #[test]
    fn rotation_keeps_every_corner() {
        let image = GrayImage::from_pixel(100, 50, Luma([0]));
        let turned = rotate(&image, 90.0);
        assert_eq!((turned.width(), turned.height()), (50, 100));
        assert_eq!(rotate(&image, 45.0).width(), 107);
    }
}
