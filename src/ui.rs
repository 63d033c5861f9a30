//! The user interface (browser only): Leptos components that render core values.
//!
//! [`App`] keeps what the page shows in its URL ([`PageLink`]: dataset or file, config, split,
//! row, step, filters, endpoint overrides), so every view is a shareable link that works on
//! any static host. Without a dataset it shows the start page; with one, the dataset page
//! (pickers, progress, filters, table, download) and, when a row is chosen, the trajectory.
//! Components hold no parsing, metric maths or URL building: they call `net` for data and the
//! core (`domain`) for everything computed. Text from rows is rendered as text nodes; only
//! sanitized HTML (markdown) goes into `inner_html`.

pub mod browser;
mod charts;
mod compare;
mod dataset_page;
mod filter_panel;
mod format;
pub mod model;
mod progress;
mod runs;
mod session;
mod start_page;
mod table;
pub mod trajectory;

use leptos::ev;
use leptos::prelude::*;

use crate::domain::hub::DatasetId;
use crate::domain::link::PageLink;
use crate::net::HubClient;

pub use model::{ModelState, ModelStatus};
pub use session::{LoadStatus, Opened, Row, Session};

/// Session-storage key of the Hugging Face token (kept for this tab only, never in a URL).
pub const TOKEN_KEY: &str = "trajex.hf_token";
/// Session-storage key of the user's consent to send the token to a non-Hugging-Face host.
pub const TOKEN_EVERYWHERE_KEY: &str = "trajex.hf_token_everywhere";
/// Local-storage key of the recent datasets (newline-separated ids).
pub const RECENT_KEY: &str = "trajex.recent";
/// Local-storage key of the chosen theme.
pub const THEME_KEY: &str = "trajex.theme";

/// The page state shared by every component.
#[derive(Clone, Copy)]
pub struct AppState {
    /// What the page shows; written back to the URL on every change.
    pub link: RwSignal<PageLink>,
    /// The open dataset.
    pub session: Session,
    /// `light` or `dark`.
    pub theme: RwSignal<String>,
}

impl AppState {
    /// Changes the link; `push` adds a browser history entry (navigation), else the current
    /// entry is replaced (small changes such as filters or the selected step).
    pub fn navigate(self, push: bool, change: impl FnOnce(&mut PageLink)) {
        let mut link = self.link.get_untracked();
        change(&mut link);
        browser::set_query(&link.to_query(), push);
        self.link.set(link);
    }

    /// Remembers a dataset id among the recent ones (at most 8, newest first).
    pub fn remember(self, dataset: &DatasetId) {
        let mut recent = recent_datasets();
        recent.retain(|d| d != dataset.as_str());
        recent.insert(0, dataset.to_string());
        recent.truncate(8);
        browser::local_set(RECENT_KEY, &recent.join("\n"));
    }
}

/// The recent dataset ids, newest first.
pub fn recent_datasets() -> Vec<String> {
    browser::local_get(RECENT_KEY)
        .unwrap_or_default()
        .lines()
        .filter(|l| DatasetId::parse(l).is_ok())
        .map(str::to_owned)
        .collect()
}

/// The client for the link's endpoints with the tab's token.
pub fn client_for(link: &PageLink) -> HubClient {
    let mut client = HubClient::new(link.endpoints.clone());
    client.token = browser::session_get(TOKEN_KEY).filter(|t| !t.is_empty());
    client.token_everywhere = browser::session_get(TOKEN_EVERYWHERE_KEY).as_deref() == Some("1");
    client
}

/// The application.
#[component]
pub fn App() -> impl IntoView {
    let link = RwSignal::new(PageLink::from_query(&browser::query()));
    let session = Session::new(client_for(&link.get_untracked()));
    let theme = RwSignal::new(
        browser::local_get(THEME_KEY)
            .unwrap_or_else(|| if browser::prefers_dark() { "dark" } else { "light" }.to_owned()),
    );
    let state = AppState { link, session, theme };
    provide_context(state);
    let model = ModelState::new(link, link.with_untracked(|l| l.tokenizer.clone()));
    provide_context(model);

    Effect::new(move |_| browser::apply_theme(&theme.get()));
    // The filter in force follows the link.
    Effect::new(move |_| {
        let filter = link.with(|l| l.filter.clone());
        if session.filter.get_untracked() != filter {
            session.filter.set(filter);
        }
    });
    // Back and forward buttons: read the URL again.
    let popstate = window_event_listener(ev::popstate, move |_| {
        link.set(PageLink::from_query(&browser::query()));
    });
    on_cleanup(move || {
        popstate.remove();
        session.stop();
    });

    let has_source = move || link.with(|l| l.dataset.is_some() || l.file.is_some());
    let toggle_theme = move |_| {
        let next = if theme.get_untracked() == "dark" { "light" } else { "dark" };
        browser::local_set(THEME_KEY, next);
        theme.set(next.to_owned());
    };
    let go_home = move |ev: ev::MouseEvent| {
        ev.prevent_default();
        session.stop();
        state.navigate(true, |l| {
            *l = PageLink { endpoints: l.endpoints.clone(), ..Default::default() }
        });
    };

    view! {
        <div class="tx-app">
            <header class="tx-header">
                <a class="tx-header__title" href="?" on:click=go_home>"Trajex"</a>
                <p class="tx-header__tagline">"Agent trajectory explorer"</p>
                <button
                    class="tx-button tx-button--quiet tx-header__theme"
                    data-testid="theme-toggle"
                    title="Switch between light and dark"
                    on:click=toggle_theme
                >
                    {move || if theme.get() == "dark" { "Light theme" } else { "Dark theme" }}
                </button>
            </header>
            <main class="tx-main">
                <Show when=has_source fallback=|| view! { <start_page::StartPage /> }>
                    <dataset_page::DatasetPage />
                </Show>
            </main>
        </div>
    }
}
