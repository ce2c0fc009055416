//! The other direction: a QR code for the screen, e.g. a PayPal approval link the customer scans
//! with their phone. SVG, so it stays sharp at any size and needs no image file.

use rxing::Writer;

/// `text` as a QR code in SVG (medium error correction, a four-module quiet zone), or `None`
/// when it is too long for a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let mut hints = rxing::EncodeHints::default();
    hints.ErrorCorrection = Some("M".to_string());
    let matrix = rxing::MultiFormatWriter.encode_with_hints(text, &rxing::BarcodeFormat::QR_CODE, 0, 0, &hints).ok()?;
    let (width, height) = (matrix.getWidth(), matrix.getHeight());
    let quiet = 4;
    let mut path = String::new();
    for y in 0..height {
        for x in 0..width {
            if matrix.get(x, y) {
                path.push_str(&format!("M{} {}h1v1h-1z", x + quiet, y + quiet));
            }
        }
    }
    let (w, h) = (width + 2 * quiet, height + 2 * quiet);
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" shape-rendering="crispEdges"><rect width="{w}" height="{h}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_a_qr_code_that_reads_back() {
        let url = "https://www.paypal.com/checkoutnow?token=5O190127TN364715T";
        let svg = qr_svg(url).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"));
        // rendered back to pixels, our own decoder reads the link
        let size: u32 = svg.split("viewBox=\"0 0 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
        let scale = 6;
        let mut image = image::GrayImage::from_pixel(size * scale, size * scale, image::Luma([255]));
        for cell in svg.split('M').skip(1) {
            let mut xy = cell.split(['h', ' ']);
            let (x, y): (u32, u32) = (xy.next().unwrap().parse().unwrap(), xy.next().unwrap().parse().unwrap());
            for dy in 0..scale {
                for dx in 0..scale {
                    image.put_pixel(x * scale + dx, y * scale + dy, image::Luma([0]));
                }
            }
        }
        let decoded = crate::FrameDecoder::new(crate::Formats::All).decode(&image).expect("the QR code reads");
        assert_eq!(decoded.text, url);
        assert!(qr_svg(&"x".repeat(10_000)).is_none(), "too long for any QR code");
    }
}
