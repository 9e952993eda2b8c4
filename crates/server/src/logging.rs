//! Logs go to stderr (filtered by `CANOPY_LOG`, warnings by default) and, for canopy's own
//! messages of level info and above, to the client's log through `window/logMessage`. Never to
//! stdout: that is the protocol's channel.

use std::fmt::Write as _;

use tower_lsp::lsp_types::MessageType;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter};

use crate::outbox::{Outbox, Outgoing};

/// Installs the global subscriber. A second call (a second server in one process) keeps the first.
pub fn init(outbox: Outbox) {
    let stderr_filter = EnvFilter::try_from_env("CANOPY_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_filter(stderr_filter);
    let client = ClientLog { outbox }
        .with_filter(filter::filter_fn(|meta| meta.target().starts_with("canopy") && *meta.level() <= Level::INFO));
    let _ = tracing_subscriber::registry().with(stderr).with(client).try_init();
}

struct ClientLog {
    outbox: Outbox,
}

impl<S: Subscriber> Layer<S> for ClientLog {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let typ = match *event.metadata().level() {
            Level::ERROR => MessageType::ERROR,
            Level::WARN => MessageType::WARNING,
            Level::INFO => MessageType::INFO,
            _ => MessageType::LOG,
        };
        let mut message = Message(String::new());
        event.record(&mut message);
        self.outbox.send(Outgoing::Log { typ, message: message.0 });
    }
}

/// The event's text: its `message` field, then any other fields as `name=value`.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}
