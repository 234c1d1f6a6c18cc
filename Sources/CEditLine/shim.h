#ifndef FLAR_CEDITLINE_SHIM_H
#define FLAR_CEDITLINE_SHIM_H
#include <stdio.h>
#include <histedit.h>

/* el_set() and history() are variadic, which Swift cannot call: one fixed-arity wrapper per use. */
static inline int cel_set_prompt(EditLine *el, char *(*fn)(EditLine *)) { return el_set(el, EL_PROMPT, fn); }
static inline int cel_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int cel_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int cel_set_edit_mode(EditLine *el, int on) { return el_set(el, EL_EDITMODE, on); }
static inline int cel_set_hist(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int cel_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *cel_get_clientdata(EditLine *el) { void *d = NULL; el_get(el, EL_CLIENTDATA, &d); return d; }
static inline int cel_addfn(EditLine *el, const char *name, const char *help,
                            unsigned char (*fn)(EditLine *, int)) { return el_set(el, EL_ADDFN, name, help, fn); }
static inline int cel_bind(EditLine *el, const char *key, const char *fn) { return el_set(el, EL_BIND, key, fn, NULL); }
static inline int chist_setsize(History *h, HistEvent *ev, int n) { return history(h, ev, H_SETSIZE, n); }
static inline int chist_setunique(History *h, HistEvent *ev, int on) { return history(h, ev, H_SETUNIQUE, on); }
static inline int chist_enter(History *h, HistEvent *ev, const char *s) { return history(h, ev, H_ENTER, s); }
static inline int chist_load(History *h, HistEvent *ev, const char *path) { return history(h, ev, H_LOAD, path); }
static inline int chist_save(History *h, HistEvent *ev, const char *path) { return history(h, ev, H_SAVE, path); }
static inline FILE *c_stdin(void) { return stdin; }
static inline FILE *c_stdout(void) { return stdout; }
static inline FILE *c_stderr(void) { return stderr; }
#endif
