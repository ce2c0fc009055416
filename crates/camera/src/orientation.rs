//! Finding which way a 1D barcode runs, so one held at an angle can still be read.
//!
//! Common decoders scan rows (and, trying harder, columns): a Code 39 VIN label tilted by 15° or
//! 135° defeats them. The bars of a 1D code are many parallel edges, so the image's gradients
//! pile up at one direction — across the bars. A magnitude-weighted histogram of gradient
//! directions (modulo 180°) finds it roughly; turning the image by that angle lays the bars
//! upright.
//!
//! Roughly is not enough for thin bars: on 2-pixel modules the pixel grid pulls Sobel's
//! directions towards the axes (a code at 30° reads as 27°, at 15° as 12°), and a 400-pixel code
//! turned upright 3° off drifts 20 pixels from top to bottom — more than a short label's bars are
//! tall. So the direction is refined by projection: the image's grey levels summed along lines
//! at a trial angle give a profile across the code that is sharpest (largest variance) exactly
//! when the lines run along the bars.

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
    let coarse = if weight_sum > 0.0 { (sum / weight_sum).rem_euclid(180.0) } else { peak as f32 };
    let region = (x0, y0, x1.saturating_sub(x0).max(1), y1.saturating_sub(y0).max(1));
    let degrees = refine_by_projection(image, region, coarse).rem_euclid(180.0);
    Some(Orientation { degrees, region })
}

/// The direction across the bars near `coarse`. Two profiles judge a trial angle: lines along
/// the bars (sharp when they follow the bars; telling only to a few degrees when the bars are
/// short, since a line drifts off a bar within its height) and lines across the code (the bars'
/// ends and the label's edges make a sharp step only when the lines run exactly across the whole
/// code). Lines along the bars pick the angle to ±6° in 0.5° steps; then both, each scaled to
/// its best, pick it within ±4° of that in 0.5°, 0.1° and 0.04° steps.
fn refine_by_projection(image: &GrayImage, region: (u32, u32, u32, u32), coarse: f32) -> f32 {
    let along = |degrees: f32| profile_sharpness(image, region, degrees);
    let across = |degrees: f32| profile_sharpness(image, region, degrees + 90.0);
    let best = |scored: Vec<(f32, f64)>| scored.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(d, _)| d);
    let rough = best((-12..=12).map(|k| coarse + k as f32 * 0.5).map(|d| (d, along(d))).collect()).unwrap_or(coarse);
    let both = |candidates: Vec<f32>| {
        let scores: Vec<(f32, f64, f64)> = candidates.into_iter().map(|d| (d, along(d), across(d))).collect();
        let top_along = scores.iter().map(|s| s.1).fold(f64::MIN_POSITIVE, f64::max);
        let top_across = scores.iter().map(|s| s.2).fold(f64::MIN_POSITIVE, f64::max);
        best(scores.into_iter().map(|(d, a, c)| (d, a / top_along + c / top_across)).collect())
    };
    let near = both((-8..=8).map(|k| rough + k as f32 * 0.5).collect()).unwrap_or(rough);
    let nearer = both((-5..=5).map(|k| near + k as f32 * 0.1).collect()).unwrap_or(near);
    both((-2..=2).map(|k| nearer + k as f32 * 0.04).collect()).unwrap_or(nearer)
}

/// How sharp the grey-level profile across a code at `degrees` is: pixels are binned by their
/// position along the direction (half-pixel bins), each bin's mean is taken less the mean of its
/// neighbourhood (±4 pixels: what bars are made of stays, large shapes such as a label's edge or
/// a dark corner go), and the count-weighted variance of what is left is returned. Bars lined
/// up with the bins give the largest value.
fn profile_sharpness(image: &GrayImage, (x0, y0, w, h): (u32, u32, u32, u32), degrees: f32) -> f64 {
    let (sin, cos) = degrees.to_radians().sin_cos();
    // positions run from −(w + h) to w + h pixels: half-pixel bins, offset to start at zero
    let reach = ((w + h) * 4 + 4) as usize;
    let (mut sums, mut counts) = (vec![0f64; reach], vec![0f64; reach]);
    // a large region skips rows (or columns) along the lines, never across them: bars two pixels
    // wide sampled at every other pixel across would alias into false peaks. About 25,000
    // samples a profile keep a whole frame of noise from costing a third of a second.
    let skip = (w * h).div_ceil(25_000).max(1) as usize;
    let (step_x, step_y) = if cos.abs() >= sin.abs() { (1, skip) } else { (skip, 1) };
    for y in (y0..(y0 + h).min(image.height())).step_by(step_y) {
        for x in (x0..(x0 + w).min(image.width())).step_by(step_x) {
            let (dx, dy) = ((x - x0) as f32, (y - y0) as f32);
            // the position along the direction (image y grows downwards), in half pixels
            let along = ((dx * cos - dy * sin) * 2.0 + (w + h) as f32 * 2.0).clamp(0.0, (reach - 2) as f32);
            // split between the two nearest bins: pixel centres fall on a lattice, and binning
            // each whole into one bin makes false peaks at the lattice's own angles
            let (bin, share) = (along as usize, (along.fract()) as f64);
            let value = image.get_pixel(x, y).0[0] as f64;
            sums[bin] += value * (1.0 - share);
            counts[bin] += 1.0 - share;
            sums[bin + 1] += value * share;
            counts[bin + 1] += share;
        }
    }
    // running totals make each neighbourhood's mean one subtraction
    let prefix = |v: &[f64]| {
        std::iter::once(0.0)
            .chain(v.iter().scan(0.0, |t, x| {
                *t += x;
                Some(*t)
            }))
            .collect::<Vec<f64>>()
    };
    let (sum_before, count_before) = (prefix(&sums), prefix(&counts));
    const HALF_WINDOW: usize = 8; // bins: ±4 pixels
    (0..reach)
        .filter(|&i| counts[i] > 0.5)
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(HALF_WINDOW), (i + HALF_WINDOW + 1).min(reach));
            let local = (sum_before[hi] - sum_before[lo]) / (count_before[hi] - count_before[lo]);
            let detail = sums[i] / counts[i] - local;
            detail * detail * counts[i]
        })
        .sum()
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
    fn thin_bars_at_small_angles_are_measured_to_within_a_degree() {
        // 2-pixel stripes: where Sobel alone reads 30° as 27° (a whole image of stripes has no
        // bar ends to square the angle by, so it is the harder case)
        let bars = stripes(2);
        for angle in [5.0f32, 10.0, 15.0, 20.0, 30.0, 40.0] {
            let found = dominant_direction(&rotate(&bars, angle)).unwrap();
            assert!((found - angle).abs() <= 0.75, "turned {angle}°, found {found}°");
        }
    }

    #[test]
    fn vertical_bars_run_across_at_zero_degrees_and_turned_ones_are_found() {
        let bars = stripes(4);
        let found = dominant_direction(&bars).unwrap();
        assert!(found < 3.0 || found > 177.0, "{found}");
        for angle in [5.0f32, 15.0, 30.0, 45.0, 60.0, 90.0, 135.0, 165.0] {
            let turned = rotate(&bars, angle);
            let found = dominant_direction(&turned).unwrap();
            let off = ((found - angle).rem_euclid(180.0)).min((angle - found).rem_euclid(180.0));
            assert!(off <= 0.75, "turned {angle}°, found {found}°");
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
