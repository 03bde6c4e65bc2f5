//! `-v=N` logging on stderr in klog's line format, which kubectl users
//! read and grep: `I1122 16:47:39.126889    1314 trace.rs:120] "Response" ...`.
//! The client emits its request traces at INFO once `-v` reaches 6.

use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// klog's header: severity letter, date, time with microseconds, pid, file:line.
struct KlogFormat;

impl<S, N> FormatEvent<S, N> for KlogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let severity = match *meta.level() {
            Level::ERROR => 'E',
            Level::WARN => 'W',
            _ => 'I',
        };
        let now = chrono::Local::now();
        let file = meta
            .file()
            .map(|f| f.rsplit('/').next().unwrap_or(f))
            .unwrap_or("?");
        write!(
            w,
            "{severity}{} {:>7} {file}:{}] ",
            now.format("%m%d %H:%M:%S%.6f"),
            std::process::id(),
            meta.line().unwrap_or(0)
        )?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// Sends INFO and above to stderr in klog's format.
pub fn install() {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(Level::INFO)
        .event_format(KlogFormat)
        .finish();
    // A second install (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
