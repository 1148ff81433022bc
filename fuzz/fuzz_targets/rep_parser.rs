//! The .rep parser and everything built on a parsed file: API lists, both signature algorithms and
//! run-time classes. Errors are fine; panics, hangs and runaway memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qtro_rs::core::Dialect;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(file) = qtro_rs::rep::parse(text) else { return };
    let _ = qtro_rs::rep::signatures_qt6(&file);
    let _ = qtro_rs::rep::signatures_qt5(&file);
    for class in &file.classes {
        for dialect in [Dialect::Qt6, Dialect::Qt5] {
            let _ = class.api_for(dialect);
            let _ = qtro_rs::rep::source_class(&file, &class.name, dialect);
        }
    }
});
