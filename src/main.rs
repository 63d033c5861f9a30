//! The web app's entry point (`trajex-web`), built for wasm32 by Trunk (`trunk build`,
//! `trunk serve`; see `index.html`). It mounts `trajex::ui::App` on the page's body. Built
//! for any other target it only says so, so that native `cargo build`/`cargo test` work.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(trajex::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "trajex-web is the browser app: build it with `trunk build --release` (output in dist/) \
         or serve it with `trunk serve`. The native command line is `trajex`."
    );
}
