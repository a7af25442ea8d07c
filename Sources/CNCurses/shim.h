#ifndef CTAS_CNCURSES_SHIM_H
#define CTAS_CNCURSES_SHIM_H
// Wide-character ncurses, with the macros and globals Swift cannot import as functions.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <langinfo.h>
#include <stdio.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <ncursesw/ncurses.h>

/// Columns a wide character takes (glibc's, as ncurses measures; the prototype is hidden
/// behind _XOPEN_SOURCE in the precompiled C library module).
extern int wcwidth(wchar_t c);
static inline int cn_wcwidth(wchar_t c) { return wcwidth(c); }

/// Pseudo-terminals (for the console benchmark); declared here for the same reason.
extern int posix_openpt(int flags);
extern int grantpt(int fd);
extern int unlockpt(int fd);
extern char *ptsname(int fd);
static inline int cn_openpt(int flags) { return posix_openpt(flags); }
static inline int cn_grantpt(int fd) { return grantpt(fd); }
static inline int cn_unlockpt(int fd) { return unlockpt(fd); }
static inline char *cn_ptsname(int fd) { return ptsname(fd); }

/// An anonymous file in memory (the frame output buffer); hidden behind _GNU_SOURCE.
extern int memfd_create(const char *name, unsigned int flags);
static inline int cn_memfd(const char *name) { return memfd_create(name, 1u /* MFD_CLOEXEC */); }

/// Terminal resizes, caught by the console itself rather than by ncurses: ncurses reads the
/// new size at its next update, on the descriptor it draws to, and the console points that
/// descriptor at a memory file while an update runs (see FrameOutput). Installed before
/// newterm, which then leaves SIGWINCH alone (it only catches a signal left at SIG_DFL).
static volatile sig_atomic_t cn_resize_seen = 0;
static void cn_on_resize(int signo) { (void)signo; cn_resize_seen = 1; }
static inline int cn_catch_resize(void) {
    struct sigaction action;
    action.sa_handler = cn_on_resize;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(SIGWINCH, &action, NULL);
}
/// Whether a resize was signalled since the last call.
static inline int cn_take_resize(void) { int seen = cn_resize_seen; cn_resize_seen = 0; return seen; }
/// The terminal's size on `fd` (0: not known).
static inline int cn_window_size(int fd, int *rows, int *columns) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return 0;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 1;
}

static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }

static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }

static inline int cn_key_resize(void) { return KEY_RESIZE; }
static inline int cn_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cn_key_mouse(void) { return KEY_MOUSE; }

/// Sets attributes and an (extended) colour pair for what is drawn next.
static inline int cn_set_style(WINDOW *w, attr_t attrs, int pair) { return wattr_set(w, attrs, (short)0, &pair); }
/// Draws `n` wide characters at (y, x).
static inline int cn_put(WINDOW *w, int y, int x, const wchar_t *s, int n) { return mvwaddnwstr(w, y, x, s, n); }
static inline int cn_get_wch(WINDOW *w, wint_t *c) { return wget_wch(w, c); }
/// newterm on stdout/stdin: NULL (instead of exiting, as initscr does) for an unusable TERM.
static inline SCREEN *cn_newterm(const char *term) { return newterm(term, stdout, stdin); }
/// newterm drawing on stdout, its keys read from `in` (the controlling terminal when stdin is a feed).
static inline SCREEN *cn_newterm_keys(const char *term, FILE *in) { return newterm(term, stdout, in); }
/// newterm on given streams (a pseudo-terminal, for benchmarks).
static inline SCREEN *cn_newterm_on(const char *term, FILE *out, FILE *in) { return newterm(term, out, in); }
static inline const char *cn_codeset(void) { return nl_langinfo(CODESET); }
static inline int cn_keypad(WINDOW *w, int on) { return keypad(w, on ? TRUE : FALSE); }
static inline int cn_nodelay(WINDOW *w, int on) { return nodelay(w, on ? TRUE : FALSE); }
static inline int cn_clearok(WINDOW *w, int on) { return clearok(w, on ? TRUE : FALSE); }
static inline int cn_leaveok(WINDOW *w, int on) { return leaveok(w, on ? TRUE : FALSE); }
static inline unsigned long cn_mousemask_all(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline unsigned long cn_button1_clicked(void) { return BUTTON1_CLICKED | BUTTON1_PRESSED; }
static inline unsigned long cn_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline unsigned long cn_button5_pressed(void) { return BUTTON5_PRESSED; }
/// Whether the terminal description can address the cursor (dumb terminals cannot).
static inline int cn_can_address(void) { return tigetstr("cup") != NULL && tigetstr("cup") != (char *)-1; }
#endif
