//! Progress bars for large files.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Files larger than this get a progress bar when the caller asks for one.
pub(crate) const PROGRESS_MIN_BYTES: u64 = 50 * 1000 * 1000;

/// A bar on stderr of `len` units, or `None` when not wanted. indicatif hides
/// it by itself when stderr is not a terminal.
pub(crate) fn bar(wanted: bool, file_bytes: u64, len: u64, bytes: bool) -> Option<ProgressBar> {
    if !wanted || file_bytes <= PROGRESS_MIN_BYTES {
        return None;
    }
    let template = if bytes {
        "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})"
    } else {
        "{msg} [{bar:40}] {pos}/{len} row groups ({eta})"
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    pb.set_style(style);
    Some(pb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_for_large_files_when_asked() {
        assert!(bar(false, 10 * PROGRESS_MIN_BYTES, 100, true).is_none());
        assert!(bar(true, PROGRESS_MIN_BYTES, 100, true).is_none());
        let pb = bar(true, PROGRESS_MIN_BYTES + 1, 100, false).expect("a bar");
        assert_eq!(pb.length(), Some(100));
        pb.inc(10);
        pb.finish_and_clear();
        let pb = bar(true, PROGRESS_MIN_BYTES + 1, 1 << 30, true).expect("a bar");
        let mut r = pb.wrap_read(&b"abc"[..]);
        let mut out = Vec::new();
        std::io::copy(&mut r, &mut out).unwrap();
        assert_eq!(pb.position(), 3);
        pb.finish_and_clear();
    }
}
