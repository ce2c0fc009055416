//! Printed paperwork: the estimate and the invoice as PDF, ready for the customer to sign, and
//! the receipt of what was paid ([`render_receipt`]).
//!
//! [`render`] turns a [`RepairOrder`] and the shop's [`ShopSettings`] into a PDF on US Letter or
//! A4 ([`Paper`]): the shop's header with its logo, state registration and EPA numbers; the
//! document number and date; customer and vehicle (VIN, plate, odometer); a line-item table that
//! breaks across pages with its header repeated, part condition in its own column and core
//! charges under their part; the shop's fees itemized; tax and totals; the authorization record
//! with a signature line; and "Page x of y" in every footer.
//!
//! Text is set in DejaVu Sans Condensed (shipped in `assets/fonts`, so accents and other Unicode
//! names print the same on every PC), subset into each PDF. The layout layer (`layout.rs`) is
//! our own: printpdf draws, we decide where.
//!
//! ```no_run
//! # fn demo(order: &dixon_shop::RepairOrder, shop: &dixon_shop::ShopSettings) -> Result<(), dixon_print::Error> {
//! use dixon_print::{render, DocumentKind, Paper};
//! let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
//! let pdf: Vec<u8> = render(order, shop, DocumentKind::Estimate, Paper::Letter, date)?;
//! std::fs::write("estimate-1001.pdf", pdf).expect("write");
//! # Ok(()) }
//! ```

mod layout;

use std::sync::OnceLock;

use chrono::NaiveDate;
use dixon_shop::validate::display_phone;
use dixon_shop::{group_thousands, LineItem, LineKind, RepairOrder, ShopSettings};
use printpdf::{ParsedFont, PdfDocument, PdfPage, PdfSaveOptions, RawImage, RawImageData, RawImageFormat};

use layout::{Align, Canvas, Face, BAND, BLACK, GREY, RULE};

const REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

/// What is being printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Estimate,
    Invoice,
}

impl DocumentKind {
    fn title(self) -> &'static str {
        match self {
            DocumentKind::Estimate => "ESTIMATE",
            DocumentKind::Invoice => "INVOICE",
        }
    }
}

/// One payment as a receipt prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub at: chrono::DateTime<chrono::Utc>,
    /// "Cash (handed over $120.00, change $20.00)", "Check #1047", "Visa •••• 4242 (Apple Pay)".
    pub how: String,
    pub amount: dixon_shop::Cents,
    /// Refunded of it, if any.
    pub refunded: dixon_shop::Cents,
}

/// Paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// 8.5 × 11 in, the US default.
    #[default]
    Letter,
    /// 210 × 297 mm.
    A4,
}

impl Paper {
    fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::Letter => (215.9, 279.4),
            Paper::A4 => (210.0, 297.0),
        }
    }

    pub fn parse(text: &str) -> Option<Paper> {
        match text.trim().to_ascii_lowercase().as_str() {
            "letter" | "us" => Some(Paper::Letter),
            "a4" => Some(Paper::A4),
            _ => None,
        }
    }
}

/// Why a document could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The shop logo can't be printed ({0}). Choose another PNG or JPEG in Settings.")]
    Logo(String),
    #[error("The PDF could not be written: {0}. Try again; if it keeps failing, report it with `dixon doctor`.")]
    Pdf(String),
}

/// The two faces, parsed once per process (parsing takes longer than laying out a page).
fn fonts() -> &'static (ParsedFont, ParsedFont) {
    static FONTS: OnceLock<(ParsedFont, ParsedFont)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let parse = |bytes| ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).expect("the bundled font parses");
        (parse(REGULAR_TTF), parse(BOLD_TTF))
    })
}

const MARGIN: f32 = 15.0;
const FOOTER: f32 = 12.0;
const BODY: f32 = 9.0;
const SMALL: f32 = 7.5;
const ROW: f32 = 4.6;
const SUB_ROW: f32 = 3.6;

/// Renders `order` as an estimate or invoice dated `date`.
pub fn render(
    order: &RepairOrder,
    shop: &ShopSettings,
    kind: DocumentKind,
    paper: Paper,
    date: NaiveDate,
) -> Result<Vec<u8>, Error> {
    compose(order, shop, kind.title(), paper, date, |writer, _| {
        writer.table_header();
        for line in &order.lines {
            writer.line_row(line);
        }
        for fee in &order.shop_fees {
            // the shop's own fees print like any fee line, itemized
            writer.line_row(&LineItem::new(0, LineKind::Fee, fee.description.clone(), 1_000, fee.amount, fee.taxable));
        }
        writer.closing(order, kind);
    })
}

/// Renders the receipt for what was paid against `order`'s invoice: each payment with how it
/// was made, the invoice total, the amount paid and the balance left.
pub fn render_receipt(
    order: &RepairOrder,
    shop: &ShopSettings,
    payments: &[Received],
    paper: Paper,
    date: NaiveDate,
) -> Result<Vec<u8>, Error> {
    compose(order, shop, "RECEIPT", paper, date, |writer, _| writer.receipt(order, payments))
}

/// One inspected item as the report prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectedItem {
    pub section: String,
    pub name: String,
    /// `red`, `yellow` or `green`.
    pub condition: String,
    /// "Pad thickness 2 mm".
    pub reading: Option<String>,
    pub note: Option<String>,
    /// JPEG photos (the copies that go to the customer, marks included), embedded as they are.
    pub photos: Vec<Photo>,
}

/// A JPEG and its size in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Renders the inspection report of `order`: each checked item, worst first, with its reading,
/// note and photos (two across). Photos are embedded as the JPEGs they are — never decoded and
/// encoded again, so twelve photos make a file of a few megabytes, not tens.
pub fn render_inspection(
    order: &RepairOrder,
    shop: &ShopSettings,
    items: &[InspectedItem],
    paper: Paper,
    date: NaiveDate,
) -> Result<Vec<u8>, Error> {
    for photo in items.iter().flat_map(|i| &i.photos) {
        if !photo.jpeg.starts_with(&[0xFF, 0xD8]) || photo.width == 0 || photo.height == 0 {
            return Err(Error::Pdf("a photo is not a JPEG; add it again".into()));
        }
    }
    compose(order, shop, "VEHICLE INSPECTION", paper, date, |writer, doc| writer.inspection(items, doc))
}

/// The page frame every document shares (header, parties, footers with "Page x of y"), with
/// `body` laid out between.
fn compose(
    order: &RepairOrder,
    shop: &ShopSettings,
    heading: &str,
    paper: Paper,
    date: NaiveDate,
    body: impl FnOnce(&mut Writer, &mut PdfDocument),
) -> Result<Vec<u8>, Error> {
    let (regular, bold) = fonts();
    let title = format!("{heading} {} – {}", order.number, shop.name);
    let mut doc = PdfDocument::new(&title);
    let regular = Face { id: doc.add_font(regular), font: regular.clone() };
    let bold = Face { id: doc.add_font(bold), font: bold.clone() };
    let logo = match shop.logo_bytes() {
        Some(bytes) => {
            let image = logo_image(&bytes)?;
            let pixels = (image.width, image.height);
            Some((doc.add_image(&image), pixels))
        }
        None => None,
    };
    let (width, height) = paper.size_mm();
    let continued =
        format!("{heading} {} · {} · {} (continued)", order.number, order.customer.name, order.vehicle.label());
    let mut writer =
        Writer { regular, bold, width, height, pages: Vec::new(), page: Canvas::new(height), y: 0.0, continued };
    writer.y = MARGIN;
    writer.header(order, shop, heading, date, logo.as_ref());
    writer.parties(order);
    body(&mut writer, &mut doc);

    let pages_total = writer.pages.len() + 1;
    let mut pages = std::mem::take(&mut writer.pages);
    pages.push(std::mem::replace(&mut writer.page, Canvas::new(height)));
    let footer_left = format!("{} · {} {}", shop.name, title_case(heading), order.number);
    let pages = pages
        .into_iter()
        .enumerate()
        .map(|(i, mut page)| {
            let y = height - FOOTER + 5.0;
            page.rule(MARGIN, width - MARGIN, y - 4.0, 0.5, RULE);
            page.text(&writer.regular, SMALL, GREY, MARGIN, y, Align::Left, &footer_left);
            let number = format!("Page {} of {pages_total}", i + 1);
            page.text(&writer.regular, SMALL, GREY, width - MARGIN, y, Align::Right, &number);
            PdfPage::new(printpdf::Mm(width), printpdf::Mm(height), page.ops)
        })
        .collect();
    let mut warnings = Vec::new();
    let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
    let bytes = doc.with_pages(pages).save(&options, &mut warnings);
    if bytes.is_empty() {
        return Err(Error::Pdf(format!("{warnings:?}")));
    }
    Ok(bytes)
}

/// Saves a rendered document to `path` (creating its folder) by writing a `.partial` file next
/// to it and renaming it, so a crash or a full disk never leaves half a PDF where a good one was.
pub fn save(path: &std::path::Path, pdf: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("pdf.partial");
    std::fs::write(&partial, pdf)?;
    std::fs::rename(&partial, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })
}

/// `photo` as an image XObject whose stream is the JPEG itself (`/DCTDecode`): not decoded, not
/// encoded again.
fn embed_jpeg(doc: &mut PdfDocument, photo: &Photo) -> (printpdf::XObjectId, (usize, usize)) {
    use printpdf::{DictItem, ExternalStream, ExternalXObject, Px};
    let name = |n: &str| DictItem::Name(n.as_bytes().to_vec());
    let dict = [
        ("Type", name("XObject")),
        ("Subtype", name("Image")),
        ("Width", DictItem::Int(photo.width.into())),
        ("Height", DictItem::Int(photo.height.into())),
        ("ColorSpace", name("DeviceRGB")),
        ("BitsPerComponent", DictItem::Int(8)),
        ("Filter", name("DCTDecode")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let object = ExternalXObject {
        stream: ExternalStream { dict, content: photo.jpeg.clone(), compress: false },
        width: Some(Px(photo.width as usize)),
        height: Some(Px(photo.height as usize)),
        dpi: None,
    };
    (doc.add_xobject(&object), (photo.width as usize, photo.height as usize))
}

/// The tallest logo we embed, in pixels: 20 mm at 300 dpi is 236 px; more only adds bytes.
const LOGO_MAX_PIXELS: u32 = 240;

/// The logo as 8-bit RGB on white paper, at most [`LOGO_MAX_PIXELS`] tall.
fn logo_image(bytes: &[u8]) -> Result<RawImage, Error> {
    let decoded = image::load_from_memory(bytes).map_err(|e| Error::Logo(e.to_string()))?;
    let decoded = if decoded.height() > LOGO_MAX_PIXELS {
        decoded.resize(u32::MAX, LOGO_MAX_PIXELS, image::imageops::FilterType::Triangle)
    } else {
        decoded
    };
    let rgba = decoded.to_rgba8();
    let (width, height) = rgba.dimensions();
    // Transparent parts of the logo show the paper, so blend onto white once here.
    let pixels = rgba
        .pixels()
        .flat_map(|p| {
            let [r, g, b, a] = p.0;
            let over_white = |c: u8| ((c as u16 * a as u16 + 255 * (255 - a as u16)) / 255) as u8;
            [over_white(r), over_white(g), over_white(b)]
        })
        .collect();
    Ok(RawImage {
        pixels: RawImageData::U8(pixels),
        width: width as usize,
        height: height as usize,
        data_format: RawImageFormat::RGB8,
        tag: Vec::new(),
    })
}

fn title_case(upper: &str) -> String {
    let mut chars = upper.chars();
    chars.next().map(|c| c.to_string() + &chars.as_str().to_lowercase()).unwrap_or_default()
}

/// Lays out pages top to bottom, starting a new page when the next block does not fit.
struct Writer {
    regular: Face,
    bold: Face,
    width: f32,
    height: f32,
    pages: Vec<Canvas>,
    page: Canvas,
    /// The top of the next block, from the top of the page.
    y: f32,
    /// Printed at the top of every page after the first ("ESTIMATE 1001 · José Núñez · …").
    continued: String,
}

/// The line-item table's columns: x of each column's anchor.
struct Columns {
    kind: f32,
    description: f32,
    description_width: f32,
    condition: f32,
    quantity: f32,
    unit: f32,
    amount: f32,
}

impl Writer {
    fn right(&self) -> f32 {
        self.width - MARGIN
    }

    fn bottom(&self) -> f32 {
        self.height - FOOTER - 6.0
    }

    fn columns(&self) -> Columns {
        let right = self.right();
        Columns {
            kind: MARGIN + 1.0,
            description: MARGIN + 17.0,
            description_width: right - 88.0 - (MARGIN + 17.0),
            condition: right - 84.0,
            quantity: right - 54.0,
            unit: right - 27.0,
            amount: right - 3.0,
        }
    }

    fn new_page(&mut self) {
        let done = std::mem::replace(&mut self.page, Canvas::new(self.height));
        self.pages.push(done);
        self.page.text(&self.bold, BODY, GREY, MARGIN, MARGIN + 3.0, Align::Left, &self.continued);
        self.y = MARGIN + 7.0;
    }

    fn header(
        &mut self,
        order: &RepairOrder,
        shop: &ShopSettings,
        heading: &str,
        date: NaiveDate,
        logo: Option<&(printpdf::XObjectId, (usize, usize))>,
    ) {
        let top = self.y;
        let mut x = MARGIN;
        if let Some((id, pixels)) = logo {
            x += self.page.image(id, *pixels, MARGIN, top, 20.0) + 4.0;
        }
        let name = if shop.name.is_empty() { "Your shop's name (set it in Settings)" } else { &shop.name };
        self.page.text(&self.bold, 15.0, BLACK, x, top + 6.0, Align::Left, name);
        let city_line = [shop.city.as_str(), shop.state.as_str(), shop.postal_code.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let contact =
            [display_phone(&shop.phone), shop.email.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
        let mut y = top + 11.0;
        for text in [shop.address_line1.clone(), shop.address_line2.clone(), city_line, contact.join(" · ")] {
            if !text.is_empty() {
                self.page.text(&self.regular, BODY, GREY, x, y, Align::Left, &text);
                y += 4.0;
            }
        }
        let right = self.right();
        self.page.text(&self.bold, 18.0, BLACK, right, top + 7.0, Align::Right, heading);
        let mut ry = top + 13.0;
        for text in [
            format!("No. {}", order.number),
            format!("Date {}", date.format("%b %-d, %Y")),
            if shop.state_registration_number.is_empty() {
                String::new()
            } else {
                format!("State reg. {}", shop.state_registration_number)
            },
            if shop.epa_id.is_empty() { String::new() } else { format!("EPA ID {}", shop.epa_id) },
        ] {
            if !text.is_empty() {
                self.page.text(&self.regular, BODY, BLACK, right, ry, Align::Right, &text);
                ry += 4.0;
            }
        }
        self.y = y.max(ry).max(top + 22.0) + 2.0;
        self.page.rule(MARGIN, right, self.y, 0.8, BLACK);
        self.y += 4.0;
    }

    fn parties(&mut self, order: &RepairOrder) {
        let top = self.y;
        let middle = self.width / 2.0 + 2.0;
        let c = &order.customer;
        let mut left = vec![c.name.clone()];
        left.extend(c.phone.as_deref().map(display_phone));
        left.extend(c.email.clone());
        let v = &order.vehicle;
        let mut right = vec![v.label()];
        right.extend(v.vin.as_ref().map(|vin| format!("VIN {vin}")));
        right.extend(v.plate.as_ref().map(|plate| format!("Plate {plate}")));
        let odometer = order.odometer_in.or(v.odometer);
        right.extend(odometer.map(|miles| format!("Odometer in {} mi", group_thousands(miles))));
        self.page.text(&self.bold, SMALL, GREY, MARGIN, top + 3.0, Align::Left, "CUSTOMER");
        self.page.text(&self.bold, SMALL, GREY, middle, top + 3.0, Align::Left, "VEHICLE");
        for (i, text) in left.iter().enumerate() {
            let face = if i == 0 { &self.bold } else { &self.regular };
            self.page.text(face, BODY, BLACK, MARGIN, top + 8.0 + i as f32 * 4.2, Align::Left, text);
        }
        for (i, text) in right.iter().enumerate() {
            let face = if i == 0 { &self.bold } else { &self.regular };
            self.page.text(face, BODY, BLACK, middle, top + 8.0 + i as f32 * 4.2, Align::Left, text);
        }
        self.y = top + 8.0 + left.len().max(right.len()) as f32 * 4.2 + 1.0;
        if let Some(concern) = order.concern.as_deref().filter(|c| !c.is_empty()) {
            let rows = self.regular.wrap(&format!("Concern: {concern}"), BODY, self.right() - MARGIN);
            self.wrapped(&rows, MARGIN, self.y + 3.0, BODY, BLACK, 4.2);
            self.y += rows.len() as f32 * 4.2 + 1.0;
        }
        self.y += 3.0;
    }

    fn table_header(&mut self) {
        let c = self.columns();
        self.page.fill(MARGIN, self.y, self.right() - MARGIN, 6.0, BAND);
        let y = self.y + 4.2;
        for (x, align, text) in [
            (c.kind, Align::Left, "Type"),
            (c.description, Align::Left, "Description"),
            (c.condition, Align::Left, "Condition"),
            (c.quantity, Align::Right, "Qty / Hrs"),
            (c.unit, Align::Right, "Unit price"),
            (c.amount, Align::Right, "Amount"),
        ] {
            self.page.text(&self.bold, SMALL + 0.5, BLACK, x, y, align, text);
        }
        self.y += 7.5;
    }

    /// Starts a new page (with the table header when `table`) unless `needed` mm still fit.
    fn ensure(&mut self, needed: f32, table: bool) {
        if self.y + needed <= self.bottom() {
            return;
        }
        self.new_page();
        if table {
            self.table_header();
        }
    }

    fn wrapped(&mut self, rows: &[String], x: f32, first_baseline: f32, size: f32, color: (f32, f32, f32), step: f32) {
        let face = &self.regular;
        for (i, row) in rows.iter().enumerate() {
            self.page.text(face, size, color, x, first_baseline + i as f32 * step, Align::Left, row);
        }
    }

    fn line_row(&mut self, line: &LineItem) {
        let c = self.columns();
        let description = self.regular.wrap(&line.description, BODY, c.description_width);
        let mut details = Vec::new();
        if let Some(part) = &line.part {
            let mut about: Vec<String> = Vec::new();
            about.extend(part.part_number.as_ref().map(|n| format!("Part no. {n}")));
            about.extend(part.brand.clone());
            about.extend(part.supplier.as_ref().map(|s| format!("from {s}")));
            if !about.is_empty() {
                details.extend(self.regular.wrap(&about.join(" · "), SMALL, c.description_width));
            }
        }
        if let Some(technician) = &line.technician {
            details.push(format!("Technician: {technician}"));
        }
        let core = line.core_total();
        if core.0 > 0 {
            let each = line.part.as_ref().map(|p| p.core_charge).unwrap_or_default();
            details.push(format!("Core charge {each} × {} (refunded when the old part is returned)", quantity(line)));
        }
        let height = description.len() as f32 * ROW + details.len() as f32 * SUB_ROW + 1.5;
        self.ensure(height, true);
        let y = self.y + ROW - 1.0;
        let kind = match line.kind {
            LineKind::Labor => "Labor",
            LineKind::Part => "Part",
            LineKind::Fee => "Fee",
            LineKind::Sublet => "Sublet",
            LineKind::Discount => "Discount",
        };
        self.page.text(&self.regular, BODY, BLACK, c.kind, y, Align::Left, kind);
        self.wrapped(&description, c.description, y, BODY, BLACK, ROW);
        let details_top = y + description.len() as f32 * ROW - 0.8;
        self.wrapped(&details, c.description, details_top, SMALL, GREY, SUB_ROW);
        if let Some(part) = &line.part {
            self.page.text(&self.regular, BODY, BLACK, c.condition, y, Align::Left, &part.condition.to_string());
        }
        let qty = if line.kind == LineKind::Labor { format!("{} h", quantity(line)) } else { quantity(line) };
        self.page.text(&self.regular, BODY, BLACK, c.quantity, y, Align::Right, &qty);
        self.page.text(&self.regular, BODY, BLACK, c.unit, y, Align::Right, &line.unit_price.to_string());
        self.page.text(&self.regular, BODY, BLACK, c.amount, y, Align::Right, &line.amount.to_string());
        if line.taxable {
            // taxable lines are marked, as on a till receipt
            self.page.text(&self.regular, SMALL, GREY, c.amount + 1.0, y, Align::Left, "T");
        }
        self.y += height;
        self.page.rule(MARGIN, self.right(), self.y - 0.5, 0.3, RULE);
    }

    /// The closing block: the authorization record and consent on the left, the totals on the
    /// right, the signature and date lines under both; kept together on one page.
    fn closing(&mut self, order: &RepairOrder, kind: DocumentKind) {
        let t = &order.totals;
        let mut totals: Vec<(&str, String)> = vec![("Labor", t.labor.to_string()), ("Parts", t.parts.to_string())];
        for (label, amount) in [("Fees", t.fees), ("Sublet", t.sublet), ("Discounts", t.discounts)] {
            if amount.0 != 0 {
                totals.push((label, amount.to_string()));
            }
        }
        totals.push(("Tax", t.tax.to_string()));

        let right = self.right() - 3.0;
        let label_x = right - 58.0;
        let text_width = label_x - 8.0 - MARGIN;
        let mut left: Vec<String> = Vec::new();
        for a in &order.authorizations {
            let phone = a.phone.as_deref().map(|p| format!(" ({})", display_phone(p))).unwrap_or_default();
            let record = format!(
                "Revision {}: {} authorized {}{phone} on {} for up to {}.",
                a.revision,
                a.authorized_by,
                a.method,
                a.authorized_at.format("%b %-d, %Y %H:%M UTC"),
                a.amount
            );
            left.extend(self.regular.wrap(&record, SMALL + 0.5, text_width));
        }
        let consent = match kind {
            DocumentKind::Estimate => {
                "I authorize the repairs above at the estimated total. No work beyond this estimate will be done \
                 without my consent. Replaced parts are returned on request, except parts exchanged for a core charge \
                 or returned under warranty."
            }
            DocumentKind::Invoice => "Received the vehicle and the work described above in satisfactory condition.",
        };
        left.extend(self.regular.wrap(consent, SMALL + 0.5, text_width));

        const TOTAL_ROW: f32 = 4.3;
        const TEXT_ROW: f32 = 3.5;
        let totals_height = totals.len() as f32 * TOTAL_ROW + 9.0;
        let text_height = 5.0 + left.len() as f32 * TEXT_ROW;
        let signature = 13.0;
        self.ensure(3.0 + totals_height.max(text_height) + signature, false);
        let top = self.y + 3.0;

        self.page.text(&self.bold, SMALL, GREY, MARGIN, top + 3.0, Align::Left, "AUTHORIZATION");
        self.wrapped(&left, MARGIN, top + 7.0, SMALL + 0.5, BLACK, TEXT_ROW);

        let mut y = top;
        for (label, amount) in totals {
            y += TOTAL_ROW;
            self.page.text(&self.regular, BODY, BLACK, label_x, y, Align::Left, label);
            self.page.text(&self.regular, BODY, BLACK, right, y, Align::Right, &amount);
        }
        y += 2.0;
        self.page.rule(label_x, right, y, 0.8, BLACK);
        y += 5.5;
        let total_label = if kind == DocumentKind::Invoice { "Total due" } else { "Estimated total" };
        self.page.text(&self.bold, 11.0, BLACK, label_x, y, Align::Left, total_label);
        self.page.text(&self.bold, 11.0, BLACK, right, y, Align::Right, &t.total.to_string());
        if order.lines.iter().any(|l| l.taxable) {
            self.page.text(&self.regular, SMALL, GREY, label_x, y + 4.0, Align::Left, "T = taxable");
        }

        self.y = top + totals_height.max(text_height) + 9.0;
        let page_right = self.right();
        self.page.rule(MARGIN, MARGIN + 95.0, self.y, 0.6, BLACK);
        self.page.rule(page_right - 50.0, page_right, self.y, 0.6, BLACK);
        self.page.text(&self.regular, SMALL, GREY, MARGIN, self.y + 3.5, Align::Left, "Customer signature");
        self.page.text(&self.regular, SMALL, GREY, page_right - 50.0, self.y + 3.5, Align::Left, "Date");
        self.y += 6.0;
    }
}

impl Writer {
    /// The receipt's body: every payment (refunds noted), then total, paid and balance.
    fn inspection(&mut self, items: &[InspectedItem], doc: &mut PdfDocument) {
        let rank = |c: &str| match c {
            "red" => 0,
            "yellow" => 1,
            _ => 2,
        };
        let mut sorted: Vec<&InspectedItem> = items.iter().collect();
        sorted.sort_by_key(|i| rank(&i.condition));
        let counts = |c: &str| items.iter().filter(|i| i.condition == c).count();
        let summary = format!(
            "{} need attention now · {} soon · {} checked and OK",
            counts("red"),
            counts("yellow"),
            counts("green")
        );
        self.page.text(&self.bold, BODY + 1.0, BLACK, MARGIN, self.y + 4.0, Align::Left, &summary);
        self.y += 8.0;
        let gap = 4.0;
        let photo_width = (self.right() - MARGIN - gap) / 2.0;
        for item in sorted {
            let (word, colour) = match item.condition.as_str() {
                "red" => ("NOW", (0.70, 0.0, 0.11)),
                "yellow" => ("SOON", (0.80, 0.58, 0.0)),
                _ => ("OK", (0.12, 0.42, 0.19)),
            };
            let text_width = self.right() - MARGIN - 20.0;
            let mut details: Vec<String> = Vec::new();
            for part in [item.reading.as_deref(), item.note.as_deref()].into_iter().flatten() {
                details.extend(self.regular.wrap(part, BODY, text_width));
            }
            self.ensure(ROW + details.len() as f32 * SUB_ROW + 2.0, false);
            self.page.fill(MARGIN, self.y + 0.6, 15.0, 4.6, colour);
            let word_x = MARGIN + 7.5 - self.bold.width_mm(word, SMALL) / 2.0;
            self.page.text(&self.bold, SMALL, (1.0, 1.0, 1.0), word_x, self.y + 4.0, Align::Left, word);
            let title = format!("{} — {}", item.name, item.section);
            self.page.text(&self.bold, BODY, BLACK, MARGIN + 18.0, self.y + 4.0, Align::Left, &title);
            self.y += ROW + 0.5;
            self.wrapped(&details, MARGIN + 18.0, self.y + 2.8, BODY, GREY, SUB_ROW + 0.4);
            self.y += details.len() as f32 * (SUB_ROW + 0.4) + 1.0;
            for pair in item.photos.chunks(2) {
                let height = pair
                    .iter()
                    .map(|p| photo_width * p.height as f32 / p.width as f32)
                    .fold(0.0_f32, f32::max)
                    .min(90.0);
                self.ensure(height + 3.0, false);
                let mut x = MARGIN;
                for photo in pair {
                    let (id, pixels) = embed_jpeg(doc, photo);
                    let width = (height * photo.width as f32 / photo.height as f32).min(photo_width);
                    self.page.image(&id, pixels, x, self.y, width * photo.height as f32 / photo.width as f32);
                    x += photo_width + gap;
                }
                self.y += height + 3.0;
            }
            self.page.rule(MARGIN, self.right(), self.y, 0.3, RULE);
            self.y += 2.0;
        }
    }

    fn receipt(&mut self, order: &RepairOrder, payments: &[Received]) {
        let right = self.right() - 3.0;
        self.page.fill(MARGIN, self.y, self.right() - MARGIN, 6.0, BAND);
        self.page.text(&self.bold, SMALL + 0.5, BLACK, MARGIN + 1.0, self.y + 4.2, Align::Left, "Date");
        self.page.text(&self.bold, SMALL + 0.5, BLACK, MARGIN + 38.0, self.y + 4.2, Align::Left, "Payment");
        self.page.text(&self.bold, SMALL + 0.5, BLACK, right, self.y + 4.2, Align::Right, "Amount");
        self.y += 7.5;
        let mut paid = 0i64;
        for p in payments {
            self.ensure(ROW + SUB_ROW + 1.5, false);
            let y = self.y + ROW - 1.0;
            let when = p.at.with_timezone(&chrono::Local).format("%b %-d, %Y %-I:%M %p").to_string();
            self.page.text(&self.regular, BODY, BLACK, MARGIN + 1.0, y, Align::Left, &when);
            self.page.text(&self.regular, BODY, BLACK, MARGIN + 38.0, y, Align::Left, &p.how);
            self.page.text(&self.regular, BODY, BLACK, right, y, Align::Right, &p.amount.to_string());
            self.y += ROW + 1.5;
            if p.refunded.0 > 0 {
                let text = format!("Refunded {}", p.refunded);
                self.page.text(&self.regular, SMALL, GREY, MARGIN + 38.0, self.y + 1.5, Align::Left, &text);
                self.page.text(
                    &self.regular,
                    SMALL,
                    GREY,
                    right,
                    self.y + 1.5,
                    Align::Right,
                    &format!("−{}", p.refunded),
                );
                self.y += SUB_ROW;
            }
            paid += p.amount.0 - p.refunded.0;
            self.page.rule(MARGIN, self.right(), self.y - 0.5, 0.3, RULE);
        }
        let total = order.totals.total;
        let due = dixon_shop::Cents(total.0 - paid);
        self.ensure(24.0, false);
        let label_x = right - 58.0;
        let mut y = self.y + 6.0;
        for (label, amount) in [("Invoice total", total), ("Paid", dixon_shop::Cents(paid))] {
            self.page.text(&self.regular, BODY, BLACK, label_x, y, Align::Left, label);
            self.page.text(&self.regular, BODY, BLACK, right, y, Align::Right, &amount.to_string());
            y += 4.3;
        }
        self.page.rule(label_x, right, y - 2.0, 0.8, BLACK);
        y += 4.0;
        let label = if due.0 <= 0 { "Paid in full" } else { "Balance due" };
        self.page.text(&self.bold, 11.0, BLACK, label_x, y, Align::Left, label);
        self.page.text(&self.bold, 11.0, BLACK, right, y, Align::Right, &due.max(dixon_shop::Cents::ZERO).to_string());
        self.y = y + 8.0;
        self.page.text(&self.regular, SMALL, GREY, MARGIN, self.y, Align::Left, "Thank you for your business.");
    }
}

/// `1500` thousandths → "1.5".
fn quantity(line: &LineItem) -> String {
    let whole = line.quantity_milli / 1000;
    let fraction = line.quantity_milli % 1000;
    if fraction == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{fraction:03}").trim_end_matches('0'))
    }
}
