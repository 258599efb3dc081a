//! One colour per thread, everywhere a run is drawn: the walkthrough's Threads pane and
//! timeline, and the SVG timeline (`iosim svg`), which takes its colours from here.
//!
//! The colours are entries of the xterm 256-colour cube rather than the sixteen named
//! colours: a terminal's theme repaints the named ones as it likes, while the cube's
//! entries have fixed values (`16 + 36r + 6g + b`, each level one of 0, 95, 135, 175,
//! 215, 255), so the SVG can show the very colour the terminal does. Each is mid-bright,
//! readable on a dark terminal and on the SVG's white page alike.

use kernel_sim::ThreadId;
use ratatui::style::Color;

/// The threads' colours as xterm 256-colour indexes, in thread order (repeating). None
/// is red, orange, pink or purple, the colours of what interrupts a thread (ISRs, DPCs)
/// and of the marks on its lane in the SVG.
pub const THREAD_COLORS: [u8; 6] = [
    68,  // #5f87d7 blue
    71,  // #5faf5f green
    137, // #af875f brown
    37,  // #00afaf teal
    143, // #afaf5f olive
    61,  // #5f5faf indigo
];

/// A thread's colour in the terminal.
pub fn thread_color(t: ThreadId) -> Color {
    Color::Indexed(thread_index(t))
}

/// The same colour as `#rrggbb`, for the SVG.
pub fn thread_hex(t: ThreadId) -> String {
    let (r, g, b) = cube_rgb(thread_index(t));
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn thread_index(t: ThreadId) -> u8 {
    THREAD_COLORS[t.0 as usize % THREAD_COLORS.len()]
}

/// The red, green and blue of an entry of the xterm colour cube (16 to 231).
fn cube_rgb(index: u8) -> (u8, u8, u8) {
    assert!(
        (16..232).contains(&index),
        "{index} is not in the colour cube"
    );
    let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
    let i = index - 16;
    (level(i / 36), level(i / 6 % 6), level(i % 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_colour_is_the_cube_entry_the_terminal_shows() {
        // The cube's corners and a middle entry, as xterm's 256colres.pl computes them.
        assert_eq!(cube_rgb(16), (0, 0, 0));
        assert_eq!(cube_rgb(231), (255, 255, 255));
        assert_eq!(cube_rgb(68), (0x5f, 0x87, 0xd7));
        assert_eq!(thread_hex(ThreadId(0)), "#5f87d7");
        assert_eq!(thread_hex(ThreadId(4)), "#afaf5f");
        assert_eq!(thread_color(ThreadId(1)), Color::Indexed(71));
    }

    #[test]
    fn neighbouring_threads_differ_and_the_palette_repeats() {
        let n = THREAD_COLORS.len() as u32;
        for t in 0..n {
            assert_ne!(thread_hex(ThreadId(t)), thread_hex(ThreadId(t + 1)));
            assert_eq!(thread_color(ThreadId(t)), thread_color(ThreadId(t + n)));
        }
    }
}
