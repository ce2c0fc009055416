//! The text engine: what was read on each line, with every character's alternatives and how
//! sure the engine was. [`Tesseract`] links the system's libtesseract (Debian `libtesseract5`
//! and `tesseract-ocr-eng`; nothing is downloaded at build or run time); another engine only has
//! to implement [`TextEngine`].

use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::ptr;

use image::GrayImage;
use tesseract_sys as tess;

use crate::Error;

/// One character as read, with the engine's alternatives: best first, confidence 0–100.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub choices: Vec<(char, f32)>,
    /// The first character of a word (a space or a line start before it).
    pub word_start: bool,
}

impl Glyph {
    pub fn best(&self) -> Option<char> {
        self.choices.first().map(|(c, _)| *c)
    }
}

/// One line of text as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextLine {
    pub glyphs: Vec<Glyph>,
}

impl TextLine {
    pub fn text(&self) -> String {
        self.glyphs.iter().filter_map(Glyph::best).collect()
    }
}

/// Reads the text in a picture.
pub trait TextEngine {
    fn read(&mut self, picture: &GrayImage) -> Result<Vec<TextLine>, Error>;
}

/// Tesseract 5 (LSTM), asked for its alternatives per character.
pub struct Tesseract {
    handle: *mut tess::TessBaseAPI,
}

// one handle is used by one thread at a time (it is moved, never shared)
unsafe impl Send for Tesseract {}

/// What Tesseract may read: a VIN's alphabet (no I, O or Q), and the characters around a VIN on
/// a label or a card, so they are not forced into letters.
const CHARACTERS: &str = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ:#-";

/// The longest one reading may take (ms); a clear VIN takes 10–40.
const DEADLINE_MS: c_int = 1_000;

impl Tesseract {
    /// English, LSTM, one block of text, alternatives kept.
    pub fn new() -> Result<Tesseract, Error> {
        let language = CString::new("eng").unwrap_or_default();
        // SAFETY: a fresh handle, initialised once; ended in Drop
        unsafe {
            let handle = tess::TessBaseAPICreate();
            if handle.is_null() {
                return Err(Error::Engine("Tesseract could not start".into()));
            }
            let engine = Tesseract { handle };
            if tess::TessBaseAPIInit3(handle, ptr::null(), language.as_ptr()) != 0 {
                return Err(Error::Engine(
                    "Tesseract's English data is missing: install tesseract-ocr-eng (scripts/setup.sh does).".into(),
                ));
            }
            engine.set("lstm_choice_mode", "2");
            engine.set("tessedit_char_whitelist", CHARACTERS);
            // no dictionary: a VIN is not a word
            engine.set("load_system_dawg", "0");
            engine.set("load_freq_dawg", "0");
            // light letters on dark are handled by preprocessing; Tesseract's own check of every
            // line for inverted text costs more than the rest of the reading
            engine.set("tessedit_do_invert", "0");
            // its progress notes ("Image too small to scale!!") are not for the counter's log
            engine.set("debug_file", "/dev/null");
            tess::TessBaseAPISetPageSegMode(handle, tess::TessPageSegMode_PSM_SINGLE_BLOCK);
            Ok(engine)
        }
    }

    fn set(&self, name: &str, value: &str) {
        let (name, value) = (CString::new(name).unwrap_or_default(), CString::new(value).unwrap_or_default());
        // SAFETY: the handle is live; Tesseract copies the strings
        unsafe {
            tess::TessBaseAPISetVariable(self.handle, name.as_ptr(), value.as_ptr());
        }
    }
}

impl Drop for Tesseract {
    fn drop(&mut self) {
        // SAFETY: created in `new`, dropped once
        unsafe {
            tess::TessBaseAPIEnd(self.handle);
            tess::TessBaseAPIDelete(self.handle);
        }
    }
}

/// A C string from Tesseract as one char (its first), freeing it.
unsafe fn take_char(text: *mut std::os::raw::c_char) -> Option<char> {
    if text.is_null() {
        return None;
    }
    let c = CStr::from_ptr(text).to_str().ok().and_then(|s| s.trim().chars().next());
    tess::TessDeleteText(text);
    c
}

/// Tesseract's OpenMP teams busy-wait for work between the small steps of one line; on a
/// two-core counter PC that made each line take 80 ms instead of 10. Its parallel regions ask
/// for their thread counts explicitly, so only making them inactive helps: OpenMP's
/// `omp_set_max_active_levels(0)` (process-wide, like the `OMP_THREAD_LIMIT=1` it stands for,
/// which OpenMP reads before `main`). Looked up at run time: a Tesseract built without OpenMP
/// (Windows builds often are) has none, and needs none.
fn tesseract_on_one_thread() {
    #[cfg(unix)]
    {
        static DONE: std::sync::Once = std::sync::Once::new();
        DONE.call_once(|| {
            type SetMaxActiveLevels = unsafe extern "C" fn(c_int);
            // SAFETY: a symbol looked up by name in the libraries already loaded; its C type is
            // OpenMP's `void omp_set_max_active_levels(int)`, and 0 is a valid level count
            unsafe {
                let symbol = libc::dlsym(libc::RTLD_DEFAULT, c"omp_set_max_active_levels".as_ptr());
                if !symbol.is_null() {
                    std::mem::transmute::<*mut libc::c_void, SetMaxActiveLevels>(symbol)(0);
                }
            }
        });
    }
}

impl TextEngine for Tesseract {
    fn read(&mut self, picture: &GrayImage) -> Result<Vec<TextLine>, Error> {
        tesseract_on_one_thread();
        let (width, height) = (picture.width() as c_int, picture.height() as c_int);
        if width < 8 || height < 8 {
            return Err(Error::Engine("the picture is too small to read".into()));
        }
        let mut lines: Vec<TextLine> = Vec::new();
        // SAFETY: the pixels outlive the recognition (Tesseract copies them in SetImage); every
        // iterator is deleted once; text pointers are freed by take_char
        unsafe {
            tess::TessBaseAPISetImage(self.handle, picture.as_raw().as_ptr(), width, height, 1, width);
            tess::TessBaseAPISetSourceResolution(self.handle, 300);
            // a picture of noise can hold Tesseract for seconds: past the deadline it stops,
            // and the picture has no text worth the wait (the counter is not kept waiting)
            let monitor = tess::TessMonitorCreate();
            if !monitor.is_null() {
                tess::TessMonitorSetDeadlineMSecs(monitor, DEADLINE_MS);
            }
            let failed = tess::TessBaseAPIRecognize(self.handle, monitor) != 0;
            if !monitor.is_null() {
                tess::TessMonitorDelete(monitor);
            }
            if failed {
                tess::TessBaseAPIClear(self.handle);
                return Ok(lines);
            }
            let results = tess::TessBaseAPIGetIterator(self.handle);
            if results.is_null() {
                return Ok(lines);
            }
            let page = tess::TessResultIteratorGetPageIterator(results);
            let symbol = tess::TessPageIteratorLevel_RIL_SYMBOL;
            loop {
                if lines.is_empty()
                    || tess::TessPageIteratorIsAtBeginningOf(page, tess::TessPageIteratorLevel_RIL_TEXTLINE) != 0
                {
                    lines.push(TextLine::default());
                }
                let word_start = tess::TessPageIteratorIsAtBeginningOf(page, tess::TessPageIteratorLevel_RIL_WORD) != 0;
                let best = take_char(tess::TessResultIteratorGetUTF8Text(results, symbol));
                let confidence = tess::TessResultIteratorConfidence(results, symbol);
                let mut choices: Vec<(char, f32)> = best.map(|c| vec![(c, confidence)]).unwrap_or_default();
                // only where there is a symbol: Tesseract aborts asking for the choices of none
                let alternatives =
                    if best.is_some() { tess::TessResultIteratorGetChoiceIterator(results) } else { ptr::null_mut() };
                if !alternatives.is_null() {
                    loop {
                        let text = tess::TessChoiceIteratorGetUTF8Text(alternatives);
                        if !text.is_null() {
                            let choice = CStr::from_ptr(text).to_str().ok().and_then(|s| s.trim().chars().next());
                            if let Some(c) = choice.filter(|c| !choices.iter().any(|(k, _)| k == c)) {
                                choices.push((c, tess::TessChoiceIteratorConfidence(alternatives)));
                            }
                        }
                        if tess::TessChoiceIteratorNext(alternatives) == 0 {
                            break;
                        }
                    }
                    tess::TessChoiceIteratorDelete(alternatives);
                }
                if !choices.is_empty() {
                    if let Some(line) = lines.last_mut() {
                        line.glyphs.push(Glyph { choices, word_start });
                    }
                }
                if tess::TessPageIteratorNext(page, symbol) == 0 {
                    break;
                }
            }
            tess::TessResultIteratorDelete(results);
        }
        lines.retain(|l| !l.glyphs.is_empty());
        Ok(lines)
    }
}
