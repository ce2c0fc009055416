//! The customer's approval page as HTML: one plain form that works without JavaScript (radio
//! buttons per line, "Show my total", a typed name, submit), which `approve.js` only enhances
//! (live totals, a signature pad). Small on purpose — styles inline, no framework, photos as
//! lazy-loaded thumbnails that link to the full picture — so it loads at once on a phone.
//! Accessible: every control has a label, one group per line, contrast of at least 4.5:1, no
//! information by colour alone (each condition is also written).

use std::collections::BTreeMap;
use std::fmt::Write;

use dixon_shop::approval::{Document, InspectedItem, OfferedLine, PhotoRef};
use dixon_shop::{AuthorizationKind, Totals};

/// What the customer chose so far (kept when the page comes back with an error or a total).
#[derive(Debug, Default, Clone)]
pub struct Answers {
    /// Line uid → approved?
    pub choices: BTreeMap<String, bool>,
    pub name: String,
    pub agreed: bool,
}

/// The page, as the customer last left it.
pub struct Form<'a> {
    pub doc: &'a Document,
    pub token: &'a str,
    pub answers: &'a Answers,
    /// The totals of the lines approved so far (shown after "Show my total", kept current by JS).
    pub totals: Option<Totals>,
    /// What to fix before submitting.
    pub problem: Option<&'a str>,
}

const STYLE: &str = "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#f4f4f2}\
header{background:#1d3557;color:#fff;padding:14px 16px}header h1{margin:0;font-size:1.3em}header a{color:#fff}\
main{max-width:640px;margin:0 auto;padding:8px 12px 40px}h2{font-size:1.15em;margin:22px 0 8px}h3{font-size:1em;margin:14px 0 6px}\
ul{list-style:none;padding:0;margin:0}li,fieldset{background:#fff;border:1px solid #d0d0cc;border-radius:8px;padding:10px 12px;margin:0 0 8px}\
.tag{display:inline-block;font-weight:700;font-size:.8em;padding:1px 8px;border-radius:10px;margin-right:6px}\
.red{background:#b3001b;color:#fff}.yellow{background:#ffd23f;color:#1a1a1a}.green{background:#1e6b30;color:#fff}\
.photos{display:flex;gap:6px;flex-wrap:wrap;margin-top:6px}.photos img{width:96px;height:72px;object-fit:cover;border-radius:4px;border:1px solid #999}\
legend{float:left;width:100%;padding:0;font-weight:700}legend+*{clear:both}.price{float:right;font-weight:700;margin-left:8px}\
li::after,fieldset::after{content:\"\";display:block;clear:both}.choice{display:inline-flex;align-items:center;gap:6px;margin:8px 18px 0 0;min-height:44px}\
input[type=radio],input[type=checkbox]{width:22px;height:22px}input[type=text]{width:100%;box-sizing:border-box;font-size:1.1em;padding:10px;border:2px solid #555;border-radius:6px}\
button{font-size:1.05em;padding:12px 18px;border-radius:8px;border:2px solid #1d3557;background:#fff;color:#1d3557;min-height:48px}\
button.primary{background:#1d3557;color:#fff;width:100%;margin-top:12px}.problem{background:#fde8ea;border:2px solid #b3001b;padding:10px;border-radius:8px}\
dl{display:grid;grid-template-columns:1fr auto;gap:2px 12px;margin:0}dd{margin:0;text-align:right}.total{font-weight:700;font-size:1.15em}\
.consent{font-size:.92em}canvas{border:2px dashed #555;border-radius:6px;background:#fff;width:100%;height:150px;touch-action:none}\
.muted{color:#555}a{color:#1d3557}:focus-visible{outline:3px solid #e07a00;outline-offset:2px}";

/// The open page: the inspection and the lines to decide, then the signature.
pub fn form(page: &Form<'_>) -> String {
    let doc = page.doc;
    let mut html = head(&format!("Estimate for your {}", doc.vehicle), doc);
    let _ = write!(
        html,
        "<main><h2>Repair order {} · {}</h2><p>Hello {}, here is what we found and what we recommend. \
         Approve or decline each item, then sign at the bottom.</p>",
        doc.order_number,
        escape(&doc.vehicle),
        escape(first_name(&doc.customer_name)),
    );
    if doc.kind == AuthorizationKind::Supplementary {
        html.push_str("<p><strong>We found more work while your car was with us.</strong> What you approved before is not changed.</p>");
    }
    if let Some(problem) = page.problem {
        let _ = write!(html, "<p class=\"problem\" role=\"alert\" id=\"problem\">{}</p>", escape(problem));
    }
    inspection(&mut html, doc, page.token);
    let _ = write!(html, "<form method=\"post\" action=\"/a/{}\" id=\"approval\">", page.token);
    let _ = write!(html, "<input type=\"hidden\" name=\"shown\" value=\"{}\">", doc.sha256());
    html.push_str("<h2 id=\"work\">Recommended work</h2>");
    for offered in doc.decidable() {
        line(&mut html, offered, page.answers.choices.get(&offered.line.uid).copied(), page.token);
    }
    let earlier: Vec<&OfferedLine> = doc.lines.iter().filter(|l| !l.decidable).collect();
    if !earlier.is_empty() {
        html.push_str("<h3>Approved before</h3><ul>");
        for offered in earlier {
            let _ = write!(
                html,
                "<li>{}<span class=\"price\">{}</span></li>",
                escape(&offered.line.description),
                offered.line.amount
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("<h2>Your total</h2><div id=\"totals\" aria-live=\"polite\">");
    match &page.totals {
        Some(totals) => totals_list(&mut html, totals),
        None => html.push_str("<p class=\"muted\">Choose approve or decline for each item to see your total.</p>"),
    }
    html.push_str("</div><button type=\"submit\" name=\"step\" value=\"total\" id=\"show-total\" formnovalidate>Show my total</button>");
    let _ = write!(
        html,
        "<h2>Sign</h2><p class=\"consent\" id=\"consent\">{}</p>\
         <label for=\"name\">Your full name</label>\
         <input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"name\" maxlength=\"100\" required value=\"{}\">\
         <div id=\"signature-pad\" hidden><p><label for=\"signature-canvas\">Sign with your finger</label> \
         <button type=\"button\" id=\"clear-signature\">Clear</button></p>\
         <canvas id=\"signature-canvas\" width=\"600\" height=\"150\" role=\"img\" aria-label=\"Signature area\"></canvas></div>\
         <input type=\"hidden\" name=\"signature\" id=\"signature\" value=\"\">\
         <p><label class=\"choice\"><input type=\"checkbox\" name=\"agree\" value=\"yes\" required{}> I agree to the above</label></p>\
         <button type=\"submit\" name=\"step\" value=\"sign\" class=\"primary\">Send my answer to {}</button></form>",
        escape(&doc.consent),
        escape(&page.answers.name),
        if page.answers.agreed { " checked" } else { "" },
        escape(&doc.shop.name),
    );
    let _ = write!(
        html,
        "<p class=\"muted\">This link is for you only and works until {}.</p></main>\
         <script src=\"/approve.js\" defer></script></body></html>",
        shop_time(doc, doc.expires_at, "%B %-d, %Y")
    );
    html
}

/// `at` as the shop's clock shows it: "December 3 at 10:42 AM".
pub fn shop_time(doc: &Document, at: chrono::DateTime<chrono::Utc>, format: &str) -> String {
    match doc.time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).format(format).to_string(),
        Err(_) => format!("{} UTC", at.format(format)),
    }
}

/// After the answer arrived: what was approved and declined, and the amount.
pub fn received(
    doc: &Document,
    approved: &[String],
    amount: dixon_shop::Cents,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let at = shop_time(doc, at, "%B %-d at %-I:%M %p");
    let mut html = head("Thank you", doc);
    let _ = write!(
        html,
        "<main><h2>Thank you — {} has your answer</h2><p>Received {}. You approved work for <strong>{}</strong>.</p><ul>",
        escape(&doc.shop.name),
        escape(&at),
        amount
    );
    for offered in doc.decidable() {
        let yes = approved.contains(&offered.line.uid);
        let _ = write!(
            html,
            "<li><span class=\"tag {}\">{}</span>{}<span class=\"price\">{}</span></li>",
            if yes { "green" } else { "yellow" },
            if yes { "Approved" } else { "Declined" },
            escape(&offered.line.description),
            offered.line.amount
        );
    }
    let _ = write!(html, "</ul><p>Questions? {}</p></main></body></html>", call_the_shop(doc));
    html
}

/// "Call Dixon Auto at (555) 234-5678." — or, without a phone on file, its email or name.
fn call_the_shop(doc: &Document) -> String {
    let name = escape(&doc.shop.name);
    match (phone_link(&doc.shop.phone), doc.shop.email.trim()) {
        (phone, _) if !phone.is_empty() => format!("Call {name} at {phone}."),
        (_, email) if !email.is_empty() => {
            format!("Write to {name} at <a href=\"mailto:{0}\">{0}</a>.", escape(email))
        }
        _ => format!("Call {name}."),
    }
}

/// A page for a link that can't be used: expired, replaced by a newer one, or unknown.
pub fn closed(title: &str, why: &str, doc: Option<&Document>) -> String {
    let mut html = match doc {
        Some(doc) => head(title, doc),
        None => bare_head(title),
    };
    let call = match doc {
        Some(doc) => format!("Please {}", lowercase_first(&call_the_shop(doc))),
        None => "Please call the shop that sent it.".to_string(),
    };
    let _ = write!(html, "<main><h2>{}</h2><p>{}</p><p>{call}</p></main></body></html>", escape(title), escape(why));
    html
}

fn head(title: &str, doc: &Document) -> String {
    let mut html = bare_head(&format!("{title} — {}", doc.shop.name));
    let contact = [phone_link(&doc.shop.phone), escape(&doc.shop.address)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let _ = write!(html, "<header><h1>{}</h1><p>{contact}</p></header>", escape(&doc.shop.name));
    html
}

fn bare_head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        escape(title)
    )
}

fn inspection(html: &mut String, doc: &Document, token: &str) {
    if doc.inspection.is_empty() {
        return;
    }
    html.push_str("<h2>What we found</h2>");
    let groups = [("red", "Needs attention now"), ("yellow", "Will need attention soon"), ("green", "Checked and OK")];
    for (condition, title) in groups {
        let items: Vec<&InspectedItem> = doc.inspection.iter().filter(|i| i.condition == condition).collect();
        if items.is_empty() {
            continue;
        }
        // green items fold away: the customer came for the red ones
        let (open, close) = if condition == "green" {
            (format!("<details><summary>{title} ({})</summary><ul>", items.len()), "</ul></details>")
        } else {
            (format!("<h3>{title} ({})</h3><ul>", items.len()), "</ul>")
        };
        html.push_str(&open);
        for item in items {
            let word = match condition {
                "red" => "Now",
                "yellow" => "Soon",
                _ => "OK",
            };
            let _ = write!(
                html,
                "<li><span class=\"tag {condition}\">{word}</span><strong>{}</strong> <span class=\"muted\">{}</span>",
                escape(&item.name),
                escape(&item.section)
            );
            if let Some(reading) = &item.reading {
                let _ = write!(html, "<br>{}", escape(reading));
            }
            if let Some(note) = &item.note {
                let _ = write!(html, "<br>{}", escape(note));
            }
            photos(html, &item.photos, &item.name, token);
            html.push_str("</li>");
        }
        html.push_str(close);
    }
}

fn line(html: &mut String, offered: &OfferedLine, choice: Option<bool>, token: &str) {
    let uid = escape(&offered.line.uid);
    let _ = write!(
        html,
        "<fieldset><legend>{}</legend><span class=\"price\">{}</span>",
        escape(&offered.line.description),
        offered.line.amount
    );
    if let Some(finding) = &offered.finding {
        let _ = write!(html, "<p class=\"muted\">{}</p>", escape(finding));
    }
    photos(html, &offered.photos, &offered.line.description, token);
    for (value, label, checked) in
        [("approve", "Approve", choice == Some(true)), ("decline", "Decline", choice == Some(false))]
    {
        let _ = write!(
            html,
            "<label class=\"choice\"><input type=\"radio\" name=\"line:{uid}\" value=\"{value}\" required{}> {label}</label>",
            if checked { " checked" } else { "" }
        );
    }
    html.push_str("</fieldset>");
}

fn photos(html: &mut String, photos: &[PhotoRef], what: &str, token: &str) {
    if photos.is_empty() {
        return;
    }
    html.push_str("<div class=\"photos\">");
    for (n, photo) in photos.iter().enumerate() {
        let _ = write!(
            html,
            "<a href=\"/a/{token}/photos/{}\"><img src=\"/a/{token}/photos/{}\" loading=\"lazy\" width=\"96\" height=\"72\" \
             alt=\"Photo {} of {} (tap to enlarge)\"></a>",
            photo.sha256,
            photo.thumbnail_sha256,
            n + 1,
            escape(what)
        );
    }
    html.push_str("</div>");
}

/// The totals as a definition list (also what `/totals` sends the script).
pub fn totals_list(html: &mut String, totals: &Totals) {
    html.push_str("<dl>");
    let rows = [
        ("Parts", totals.parts),
        ("Labor", totals.labor),
        ("Fees", totals.fees),
        ("Sublet", totals.sublet),
        ("Discounts", totals.discounts),
        ("Tax", totals.tax),
    ];
    for (name, amount) in rows.into_iter().filter(|(_, a)| a.0 != 0) {
        let _ = write!(html, "<dt>{name}</dt><dd>{amount}</dd>");
    }
    let _ =
        write!(html, "<dt class=\"total\">Total of approved work</dt><dd class=\"total\">{}</dd></dl>", totals.total);
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("there")
}

fn phone_link(e164: &str) -> String {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let shown = match digits.strip_prefix('1') {
        Some(rest) if rest.len() == 10 => format!("({}) {}-{}", &rest[..3], &rest[3..6], &rest[6..]),
        _ => e164.to_string(),
    };
    if digits.is_empty() {
        return String::new();
    }
    format!("<a href=\"tel:+{digits}\">{}</a>", escape(&shown))
}

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The script that enhances the form: the signature pad, live totals. Without it the form
/// works the same (the typed name signs; "Show my total" asks the server).
pub const SCRIPT: &str = r#"(function(){
var form=document.getElementById('approval');if(!form)return;
var pad=document.getElementById('signature-pad'),canvas=document.getElementById('signature-canvas'),field=document.getElementById('signature');
pad.hidden=false;var ctx=canvas.getContext('2d');ctx.lineWidth=3;ctx.lineCap='round';ctx.strokeStyle='#1a1a1a';
var drawing=false,drawn=false;
function at(e){var r=canvas.getBoundingClientRect();return[(e.clientX-r.left)*canvas.width/r.width,(e.clientY-r.top)*canvas.height/r.height];}
canvas.addEventListener('pointerdown',function(e){drawing=true;canvas.setPointerCapture(e.pointerId);var p=at(e);ctx.beginPath();ctx.moveTo(p[0],p[1]);});
canvas.addEventListener('pointermove',function(e){if(!drawing)return;var p=at(e);ctx.lineTo(p[0],p[1]);ctx.stroke();drawn=true;});
function end(){if(drawing&&drawn){field.value=canvas.toDataURL('image/png');}drawing=false;}
canvas.addEventListener('pointerup',end);canvas.addEventListener('pointercancel',end);
document.getElementById('clear-signature').addEventListener('click',function(){ctx.clearRect(0,0,canvas.width,canvas.height);field.value='';drawn=false;});
var totals=document.getElementById('totals'),button=document.getElementById('show-total');if(button)button.hidden=true;
function refresh(){var q=new URLSearchParams();var radios=form.querySelectorAll('input[type=radio]:checked');
for(var i=0;i<radios.length;i++){if(radios[i].value==='approve')q.append('approve',radios[i].name.slice(5));}
fetch(form.getAttribute('action')+'/totals?'+q.toString()).then(function(r){return r.ok?r.text():null;}).then(function(t){if(t!==null)totals.innerHTML=t;});}
form.addEventListener('change',function(e){if(e.target.type==='radio')refresh();});
if(form.querySelector('input[type=radio]:checked'))refresh();
})();"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere_it_goes() {
        assert_eq!(escape("<b>\"Pat\" & 'Lee'</b>"), "&lt;b&gt;&quot;Pat&quot; &amp; &#39;Lee&#39;&lt;/b&gt;");
        assert_eq!(phone_link("+15552345678"), "<a href=\"tel:+15552345678\">(555) 234-5678</a>");
        assert_eq!(phone_link(""), "");
        assert_eq!(first_name("  Pat Lee"), "Pat");
    }
}
