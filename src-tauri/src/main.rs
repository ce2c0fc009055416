// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // before any thread: an installed app's offline VIN data is beside it
    dixon_vehicle::use_installed_tables();
    dixon_counter::run();
}
