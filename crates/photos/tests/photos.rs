//! Photos kept with a repair order, from real JPEG and PNG files: the original untouched, an
//! upright working copy and thumbnail, EXIF orientation honoured; damaged, huge, HEIC and
//! non-image files refused with what to do, and nothing half-kept.

use std::io::Cursor;
use std::sync::Arc;

use dixon_photos::{Error, Mark, Photos, Point, Source};
use dixon_shop::{ContactMethod, NewCustomer, NewRepairOrder, NewVehicle, Store, SystemClock};
use image::{ImageFormat, Rgb, RgbImage};

/// A photo-like picture: smooth shading with fine detail, so JPEG sizes are realistic.
fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let grain = ((x * 7919 + y * 104_729) % 37) as u8;
        Rgb([(x * 255 / width) as u8 ^ grain, (y * 255 / height) as u8, ((x + y) % 256) as u8 / 2 + grain])
    })
}

fn encode(picture: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A JPEG with an EXIF APP1 segment saying "rotate 90° clockwise to view" (orientation 6), as
/// a phone held upright writes it.
fn jpeg_with_orientation(picture: &RgbImage, orientation: u8) -> Vec<u8> {
    let jpeg = encode(picture, ImageFormat::Jpeg);
    let mut exif = vec![0xFF, 0xE1, 0x00, 0x22];
    exif.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    exif.extend_from_slice(&[
        0x00,
        0x01,
        0x01,
        0x12,
        0x00,
        0x03,
        0x00,
        0x00,
        0x00,
        0x01,
        0x00,
        orientation,
        0x00,
        0x00,
    ]);
    exif.extend_from_slice(&[0, 0, 0, 0]);
    [&jpeg[..2], &exif[..], &jpeg[2..]].concat()
}

async fn shop() -> (tempfile::TempDir, Store, Photos, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let order = NewRepairOrder {
        customer: NewCustomer {
            name: "Pat Lee".into(),
            phone: "(559) 234-5678".into(),
            preferred_contact: ContactMethod::Call,
            ..NewCustomer::default()
        },
        vehicle: NewVehicle { year: Some(2019), make: "Honda".into(), model: "Civic".into(), ..NewVehicle::default() },
        concern: "Brakes".into(),
    };
    let number = store.create_repair_order(&order).await.unwrap().number;
    let photos = Photos::new(store.clone(), dir.path(), Arc::new(SystemClock));
    (dir, store, photos, number)
}

#[tokio::test]
async fn a_phone_photo_is_kept_whole_with_a_working_copy_and_a_thumbnail() {
    let (_dir, store, photos, number) = shop().await;
    let original = encode(&picture(4032, 3024), ImageFormat::Jpeg);
    let photo =
        photos.add(number, original.clone(), "IMG_2231.JPG", Source::File, Some("brakes.front"), None).await.unwrap();
    assert_eq!((photo.width, photo.height), (4032, 3024));
    assert_eq!(std::fs::read(&photo.original_path).unwrap(), original, "the original is untouched");
    let working = image::open(&photo.working_path).unwrap();
    assert_eq!((working.width(), working.height()), (1600, 1200));
    assert!(photo.working_bytes <= 400 * 1024, "working copy {} bytes", photo.working_bytes);
    let thumbnail = image::open(&photo.thumbnail_path).unwrap();
    assert_eq!(thumbnail.width().max(thumbnail.height()), 320);
    assert_eq!(photo.inspection_item.as_deref(), Some("brakes.front"));
    println!("4032×3024 JPEG of {} KB → working copy {} KB", original.len() / 1024, photo.working_bytes / 1024);

    // the same photo again (a double drop): one photo
    let again = photos.add(number, original, "copy of IMG_2231.JPG", Source::File, None, None).await.unwrap();
    assert_eq!(again.uid, photo.uid);
    assert_eq!(photos.of(number).await.unwrap().len(), 1);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM photos").fetch_one(store.pool()).await.unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn exif_orientation_makes_the_working_copy_upright() {
    let (_dir, _store, photos, number) = shop().await;
    // stored 400 wide, 200 high; orientation 6: the viewer turns it a quarter clockwise
    let sideways = jpeg_with_orientation(&picture(400, 200), 6);
    let photo = photos.add(number, sideways, "upright.jpg", Source::Camera, None, None).await.unwrap();
    assert_eq!((photo.width, photo.height), (200, 400), "upright: taller than wide");
    let working = image::open(&photo.working_path).unwrap();
    assert_eq!((working.width(), working.height()), (200, 400), "small photos are not blown up");
    assert_eq!(photo.source, Source::Camera);
}

#[tokio::test]
async fn a_png_stays_a_png_and_its_working_copy_is_a_jpeg() {
    let (_dir, _store, photos, number) = shop().await;
    let png = encode(&picture(1200, 800), ImageFormat::Png);
    let photo = photos.add(number, png.clone(), "screen.png", Source::File, None, None).await.unwrap();
    assert!(photo.original_path.ends_with(".png"));
    assert_eq!(std::fs::read(&photo.original_path).unwrap(), png);
    assert_eq!(
        image::ImageReader::open(&photo.working_path).unwrap().with_guessed_format().unwrap().format(),
        Some(ImageFormat::Jpeg)
    );
}

#[tokio::test]
async fn bad_files_are_refused_with_what_to_do_and_nothing_is_kept() {
    let (dir, store, photos, number) = shop().await;
    let jpeg = encode(&picture(640, 480), ImageFormat::Jpeg);
    // a 50-megapixel photo (its header says 10000 × 5000): refused before it is decoded
    let mut huge = jpeg.clone();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline JPEG");
    huge[sof + 5..sof + 9].copy_from_slice(&[0x13, 0x88, 0x27, 0x10]);
    let heic = [&[0, 0, 0, 0x18][..], b"ftypheic", &[0; 16]].concat();
    let cases: [(Vec<u8>, &str, &str); 5] = [
        (b"VIN 1HGCM82633A004352".to_vec(), "notes.txt", "notes.txt is not a photo"),
        (heic, "IMG_0042.HEIC", "HEIC"),
        (jpeg[..jpeg.len() / 3].to_vec(), "cut.jpg", "damaged or cut short"),
        (huge, "huge.jpg", "50 megapixels"),
        (Vec::new(), "empty.jpg", "empty"),
    ];
    for (bytes, name, says) in cases {
        let error = photos.add(number, bytes, name, Source::File, None, None).await.unwrap_err();
        assert!(error.to_string().contains(says), "{name}: {error}");
        assert_eq!(error.kind(), "invalid");
    }
    let missing = photos.add(999, jpeg, "a.jpg", Source::File, None, None).await.unwrap_err();
    assert!(matches!(missing, Error::NoSuchOrder(999)), "{missing}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM photos").fetch_one(store.pool()).await.unwrap();
    assert_eq!(rows, 0);
    assert!(!dir.path().join("photos").exists(), "no file written for a refused photo");
}

#[tokio::test]
async fn marks_are_drawn_on_a_copy_editable_until_the_photo_is_sent() {
    let (_dir, _store, photos, number) = shop().await;
    let original = jpeg_with_orientation(&picture(4000, 3000), 6);
    let photo = photos
        .add(number, original.clone(), "IMG_2231.JPG", Source::Camera, Some("brake_pads_front"), None)
        .await
        .unwrap();
    let working_before = std::fs::read(&photo.working_path).unwrap();
    let marks = vec![
        Mark::Arrow { from: Point { x: 0.2, y: 0.2 }, to: Point { x: 0.5, y: 0.5 } },
        Mark::Circle { center: Point { x: 0.5, y: 0.5 }, radius: 0.1 },
        Mark::Text { at: Point { x: 0.05, y: 0.85 }, text: "Pads at 2 mm".into() },
    ];
    let marked = photos.mark(&photo.uid, &marks).await.unwrap();
    assert_eq!(marked.marks, marks);
    assert_ne!(marked.sending_path, marked.working_path, "the marked copy is what goes out");
    let sending = image::open(&marked.sending_path).unwrap().to_rgb8();
    assert_eq!((sending.width(), sending.height()), (1200, 1600), "upright, like the working copy");
    let red = |p: &Rgb<u8>| p.0[0] > 180 && p.0[1] < 90 && p.0[2] < 90;
    assert!(red(sending.get_pixel(420, 560)), "on the arrow (0.35, 0.35)");
    assert!(std::fs::metadata(&marked.sending_path).unwrap().len() <= 400 * 1024);
    assert!(image::open(&marked.sending_thumbnail_path).unwrap().width() <= 320);
    assert_eq!(std::fs::read(&photo.original_path).unwrap(), original, "the original untouched");
    assert_eq!(std::fs::read(&photo.working_path).unwrap(), working_before, "the working copy untouched");

    // edited again: the last marks count; none clears them
    let one = photos.mark(&photo.uid, &marks[..1]).await.unwrap();
    assert_eq!(one.marks.len(), 1);
    let cleared = photos.mark(&photo.uid, &[]).await.unwrap();
    assert!(cleared.marks.is_empty());
    assert_eq!(cleared.sending_path, cleared.working_path);

    // bad marks say which; nothing changes
    let off = vec![Mark::Circle { center: Point { x: 2.0, y: 0.5 }, radius: 0.1 }];
    let error = photos.mark(&photo.uid, &off).await.unwrap_err();
    assert!(error.to_string().starts_with("Mark 1 is off the photo"), "{error}");
    assert!(matches!(photos.mark("no-such-photo", &marks).await, Err(Error::NoSuchPhoto(_))));

    // once sent, the marks stay as the customer saw them
    photos.mark(&photo.uid, &marks).await.unwrap();
    photos.sent(&[photo.uid.clone()], chrono::Utc::now()).await.unwrap();
    let error = photos.mark(&photo.uid, &[]).await.unwrap_err();
    assert!(matches!(error, Error::AlreadySent(_)), "{error}");
    assert!(error.to_string().contains("add it again to mark it differently"));
    assert_eq!(photos.of(number).await.unwrap()[0].marks, marks);
}
